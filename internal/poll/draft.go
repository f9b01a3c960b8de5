package poll

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// DefaultQuestion is the question the poll modal starts with.
const DefaultQuestion = "When are work messages welcome on this team?"

// MaxQuestion is the longest question, in characters.
const MaxQuestion = 300

// DefaultOptions are good starting options about messaging hours and reply
// expectations. Options describing hours carry an hours spec without a time
// zone, so an adopted one is read in each member's own zone; the option
// about replies has none. Each call returns a fresh slice.
func DefaultOptions() []Option {
	return []Option{
		{Label: "Weekdays 9–18, nothing after", Hours: "Mon-Fri 09:00-18:00"},
		{Label: "Weekdays 8–17", Hours: "Mon-Fri 08:00-17:00"},
		{Label: "Weekdays 10–19", Hours: "Mon-Fri 10:00-19:00"},
		{Label: "Any time is fine, no reply expected after hours"},
	}
}

// Draft is what the creator submitted in the modal, before validation.
// Options are in the order of the modal's option fields, blank ones
// included.
type Draft struct {
	Question string
	Options  []Option
	Channel  activity.ChannelID
	Deadline time.Time
	Live     bool // show counts per option while the poll is open
}

// Modal fields a FieldError can name. Option fields are OptionField(n).
const (
	FieldQuestion = "question"
	FieldOptions  = "options"
	FieldDeadline = "deadline"
	FieldChannel  = "channel"
)

// OptionField names the modal field of the n-th option, counting from 1.
func OptionField(n int) string { return "option_" + strconv.Itoa(n) }

// FieldError names the modal field that is wrong: Field is one of
// "question", "options", "option_N" (N from 1, the position in
// Draft.Options), "deadline", "channel". Msg is written to be shown to the
// creator as is, next to the field.
type FieldError struct {
	Field, Msg string
}

func (e FieldError) Error() string { return "poll: field " + e.Field + ": " + e.Msg }

// Validate checks a draft at now: a question of 1 to MaxQuestion
// characters; MinOptions to MaxOptions options once blank ones are dropped;
// no two labels alike (ignoring case and spacing); each label at most
// MaxLabel characters; each non-empty hours spec readable by
// workhours.Parse; a channel; a deadline after now and at most MaxDeadline
// ahead.
//
// It returns every field that is wrong, at most one error per field (a
// modal shows one message per field), in the order of the modal; nil when
// the draft is valid. An option is blank when both its label and its hours
// are; one with hours but no label is an error.
func Validate(d Draft, now time.Time) []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{field, msg}) }

	switch q := strings.TrimSpace(d.Question); {
	case q == "":
		add(FieldQuestion, "Ask a question, e.g. “"+DefaultQuestion+"”")
	case utf8.RuneCountInString(q) > MaxQuestion:
		add(FieldQuestion, fmt.Sprintf("Keep the question to %d characters; it has %d.", MaxQuestion, utf8.RuneCountInString(q)))
	}

	var optErrs []FieldError
	seen := map[string]int{} // normalized label → field number
	n := 0
	for i, o := range d.Options {
		label, hours := strings.TrimSpace(o.Label), strings.TrimSpace(o.Hours)
		if label == "" && hours == "" {
			continue
		}
		n++
		field := OptionField(i + 1)
		key := labelKey(label)
		first, dup := seen[key]
		if !dup {
			seen[key] = i + 1
		}
		var err error
		if hours != "" {
			_, err = workhours.Parse(hours)
		}
		switch runes := utf8.RuneCountInString(label); {
		case label == "":
			optErrs = append(optErrs, FieldError{field, "Give this option a label, or clear its hours."})
		case runes > MaxLabel:
			optErrs = append(optErrs, FieldError{field, fmt.Sprintf("Keep the label to %d characters (Slack's limit for a button); it has %d.", MaxLabel, runes)})
		case dup:
			optErrs = append(optErrs, FieldError{field, fmt.Sprintf("This is the same as option %d; make each option different.", first)})
		case err != nil:
			optErrs = append(optErrs, FieldError{field, "Can't read these hours: " + err.Error() + "."})
		}
	}
	switch {
	case n < MinOptions:
		add(FieldOptions, fmt.Sprintf("Give at least %d options; there are %d.", MinOptions, n))
	case n > MaxOptions:
		add(FieldOptions, fmt.Sprintf("A poll can have at most %d options; there are %d.", MaxOptions, n))
	}
	errs = append(errs, optErrs...)

	if d.Channel == "" {
		add(FieldChannel, "Pick the channel to post the poll in.")
	}

	switch {
	case d.Deadline.IsZero():
		add(FieldDeadline, "Pick a deadline.")
	case !d.Deadline.After(now):
		add(FieldDeadline, "That time has already passed; pick a later deadline.")
	case d.Deadline.Sub(now) > MaxDeadline:
		add(FieldDeadline, fmt.Sprintf("The deadline can be at most %d days from now.", MaxDeadline/(24*time.Hour)))
	}
	return errs
}

// labelKey is what two labels must share to count as the same: the
// words, in lower case, whatever the spacing.
func labelKey(label string) string {
	return strings.ToLower(strings.Join(strings.Fields(label), " "))
}

// CleanOptions returns the options as Validate reads them: label and hours
// without surrounding space, blank options dropped.
func CleanOptions(opts []Option) []Option {
	out := make([]Option, 0, len(opts))
	for _, o := range opts {
		o.Label, o.Hours = strings.TrimSpace(o.Label), strings.TrimSpace(o.Hours)
		if o.Label == "" && o.Hours == "" {
			continue
		}
		out = append(out, o)
	}
	return out
}

// New makes the poll for a draft that Validate accepted: question and
// options cleaned, created at now, open, nothing adopted (Adopted is -1).
func New(d Draft, id string, team activity.TeamID, creator activity.UserID, now time.Time) Poll {
	return Poll{
		ID:       id,
		Team:     team,
		Creator:  creator,
		Channel:  d.Channel,
		Question: strings.TrimSpace(d.Question),
		Options:  CleanOptions(d.Options),
		Created:  now,
		Deadline: d.Deadline,
		Live:     d.Live,
		Adopted:  -1,
	}
}

package poll

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// FuzzValidate checks that Validate never panics, names only modal fields
// that exist, once each, with a message; and that a draft it accepts makes
// a poll within the limits whose every hours spec parses.
func FuzzValidate(f *testing.F) {
	f.Add(DefaultQuestion, "Weekdays 9–18", "Mon-Fri 09:00-18:00", "Any time", "", "a\nb\nc", "C1", int64(72*3600))
	f.Add("", "", "", "", "", "", "", int64(0))
	f.Add("  ", "x", "Mon-Fry 09:00", "X", "nonsense", "x\n X \n\n", "", int64(-5))
	f.Add(strings.Repeat("q", 301), strings.Repeat("é", 76), "Mon 25:00-26:00", "b", "Sun-Thu 22:00-06:00 Europe/Berlin", "c\nd\ne\nf\ng", "C9", int64(31*24*3600))
	f.Add("\xff", "\xff\xfe", "\x00", " ", " \t", "\xff\n\xfe", "G1", int64(1<<62))
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, question, label1, hours1, label2, hours2, more, channel string, secs int64) {
		opts := []Option{{label1, hours1}, {label2, hours2}}
		if more != "" {
			for l := range strings.SplitSeq(more, "\n") {
				opts = append(opts, Option{Label: l})
			}
		}
		var deadline time.Time
		if secs != 0 {
			deadline = now.Add(time.Duration(secs) * time.Second)
		}
		d := Draft{Question: question, Options: opts, Channel: activity.ChannelID(channel), Deadline: deadline}
		errs := Validate(d, now)

		seen := map[string]bool{}
		for _, e := range errs {
			if !validField(e.Field, len(opts)) {
				t.Fatalf("Validate(%+v) names field %q", d, e.Field)
			}
			if seen[e.Field] {
				t.Fatalf("Validate(%+v) names field %q twice: %v", d, e.Field, errs)
			}
			seen[e.Field] = true
			if e.Msg == "" {
				t.Fatalf("Validate(%+v) field %q has no message", d, e.Field)
			}
		}
		if len(errs) > 0 {
			return
		}
		p := New(d, "P1", "T1", "U1", now)
		if n := len(p.Options); n < MinOptions || n > MaxOptions {
			t.Fatalf("Validate accepted %d options", n)
		}
		if p.Question == "" || utf8.RuneCountInString(p.Question) > MaxQuestion || p.Channel == "" || !p.Open(now) || p.Deadline.Sub(now) > MaxDeadline {
			t.Fatalf("Validate accepted %+v", d)
		}
		keys := map[string]bool{}
		for _, o := range p.Options {
			if o.Label == "" || utf8.RuneCountInString(o.Label) > MaxLabel || keys[labelKey(o.Label)] {
				t.Fatalf("Validate accepted option %q in %+v", o.Label, d)
			}
			keys[labelKey(o.Label)] = true
			if o.Hours != "" {
				if _, err := workhours.Parse(o.Hours); err != nil {
					t.Fatalf("Validate accepted hours %q: %v", o.Hours, err)
				}
			}
		}
	})
}

func validField(f string, options int) bool {
	switch f {
	case FieldQuestion, FieldOptions, FieldDeadline, FieldChannel:
		return true
	}
	n, err := strconv.Atoi(strings.TrimPrefix(f, "option_"))
	return strings.HasPrefix(f, "option_") && err == nil && n >= 1 && n <= options && f == OptionField(n)
}

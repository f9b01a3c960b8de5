package slackui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/poll"
)

// CallbackPoll is the callback ID of the norms poll modal.
const CallbackPoll = "modal_poll"

// Block IDs of the poll modal's inputs; each input's action ID is the same
// as its block ID. The option rows are PollOptionBlock(i) and
// PollHoursBlock(i).
const (
	PollQuestionBlock = "poll_question"
	PollChannelBlock  = "poll_channel"
	PollDeadlineBlock = "poll_deadline"
	PollLiveBlock     = "poll_live"
)

// Action IDs of the poll's buttons, for routing block_actions.
const (
	// ActionVote is every vote button in a poll message; its value is
	// VoteValue(pollID, option), read back with ParseVoteValue.
	ActionVote = "poll_vote"
	// ActionClosePoll closes a poll early; its value is the poll ID. Only
	// the creator or an admin may: the adapter refuses anyone else.
	ActionClosePoll = "poll_close"
	// ActionAdopt adopts a closed poll's winner as the team norm; its value
	// is the poll ID.
	ActionAdopt = "poll_adopt"
	// ActionStartPoll is the App Home button that opens PollModal.
	ActionStartPoll = "home_poll"
)

// liveValue is the value of the one checkbox in PollLiveBlock.
const liveValue = "live"

// maxPollQuestion is the longest question the modal accepts, and
// maxQuestionShown the longest shown in a message (longer ones, from
// elsewhere, are cut with "…").
const (
	maxPollQuestion  = 300
	maxQuestionShown = 500
)

// maxBar is the width, in █, of the longest results bar.
const maxBar = 20

// PollOptionBlock is the block (and action) ID of the label of option row i,
// counted from 1: "poll_option_1" … "poll_option_6".
func PollOptionBlock(i int) string { return "poll_option_" + strconv.Itoa(i) }

// PollHoursBlock is the block (and action) ID of the optional working-hours
// spec of option row i, counted from 1: "poll_hours_1" … "poll_hours_6".
func PollHoursBlock(i int) string { return "poll_hours_" + strconv.Itoa(i) }

// PollModal asks a manager what to poll their team about: the question, up
// to poll.MaxOptions options (each a label and an optional hours spec; the
// first rows prefilled from options, the rest empty), the channel (channel if
// given, else the conversation the modal was opened from), the deadline and
// whether counts show while the poll is open. quorum is the number of voters
// below which no counts are ever shown.
func PollModal(question string, options []poll.Option, channel activity.ChannelID, deadline time.Time, quorum int) slack.ModalViewRequest {
	quorum = pollQuorum(quorum)

	q := slack.NewPlainTextInputBlockElement(plain("e.g. When are work messages welcome?"), PollQuestionBlock).
		WithInitialValue(truncate(strings.TrimSpace(question), maxPollQuestion)).
		WithMaxLength(maxPollQuestion)

	blocks := []slack.Block{
		section("Ask your team, anonymously, when work messages are welcome and what replies they expect. " +
			"An option can stand for working hours: if it wins and you adopt it, your nudges use those hours for your team."),
		slack.NewInputBlock(PollQuestionBlock, plain("Question"), nil, q),
	}

	for i := 1; i <= poll.MaxOptions; i++ {
		var o poll.Option
		if i <= len(options) {
			o = options[i-1]
		}
		label := slack.NewPlainTextInputBlockElement(nil, PollOptionBlock(i)).
			WithInitialValue(truncate(strings.TrimSpace(o.Label), poll.MaxLabel)).
			WithMaxLength(poll.MaxLabel)
		labelIn := slack.NewInputBlock(PollOptionBlock(i), plain(fmt.Sprintf("Option %d", i)), nil, label).
			WithOptional(i > poll.MinOptions)

		hours := slack.NewPlainTextInputBlockElement(plain("e.g. "+DefaultHoursExample), PollHoursBlock(i)).
			WithInitialValue(truncate(strings.TrimSpace(o.Hours), MaxHoursSpec)).
			WithMaxLength(MaxHoursSpec)
		var hint *slack.TextBlockObject
		if i == 1 {
			hint = plain("The working hours an option stands for, optionally with a time zone. " +
				"Leave it empty for options about reply expectations.")
		}
		hoursIn := slack.NewInputBlock(PollHoursBlock(i), plain(fmt.Sprintf("Working hours for option %d", i)), hint, hours).
			WithOptional(true)
		blocks = append(blocks, labelIn, hoursIn)
	}

	ch := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Choose a channel"), PollChannelBlock)
	ch.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}}
	ch.DefaultToCurrentConversation = true
	if channel != "" {
		ch.InitialConversation = string(channel)
	}

	dl := slack.NewDateTimePickerBlockElement(PollDeadlineBlock)
	if !deadline.IsZero() {
		dl.InitialDateTime = deadline.Unix()
	}

	live := slack.NewCheckboxGroupsBlockElement(PollLiveBlock,
		slack.NewOptionBlockObject(liveValue, plain("Show counts while the poll is open"),
			plain("Otherwise results stay hidden until the poll closes.")))

	blocks = append(blocks,
		slack.NewInputBlock(PollChannelBlock, plain("Post in"),
			plain("Everyone in the channel can vote. Add trustnudge to a private channel first."), ch),
		slack.NewInputBlock(PollDeadlineBlock, plain("Closes"),
			plain("You can also close it early."), dl),
		slack.NewInputBlock(PollLiveBlock, plain("Results"), nil, live).WithOptional(true),
		contextLine(fmt.Sprintf("Votes are anonymous: nobody, you included, sees who voted what. "+
			"Results show only once at least %s voted.", plural(quorum, "person", "people"))),
	)
	return modal(CallbackPoll, "Ask your team", "Post poll", blocks...)
}

// PollDraft is what the poll modal was submitted with, not yet validated.
type PollDraft struct {
	Question string
	// Options are the non-blank rows, in row order. A row is blank when both
	// its label and its hours are; a row with hours but no label is kept
	// (with an empty label) so validation can point at it.
	Options  []poll.Option
	Channel  activity.ChannelID
	Deadline time.Time // zero if none was chosen
	Live     bool
	// Rows is the modal row (from 1) each of Options came from, for
	// FieldBlock.
	Rows []int
}

// ParsePollSubmission reads a submitted poll modal into a draft. Texts are
// trimmed; nothing else is checked: validate with poll.Validate and answer
// its errors with ErrorsResponse(d.FieldBlock(field), msg). The error
// wraps ErrMalformed when the view is not the poll modal (wrong callback,
// no state, or no question, channel or deadline input).
func ParsePollSubmission(v slack.View) (PollDraft, error) {
	var d PollDraft
	if v.CallbackID != CallbackPoll {
		return d, fmt.Errorf("slackui: view %q is not %q: %w", v.CallbackID, CallbackPoll, ErrMalformed)
	}
	if v.State == nil {
		return d, fmt.Errorf("slackui: view %q has no state: %w", CallbackPoll, ErrMalformed)
	}
	get := func(block string) (slack.BlockAction, bool) {
		a, ok := v.State.Values[block][block]
		return a, ok
	}
	need := func(block string) (slack.BlockAction, error) {
		a, ok := get(block)
		if !ok {
			return a, fmt.Errorf("slackui: poll modal has no %s: %w", block, ErrMalformed)
		}
		return a, nil
	}

	q, err := need(PollQuestionBlock)
	if err != nil {
		return d, err
	}
	ch, err := need(PollChannelBlock)
	if err != nil {
		return d, err
	}
	dl, err := need(PollDeadlineBlock)
	if err != nil {
		return d, err
	}

	d.Question = strings.TrimSpace(q.Value)
	for i := 1; i <= poll.MaxOptions; i++ {
		label, _ := get(PollOptionBlock(i))
		hours, _ := get(PollHoursBlock(i))
		o := poll.Option{Label: strings.TrimSpace(label.Value), Hours: strings.TrimSpace(hours.Value)}
		if o.Label == "" && o.Hours == "" {
			continue
		}
		d.Options = append(d.Options, o)
		d.Rows = append(d.Rows, i)
	}
	d.Channel = activity.ChannelID(strings.TrimSpace(ch.SelectedConversation))
	if dl.SelectedDateTime != 0 {
		d.Deadline = time.Unix(dl.SelectedDateTime, 0).UTC()
	}
	if live, ok := get(PollLiveBlock); ok {
		for _, o := range live.SelectedOptions {
			if o.Value == liveValue {
				d.Live = true
			}
		}
	}
	return d, nil
}

// PollFieldBlock maps a poll.FieldError field to the modal block to show the
// error under: "question", "option_N" (N from 1), "options", "hours_N",
// "channel", "deadline" and "live". An unknown field maps to the question,
// at the top of the modal, so the message is still seen.
//
// "option_N" is taken as modal row N; after ParsePollSubmission dropped blank
// rows, use PollDraft.FieldBlock, which maps N through Rows.
func PollFieldBlock(field string) string {
	switch field {
	case "question":
		return PollQuestionBlock
	case "options":
		return PollOptionBlock(1)
	case "channel":
		return PollChannelBlock
	case "deadline":
		return PollDeadlineBlock
	case "live":
		return PollLiveBlock
	}
	if n, ok := fieldIndex(field, "option_"); ok {
		return PollOptionBlock(n)
	}
	if n, ok := fieldIndex(field, "hours_"); ok {
		return PollHoursBlock(n)
	}
	return PollQuestionBlock
}

// FieldBlock is PollFieldBlock for errors about d: "option_N" and "hours_N"
// name d.Options[N-1], shown on the modal row it came from.
func (d PollDraft) FieldBlock(field string) string {
	for _, prefix := range []string{"option_", "hours_"} {
		if n, ok := fieldIndex(field, prefix); ok && n <= len(d.Rows) {
			return PollFieldBlock(prefix + strconv.Itoa(d.Rows[n-1]))
		}
	}
	return PollFieldBlock(field)
}

// fieldIndex reads N (1 to poll.MaxOptions) from prefix+N.
func fieldIndex(field, prefix string) (int, bool) {
	s, ok := strings.CutPrefix(field, prefix)
	if !ok || s == "" || len(s) > 2 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, n >= 1 && n <= poll.MaxOptions
}

// PollView is a poll as shown in its channel and in the creator's DM.
type PollView struct {
	Poll   poll.Poll
	Voters int // how many have voted
	// Counts are the votes per option, nil when hidden: results are hidden
	// until the poll closes (unless Poll.Live) and always below Quorum.
	// PollMessage hides them in those cases even if given.
	Counts []int
	Closed bool
	Winner int            // index of the winning option, -1 if none
	Loc    *time.Location // the creator's zone, for the deadline; nil means UTC
	Quorum int            // fewest voters for counts to show; poll.DefaultQuorum if < 1
}

// VoteValue is the value of the vote button for option (from 0) of a poll.
func VoteValue(pollID string, option int) string { return pollID + "|" + strconv.Itoa(option) }

// ParseVoteValue reads a vote button's value back. The error wraps
// ErrMalformed.
func ParseVoteValue(value string) (pollID string, option int, err error) {
	i := strings.LastIndexByte(value, '|')
	if i <= 0 {
		return "", 0, fmt.Errorf("slackui: vote value %q: %w", truncate(value, 80), ErrMalformed)
	}
	pollID, s := value[:i], value[i+1:]
	if s == "" || len(s) > 2 || strings.Trim(s, "0123456789") != "" {
		return "", 0, fmt.Errorf("slackui: vote value %q: %w", truncate(value, 80), ErrMalformed)
	}
	option, _ = strconv.Atoi(s)
	if strconv.Itoa(option) != s || option >= poll.MaxOptions {
		return "", 0, fmt.Errorf("slackui: vote value %q: option out of range: %w", truncate(value, 80), ErrMalformed)
	}
	return pollID, option, nil
}

// PollMessage renders the poll message in the channel: the question, a vote
// button per option while open, how many have voted and when it closes, a
// Close button while open, and the results (counts, when not hidden) or
// why there are none.
func PollMessage(v PollView) []slack.Block {
	p := v.Poll
	quorum := pollQuorum(v.Quorum)
	b := []slack.Block{section("*" + questionText(p.Question) + "*")}
	about := "Anonymous poll: nobody, the person who asked included, sees who voted what."
	if activity.IsUserID(string(p.Creator)) {
		about = "Asked by <@" + string(p.Creator) + ">. Anonymous: nobody, the asker included, sees who voted what."
	}
	b = append(b, contextLine(about))

	if !v.Closed {
		for i, o := range pollOptions(p) {
			vote := button(ActionVote, optionLabel(o))
			vote.Value = VoteValue(p.ID, i)
			b = append(b, slack.NewActionBlock("", vote))
		}
		status := voted(v.Voters, false) + " · closes " + formatDeadline(p, v.Loc)
		switch {
		case countsShown(v):
			b = append(b, section(results("*So far*", v)))
		case p.Live:
			status += fmt.Sprintf(" · counts show once %s voted", plural(quorum, "person has", "people have"))
		default:
			status += " · results show when the poll closes"
		}
		b = append(b, contextLine(status+". You can change your vote until then."))
		closeBtn := button(ActionClosePoll, "Close poll").WithConfirm(confirm("Close the poll now?",
			fmt.Sprintf("No more votes are taken and the results are posted, as counts only if at least %s voted.",
				plural(quorum, "person", "people")),
			"Close poll", "Cancel"))
		closeBtn.Value = p.ID
		b = append(b, slack.NewActionBlock("", closeBtn))
		return b
	}

	b = append(b, contextLine("Poll closed · "+voted(v.Voters, true)+"."))
	b = append(b, section(closedResults(v)))
	if a, ok := adopted(v); ok {
		b = append(b, section(":white_check_mark: Adopted as the team's norm: *"+optionMrkdwn(a)+"*"+hoursNote(a)+"."))
	}
	return b
}

// PollText is the plain fallback text of the poll message, for
// notifications and clients that can't show blocks.
func PollText(v PollView) string {
	q := questionText(v.Poll.Question)
	if v.Closed {
		return "Poll closed: " + q
	}
	return "Anonymous poll: " + q + " (closes " + formatDeadline(v.Poll, v.Loc) + ")"
}

// AdoptMessage is the DM to the poll's creator once it closed: the results,
// and an "Adopt as team norm" button when there is a winner (and enough
// voters for one to be shown).
func AdoptMessage(v PollView) []slack.Block {
	p := v.Poll
	where := "your channel"
	if isChannelID(string(p.Channel)) {
		where = "<#" + string(p.Channel) + ">"
	}
	b := []slack.Block{
		section("Your poll in " + where + " has closed: *" + questionText(p.Question) + "*"),
		contextLine(capitalize(voted(v.Voters, true)) + ". Nobody, you included, sees who voted what."),
		section(closedResults(v)),
	}
	if a, ok := adopted(v); ok {
		return append(b, section(":white_check_mark: You adopted *"+optionMrkdwn(a)+"* as your team's norm"+hoursNote(a)+
			". Your nudges use it, and the channel was told."))
	}
	if w, ok := winner(v); ok {
		adopt := button(ActionAdopt, "Adopt as team norm").WithStyle(slack.StylePrimary).WithConfirm(
			confirm("Adopt this norm?", "Your nudges use it from now on, and trustnudge tells the channel.", "Adopt", "Cancel"))
		adopt.Value = p.ID
		return append(b, sectionWith("*"+optionMrkdwn(w)+"* got the most votes"+hoursNote(w)+
			". Adopt it as your team's norm? Your nudges then use it, and the channel is told.", adopt))
	}
	if v.Voters >= pollQuorum(v.Quorum) {
		b = append(b, section("No single option got the most votes, so there's nothing to adopt. "+
			"You can ask again from the Home tab."))
	}
	return b
}

func pollQuorum(q int) int {
	if q < 1 {
		return poll.DefaultQuorum
	}
	return q
}

// pollOptions are the options shown: at most poll.MaxOptions.
func pollOptions(p poll.Poll) []poll.Option {
	if len(p.Options) > poll.MaxOptions {
		return p.Options[:poll.MaxOptions]
	}
	return p.Options
}

// countsShown reports whether v's counts may be shown: given for every
// option, enough voters, and the poll closed or live.
func countsShown(v PollView) bool {
	return v.Counts != nil && len(v.Counts) == len(pollOptions(v.Poll)) &&
		v.Voters >= pollQuorum(v.Quorum) && (v.Closed || v.Poll.Live)
}

// winner is v's winning option, if there is one and it may be shown.
func winner(v PollView) (poll.Option, bool) {
	opts := pollOptions(v.Poll)
	if v.Winner < 0 || v.Winner >= len(opts) || v.Voters < pollQuorum(v.Quorum) {
		return poll.Option{}, false
	}
	return opts[v.Winner], true
}

// adopted is the option adopted as the team norm, if any.
func adopted(v PollView) (poll.Option, bool) {
	opts := pollOptions(v.Poll)
	if !v.Closed || v.Poll.Adopted < 0 || v.Poll.Adopted >= len(opts) {
		return poll.Option{}, false
	}
	return opts[v.Poll.Adopted], true
}

func closedResults(v PollView) string {
	quorum := pollQuorum(v.Quorum)
	switch {
	case countsShown(v):
		return results("*Results*", v)
	case v.Voters < quorum:
		return fmt.Sprintf("Not enough votes to show results without revealing them (fewer than %s voted).",
			plural(quorum, "person", "people"))
	default:
		return "The results aren't available."
	}
}

// results draws one bar of █ per option, scaled to the highest count, with
// the count; the winner's label is bold.
func results(title string, v PollView) string {
	high := 0
	for _, c := range v.Counts {
		high = max(high, c)
	}
	_, hasWinner := winner(v)
	lines := []string{title}
	for i, o := range pollOptions(v.Poll) {
		c := max(v.Counts[i], 0)
		label := optionMrkdwn(o)
		if hasWinner && i == v.Winner {
			label = "*" + label + "* (most votes)"
		}
		bar := ""
		if high > 0 && c > 0 {
			bar = strings.Repeat("█", max(1, (c*maxBar+high/2)/high)) + " "
		}
		lines = append(lines, label+"\n"+bar+strconv.Itoa(c))
	}
	return strings.Join(lines, "\n")
}

func voted(n int, closed bool) string {
	switch {
	case n <= 0 && closed:
		return "nobody voted"
	case n <= 0:
		return "Nobody has voted yet"
	case closed:
		return plural(n, "person", "people") + " voted"
	}
	return plural(n, "person has", "people have") + " voted"
}

// formatDeadline writes the deadline in loc, like "Thu 17:00 CET", with the
// date when the poll runs for 6 days or more (or its start is unknown).
func formatDeadline(p poll.Poll, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t := p.Deadline.In(loc)
	if !p.Created.IsZero() && p.Deadline.Sub(p.Created) < 6*day {
		return t.Format("Mon 15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

func questionText(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if q == "" {
		q = "(no question)"
	}
	return escape(truncate(q, maxQuestionShown))
}

// optionLabel is an option's label as plain text (a button's): one line, at
// most poll.MaxLabel characters.
func optionLabel(o poll.Option) string {
	l := strings.Join(strings.Fields(o.Label), " ")
	if l == "" {
		l = "(no label)"
	}
	return truncate(l, poll.MaxLabel)
}

// optionMrkdwn is optionLabel escaped for mrkdwn.
func optionMrkdwn(o poll.Option) string { return escape(optionLabel(o)) }

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func hoursNote(o poll.Option) string {
	if strings.TrimSpace(o.Hours) == "" {
		return ""
	}
	return " (working hours " + code(truncate(o.Hours, maxSpecShown)) + ")"
}

// isChannelID reports whether s looks like a Slack channel ID (C… or G…).
func isChannelID(s string) bool {
	if len(s) < 2 || len(s) > 32 || (s[0] != 'C' && s[0] != 'G') {
		return false
	}
	return strings.Trim(s[1:], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// Package command reads the text people type after /trustnudge into a
// Command.
//
// It is pure: it knows how Slack escapes mentions (the manifest sets
// should_escape) but nothing about who is asking or what is stored, so the
// engine can act on a plain value and every way people mistype can be
// table-tested and fuzzed here. Every refusal is a *UsageError whose text
// is a one-line ephemeral reply: what was wrong, then how to say it.
package command

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Kind says which command was asked for.
type Kind int

const (
	Help Kind = iota
	OptIn
	OptOut
	TeamShow
	TeamSet
	TeamAdd
	TeamRemove
	HoursShow
	HoursSet
	Snooze
	SnoozeOff
	Status
	ExcludeMe
	IncludeMe
	ForgetMe
	AdminStatus
	AdminHours
	AdminHoursShow
	Poll
	Digest
	numKinds
)

// String gives the command as it can be typed. It never holds user input,
// so it is safe to log.
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kinds[k].name
}

// Command is a parsed /trustnudge command. Only the fields its Kind uses
// are set.
type Command struct {
	Kind Kind
	// Users are the people named, for TeamSet, TeamAdd and TeamRemove: in
	// the order given, without duplicates, at least one and at most
	// MaxPeople.
	Users []activity.UserID
	// Hours and Spec are the working hours for HoursSet and AdminHours.
	// Spec is what was typed, trimmed; it parses to Hours.
	Hours workhours.Hours
	Spec  string
	// Snooze is how long to pause nudges, between people.MinSnooze and
	// people.MaxSnooze; Reason is optional.
	Snooze time.Duration
	Reason people.SnoozeReason
}

// Limits that keep a single command, and the work to read it, small.
const (
	// MaxPeople is the most people one team command may name, so a
	// pasted channel roster can't become a team by accident.
	MaxPeople = 100
	// maxText is far above what Slack sends (a few thousand characters)
	// and far below what would make parsing costly.
	maxText = 16 << 10
	// maxSpec is longer than any sensible week of working hours.
	maxSpec = 400
	// maxEcho is how much of what someone typed a reply quotes back.
	maxEcho = 40
)

// UsageError is a refusal to be shown as is: Msg says what was wrong,
// Usage how to say it.
type UsageError struct {
	Msg   string
	Usage string
}

// Error is one line of Slack mrkdwn, ready for an ephemeral reply.
func (e *UsageError) Error() string { return e.Msg + " Usage: `" + e.Usage + "`" }

func refuse(k Kind, msg string) *UsageError { return &UsageError{Msg: msg, Usage: Usage(k)} }

// Parse reads the text Slack sent after /trustnudge. Verbs are
// case-insensitive and a few obvious spellings are accepted; anything it
// can't read is a *UsageError saying why.
func Parse(text string) (Command, error) {
	if len(text) > maxText {
		return Command{}, refuse(Help, "That's too long for a command.")
	}
	s := normalize(text)
	verb, rest := cut(s, isSpace)
	if strings.EqualFold(verb, "/trustnudge") { // pasted along with the command
		verb, rest = cut(rest, isSpace)
	}
	v := fold(verb)
	switch v {
	case "", "?", "help":
		return Command{Kind: Help}, nil
	case "optin", "opt-in":
		return noArgs(OptIn, rest)
	case "optout", "opt-out":
		return noArgs(OptOut, rest)
	case "opt":
		next, after := cut(rest, isSpace)
		switch fold(next) {
		case "in":
			return noArgs(OptIn, after)
		case "out":
			return noArgs(OptOut, after)
		}
		return Command{}, refuse(OptIn, "Say `optin` to start nudges or `optout` to stop them.")
	case "team":
		return parseTeam(rest)
	case "hours":
		return parseHours(HoursShow, HoursSet, rest)
	case "snooze":
		return parseSnooze(rest)
	case "status":
		return noArgs(Status, rest)
	case "poll":
		return noArgs(Poll, rest)
	case "digest":
		return noArgs(Digest, rest)
	case "exclude-me", "excludeme":
		return noArgs(ExcludeMe, rest)
	case "include-me", "includeme":
		return noArgs(IncludeMe, rest)
	case "forget-me", "forgetme":
		return noArgs(ForgetMe, rest)
	case "exclude", "include", "forget":
		// Only about oneself, and forgetting can't be undone, so the "me"
		// is required rather than guessed.
		k := map[string]Kind{"exclude": ExcludeMe, "include": IncludeMe, "forget": ForgetMe}[v]
		if next, after := cut(rest, isSpace); fold(next) == "me" {
			return noArgs(k, after)
		}
		return Command{}, refuse(k, "Did you mean `"+k.String()+"`? It only ever applies to you.")
	case "admin":
		return parseAdmin(rest)
	}
	if strings.HasPrefix(verb, "<@") {
		return Command{}, refuse(TeamSet, "To name your team, start with `team`.")
	}
	if c, ok := nearest(v, verbs); ok {
		return Command{}, &UsageError{
			Msg:   "I don't know “" + echo(verb) + "”. Did you mean `" + c.name + "`?",
			Usage: c.usage,
		}
	}
	return Command{}, refuse(Help, "I don't know “"+echo(verb)+"”.")
}

// noArgs refuses anything after a command that takes nothing, rather
// than ignoring it: "forget-me @bob" must not quietly forget the caller.
func noArgs(k Kind, rest string) (Command, error) { return noArgsAs(k, k.String(), rest) }

// noArgsAs is noArgs for an alias whose refusal should name what was
// typed: "team show" takes nothing, though "team" does.
func noArgsAs(k Kind, typed, rest string) (Command, error) {
	if rest != "" {
		return Command{}, refuse(k, "`"+typed+"` takes nothing after it.")
	}
	return Command{Kind: k}, nil
}

func parseTeam(rest string) (Command, error) {
	if rest == "" {
		return Command{Kind: TeamShow}, nil
	}
	sub, after := cut(rest, isSpace)
	switch fold(sub) {
	case "show", "list":
		return noArgsAs(TeamShow, "team "+fold(sub), after)
	case "set":
		return teamUsers(TeamSet, after, "Name the people on your team")
	case "add":
		return teamUsers(TeamAdd, after, "Name at least one person to add")
	case "remove", "rm":
		return teamUsers(TeamRemove, after, "Name at least one person to remove")
	}
	// A near miss of a subcommand ("team ad @c") gets a suggestion; a
	// plain name ("team ada") is refused below as not a mention.
	if strings.HasPrefix(after, "<") && !strings.HasPrefix(sub, "<") {
		if c, ok := nearest(fold(sub), teamSubs); ok {
			return Command{}, &UsageError{
				Msg:   "I don't know “team " + echo(sub) + "”. Did you mean `" + c.name + "`?",
				Usage: c.usage,
			}
		}
	}
	return teamUsers(TeamSet, rest, "Name the people on your team")
}

func teamUsers(k Kind, s, none string) (Command, error) {
	users, msg := parseUsers(s)
	switch {
	case msg != "":
		return Command{}, refuse(k, msg)
	case len(users) == 0:
		return Command{}, refuse(k, none+": pick them from the @ menu.")
	}
	return Command{Kind: k, Users: users}, nil
}

// parseHours reads "hours", "hours <spec>" and the same after "admin".
func parseHours(show, set Kind, rest string) (Command, error) {
	if rest == "" {
		return Command{Kind: show}, nil
	}
	switch sub, after := cut(rest, isSpace); fold(sub) {
	case "show":
		return noArgsAs(show, show.String()+" show", after)
	case "set":
		if after == "" {
			return Command{}, refuse(set, "Say which hours, like `"+strings.TrimPrefix(Usage(set), "/trustnudge ")+"`.")
		}
		rest = after
	}
	if len(rest) > maxSpec {
		return Command{}, refuse(set, "That's too long for working hours.")
	}
	h, err := workhours.Parse(rest)
	if err != nil {
		return Command{}, refuse(set, "I couldn't read those hours: "+hoursProblem(err)+".")
	}
	return Command{Kind: set, Hours: h, Spec: rest}, nil
}

func parseAdmin(rest string) (Command, error) {
	sub, after := cut(rest, isSpace)
	switch fold(sub) {
	case "":
		return Command{}, &UsageError{Msg: "Say which admin command.", Usage: adminUsage}
	case "status":
		return noArgs(AdminStatus, after)
	case "hours":
		return parseHours(AdminHoursShow, AdminHours, after)
	}
	msg := "I don't know “admin " + echo(sub) + "”."
	if c, ok := nearest(fold(sub), adminSubs); ok {
		msg += " Did you mean `" + c.name + "`?"
	}
	return Command{}, &UsageError{Msg: msg, Usage: adminUsage}
}

// normalize makes every kind of space a plain one (Slack passes through
// non-breaking and zero-width spaces pasted from documents), drops
// trailing punctuation ("status?", "optin!") and trims.
func normalize(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff' {
			return ' '
		}
		return r
	}, text)
	text = strings.TrimSpace(text)
	for len(text) > 1 {
		r, n := utf8.DecodeLastRuneInString(text)
		if !strings.ContainsRune(".!?,…", r) { // not ';': Slack escapes '>' as "&gt;"
			break
		}
		text = strings.TrimRight(text[:len(text)-n], " ")
	}
	return text
}

func isSpace(r rune) bool      { return r == ' ' }
func isSpaceComma(r rune) bool { return r == ' ' || r == ',' }

// cut splits off the first token of s: up to the next separator, except
// that a Slack escape <…> is kept whole even if its label has a space.
// rest has no leading separators. Work is linear in the token's length.
func cut(s string, sep func(rune) bool) (tok, rest string) {
	s = strings.TrimLeftFunc(s, sep)
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '<' {
			// A label can't hold '<', so stopping there keeps this linear.
			if j := strings.IndexAny(s[i+1:], "<>"); j >= 0 && s[i+1+j] == '>' {
				i += 1 + j + 1
				continue
			}
		}
		if sep(r) {
			break
		}
		i += n
	}
	return s[:i], strings.TrimLeftFunc(s[i:], sep)
}

// fold is how verbs are compared: lower case, with the dashes phones and
// Macs substitute for '-', and '_', all read as '-'.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
}

// echo prepares something the person typed for quoting back: at most
// maxEcho characters, and unable to form a Slack mention or code span.
func echo(s string) string { return inert(clip(s, maxEcho)) }

// inert keeps text from forming a Slack mention or a code span.
func inert(s string) string { return inertReplacer.Replace(s) }

var inertReplacer = strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "'")

func clip(s string, n int) string {
	i := 0
	for range n {
		if i >= len(s) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

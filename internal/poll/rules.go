package poll

import (
	"fmt"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// ClosedAt is when p stopped taking votes: when it was closed, or its
// deadline if it hasn't been closed yet.
func (p Poll) ClosedAt() time.Time {
	if !p.Closed.IsZero() {
		return p.Closed
	}
	return p.Deadline
}

// CheckVote checks an attempt to vote for option at now and returns why it
// is refused, or "" if the vote may be recorded. isMember says whether the
// voter is a member of the poll's channel (the caller asks Slack); loc is
// the voter's time zone for the closing time (nil means UTC).
func CheckVote(p Poll, option int, isMember bool, now time.Time, loc *time.Location) string {
	switch {
	case !p.Open(now):
		return "This poll closed on " + when(p.ClosedAt(), now, loc) + "."
	case option < 0 || option >= len(p.Options):
		return "That option doesn't exist any more."
	case !isMember:
		return "Only members of this channel can vote in its poll."
	}
	return ""
}

// when formats t in loc for a sentence: "Thu 17:00" within a week of now,
// else with the date, "Thu 2 Jan 17:00", and the year if it isn't now's.
func when(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	switch d := now.Sub(t); {
	case d < 6*24*time.Hour && d > -6*24*time.Hour:
		return t.Format("Mon 15:04")
	case t.Year() == now.Year():
		return t.Format("Mon 2 Jan 15:04")
	}
	return t.Format("Mon 2 Jan 2006 15:04")
}

// CanClose says whether who may close p: its creator or a workspace admin,
// while it is not closed yet. It returns the refusal, or "" if allowed. A
// poll past its deadline that the scheduler hasn't closed yet may be closed.
func CanClose(p Poll, who activity.UserID, isAdmin bool) string {
	switch {
	case !isAdmin && (who == "" || who != p.Creator):
		return "Only the person who started this poll, or a workspace admin, can close it."
	case !p.Closed.IsZero():
		return "This poll is already closed."
	}
	return ""
}

// Close returns p closed by who at now (who is "" when the deadline closed
// it). A poll closed after its deadline counts as closed at the deadline,
// so a late sweep doesn't move the closing time. Closing a closed poll
// changes nothing.
func Close(p Poll, who activity.UserID, now time.Time) Poll {
	if !p.Closed.IsZero() {
		return p
	}
	p.Closed = now.Round(0)
	if p.Deadline.Before(p.Closed) {
		p.Closed = p.Deadline
	}
	p.ClosedBy = who
	return p
}

// CloseDue reports whether the deadline has come for a poll not yet closed.
func CloseDue(p Poll, now time.Time) bool {
	return p.Closed.IsZero() && !now.Before(p.Deadline)
}

// ReminderDue reports whether the halfway reminder should go out now: the
// poll is open, halfway to its deadline, and not reminded yet.
func ReminderDue(p Poll, now time.Time) bool {
	return !p.Reminded && p.Open(now) && !now.Before(p.Halfway())
}

// Adopt decides whether who may adopt the result of p as the team norm.
// On success msg is "" and it returns the winning option and its hours
// spec; the spec is "" when the option is about replies rather than hours,
// and adopting it records the choice without changing anyone's hours. On
// refusal option is -1 and msg says why: only the creator may adopt, only
// once the poll is closed, and only a clear winner shown under quorum (a
// quorum below 1 means DefaultQuorum). Adopting again gives the same
// answer, so a retried request is harmless.
func Adopt(p Poll, votes []Vote, quorum int, who activity.UserID) (option int, spec string, msg string) {
	if who == "" || who != p.Creator {
		return -1, "", "Only the person who started this poll can adopt its result."
	}
	if p.Closed.IsZero() {
		return -1, "", "The poll is still open; close it first, then adopt its result."
	}
	if quorum < 1 {
		quorum = DefaultQuorum
	}
	r := Outcome(p, votes, quorum)
	switch {
	case r.Voters == 0:
		return -1, "", "Nobody voted, so there is no result to adopt."
	case r.Hidden:
		return -1, "", fmt.Sprintf("Only %d voted; results are shown from %d votes, so there is no result to adopt.", r.Voters, quorum)
	case r.Tie:
		return -1, "", "The vote is tied, so there is no clear result to adopt. You could run a new poll with the tied options."
	case r.Winner < 0:
		return -1, "", "There is no result to adopt."
	}
	spec = p.Options[r.Winner].Hours
	if spec != "" {
		if _, err := workhours.Parse(spec); err != nil {
			return -1, "", "The winning option's hours can't be read (" + err.Error() + "), so they can't be adopted."
		}
	}
	return r.Winner, spec, ""
}

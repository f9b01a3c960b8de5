package poll

import (
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// weekPoll is threeOptions created Mon 2 Jun 2025 10:00 UTC with its
// deadline Thu 5 Jun 17:00 UTC.
func weekPoll() Poll {
	p := threeOptions
	p.Created = at(time.UTC, "2025-06-02 10:00")
	p.Deadline = at(time.UTC, "2025-06-05 17:00")
	return p
}

func TestCheckVote(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	closedEarly := weekPoll()
	closedEarly.Closed, closedEarly.ClosedBy = at(time.UTC, "2025-06-04 12:00"), "U1"
	tests := []struct {
		name     string
		p        Poll
		option   int
		isMember bool
		now      time.Time
		loc      *time.Location
		want     string
	}{
		{"open, a member, a real option", weekPoll(), 2, true, at(time.UTC, "2025-06-03 12:00"), time.UTC, ""},
		{"a minute before the deadline", weekPoll(), 0, true, at(time.UTC, "2025-06-05 16:59"), time.UTC, ""},
		{"at the deadline", weekPoll(), 0, true, at(time.UTC, "2025-06-05 17:00"), time.UTC, "This poll closed on Thu 17:00."},
		{"past the deadline, in the voter's zone", weekPoll(), 0, true, at(time.UTC, "2025-06-05 18:00"), berlin, "This poll closed on Thu 19:00."},
		{"nil zone is UTC", weekPoll(), 0, true, at(time.UTC, "2025-06-05 18:00"), nil, "This poll closed on Thu 17:00."},
		{"closed before the deadline", closedEarly, 0, true, at(time.UTC, "2025-06-04 13:00"), time.UTC, "This poll closed on Wed 12:00."},
		{"closed over a week ago shows the date", weekPoll(), 0, true, at(time.UTC, "2025-06-20 09:00"), time.UTC, "This poll closed on Thu 5 Jun 17:00."},
		{"closed last year shows the year", weekPoll(), 0, true, at(time.UTC, "2026-01-10 09:00"), time.UTC, "This poll closed on Thu 5 Jun 2025 17:00."},
		{"closed comes before a bad option", weekPoll(), 9, false, at(time.UTC, "2025-06-06 09:00"), time.UTC, "This poll closed on Thu 17:00."},
		{"option past the end", weekPoll(), 3, true, at(time.UTC, "2025-06-03 12:00"), time.UTC, "That option doesn't exist any more."},
		{"negative option", weekPoll(), -1, true, at(time.UTC, "2025-06-03 12:00"), time.UTC, "That option doesn't exist any more."},
		{"not a member of the channel", weekPoll(), 1, false, at(time.UTC, "2025-06-03 12:00"), time.UTC, "Only members of this channel can vote in its poll."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckVote(tt.p, tt.option, tt.isMember, tt.now, tt.loc); got != tt.want {
				t.Errorf("CheckVote(option %d, member %t, %s) = %q; want %q", tt.option, tt.isMember, tt.now, got, tt.want)
			}
		})
	}
}

func TestCanClose(t *testing.T) {
	closed := weekPoll()
	closed.Creator = "U1"
	closed.Closed = at(time.UTC, "2025-06-04 12:00")
	open := weekPoll()
	open.Creator = "U1"
	noCreator := weekPoll()
	noCreator.Creator = ""
	const (
		onlyThem = "Only the person who started this poll, or a workspace admin, can close it."
		already  = "This poll is already closed."
	)
	tests := []struct {
		name    string
		p       Poll
		who     activity.UserID
		isAdmin bool
		want    string
	}{
		{"the creator", open, "U1", false, ""},
		{"an admin", open, "U9", true, ""},
		{"the creator who is an admin", open, "U1", true, ""},
		{"someone else", open, "U2", false, onlyThem},
		{"nobody", open, "", false, onlyThem},
		{"an empty ID never matches an empty creator", noCreator, "", false, onlyThem},
		{"the creator, already closed", closed, "U1", false, already},
		{"an admin, already closed", closed, "U9", true, already},
		{"someone else, already closed", closed, "U2", false, onlyThem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanClose(tt.p, tt.who, tt.isAdmin); got != tt.want {
				t.Errorf("CanClose(%q, admin %t) = %q; want %q", tt.who, tt.isAdmin, got, tt.want)
			}
		})
	}
}

func TestClose(t *testing.T) {
	p := weekPoll()
	early := at(time.UTC, "2025-06-04 12:00")
	got := Close(p, "U1", early)
	if !got.Closed.Equal(early) || got.ClosedBy != "U1" || got.Open(early) {
		t.Errorf("Close(early) = closed %s by %q; want %s by U1", got.Closed, got.ClosedBy, early)
	}
	if again := Close(got, "U2", early.Add(time.Hour)); !again.Closed.Equal(early) || again.ClosedBy != "U1" {
		t.Errorf("closing twice moved the close to %s by %q", again.Closed, again.ClosedBy)
	}
	late := Close(p, "", at(time.UTC, "2025-06-05 17:42"))
	if !late.Closed.Equal(p.Deadline) || late.ClosedBy != "" {
		t.Errorf("Close(after deadline) = closed %s by %q; want the deadline %s", late.Closed, late.ClosedBy, p.Deadline)
	}
	if p.Closed != (time.Time{}) {
		t.Error("Close changed the poll it was given")
	}
}

func TestCloseDueAndReminderDue(t *testing.T) {
	p := weekPoll() // halfway: Wed 4 Jun 01:30
	reminded := p
	reminded.Reminded = true
	closed := Close(p, "U1", at(time.UTC, "2025-06-03 12:00"))
	tests := []struct {
		name          string
		p             Poll
		now           time.Time
		close, remind bool
	}{
		{"early on", p, at(time.UTC, "2025-06-03 12:00"), false, false},
		{"halfway", p, at(time.UTC, "2025-06-04 01:30"), false, true},
		{"past halfway", p, at(time.UTC, "2025-06-05 09:00"), false, true},
		{"past halfway, reminded", reminded, at(time.UTC, "2025-06-05 09:00"), false, false},
		{"at the deadline", p, at(time.UTC, "2025-06-05 17:00"), true, false},
		{"closed early", closed, at(time.UTC, "2025-06-05 09:00"), false, false},
		{"closed early, past the deadline", closed, at(time.UTC, "2025-06-06 09:00"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CloseDue(tt.p, tt.now); got != tt.close {
				t.Errorf("CloseDue(%s) = %t; want %t", tt.now, got, tt.close)
			}
			if got := ReminderDue(tt.p, tt.now); got != tt.remind {
				t.Errorf("ReminderDue(%s) = %t; want %t", tt.now, got, tt.remind)
			}
		})
	}
}

func TestAdopt(t *testing.T) {
	closed := Close(weekPoll(), "U1", at(time.UTC, "2025-06-05 17:00"))
	open := weekPoll()
	badHours := closed
	badHours.Options = []Option{{Label: "odd", Hours: "Mon 25:00-26:00"}, {Label: "fine"}}
	three := func(option int) []Vote { return []Vote{vote("a", option, 0), vote("b", option, 0), vote("c", 1, 0)} }
	tests := []struct {
		name   string
		p      Poll
		votes  []Vote
		who    activity.UserID
		option int
		spec   string
		msg    string
	}{
		{"a winner with hours", closed, three(0), "U1", 0, "Mon-Fri 09:00-18:00", ""},
		{"a winner about replies adopts no hours", closed, three(2), "U1", 2, "", ""},
		{"not the creator", closed, three(0), "U2", -1, "", "Only the person who started this poll can adopt its result."},
		{"nobody", closed, three(0), "", -1, "", "Only the person who started this poll can adopt its result."},
		{"still open", open, three(0), "U1", -1, "", "The poll is still open; close it first, then adopt its result."},
		{"no votes", closed, nil, "U1", -1, "", "Nobody voted, so there is no result to adopt."},
		{"under quorum", closed, three(0)[:2], "U1", -1, "", "Only 2 voted; results are shown from 3 votes, so there is no result to adopt."},
		{"a tie", closed, []Vote{vote("a", 0, 0), vote("b", 1, 0), vote("c", 2, 0)}, "U1", -1, "", "The vote is tied, so there is no clear result to adopt. You could run a new poll with the tied options."},
		{"a winner whose hours don't parse", badHours, []Vote{vote("a", 0, 0), vote("b", 0, 0), vote("c", 0, 0)}, "U1", -1, "", `The winning option's hours can't be read ("25:00": hour must be 00-23), so they can't be adopted.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			option, spec, msg := Adopt(tt.p, tt.votes, 3, tt.who)
			if option != tt.option || spec != tt.spec || msg != tt.msg {
				t.Errorf("Adopt(%q) = %d, %q, %q; want %d, %q, %q", tt.who, option, spec, msg, tt.option, tt.spec, tt.msg)
			}
		})
	}
}

func TestAdopt_AgainGivesTheSameAnswer(t *testing.T) {
	p := Close(weekPoll(), "U1", at(time.UTC, "2025-06-05 17:00"))
	votes := []Vote{vote("a", 1, 0), vote("b", 1, 0), vote("c", 1, 0)}
	o1, s1, m1 := Adopt(p, votes, 3, "U1")
	p.Adopted = o1
	o2, s2, m2 := Adopt(p, votes, 3, "U1")
	if o1 != 1 || o1 != o2 || s1 != s2 || m1 != "" || m2 != "" {
		t.Errorf("Adopt twice = (%d %q %q), (%d %q %q); want option 1 both times", o1, s1, m1, o2, s2, m2)
	}
}

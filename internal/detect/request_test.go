package detect

import (
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

const asker activity.UserID = "UASK"

// ts is the Slack timestamp of 2025-06-04 (a Wednesday) at hh:mm UTC.
func ts(hh, mm int) activity.TS {
	return activity.TSFromTime(time.Date(2025, 6, 4, hh, mm, 0, 0, time.UTC))
}

func msg(user activity.UserID, ch activity.ChannelID, at, thread activity.TS) activity.Observation {
	return activity.Observation{Team: team, Channel: ch, Kind: activity.KindPublic, User: user, TS: at, ThreadTS: thread}
}

func TestRequestFrom(t *testing.T) {
	parent := ts(9, 0)
	with := func(o activity.Observation, f func(*activity.Observation)) activity.Observation { f(&o); return o }
	tests := []struct {
		name string
		o    activity.Observation
		ok   bool
		// want, when ok: ThreadTS and TopLevel (other fields are checked
		// against o).
		thread   activity.TS
		topLevel bool
	}{
		{"top-level mention", with(msg(asker, chanA, ts(10, 0), ""), func(o *activity.Observation) { o.Mentions = []activity.UserID{"UX", manager} }),
			true, ts(10, 0), true},
		{"mention in a message that became a thread parent", with(msg(asker, chanA, ts(10, 0), ts(10, 0)), func(o *activity.Observation) { o.Mentions = []activity.UserID{manager} }),
			true, ts(10, 0), true},
		{"reply in the manager's thread", with(msg(asker, chanA, ts(10, 0), parent), func(o *activity.Observation) { o.ParentUser = manager }),
			true, parent, false},
		{"mention inside someone else's thread", with(msg(asker, chanA, ts(10, 0), parent), func(o *activity.Observation) {
			o.ParentUser, o.Mentions = "UOTHER", []activity.UserID{manager}
		}), true, parent, false},
		{"reply in someone else's thread", with(msg(asker, chanA, ts(10, 0), parent), func(o *activity.Observation) { o.ParentUser = "UOTHER" }),
			false, "", false},
		{"top level without a mention", msg(asker, chanA, ts(10, 0), ""), false, "", false},
		{"mentions someone else", with(msg(asker, chanA, ts(10, 0), ""), func(o *activity.Observation) { o.Mentions = []activity.UserID{"UX"} }),
			false, "", false},
		{"a bot", with(msg(asker, chanA, ts(10, 0), ""), func(o *activity.Observation) { o.Mentions, o.IsBot = []activity.UserID{manager}, true }),
			false, "", false},
		{"the manager in their own thread", with(msg(manager, chanA, ts(10, 0), parent), func(o *activity.Observation) { o.ParentUser = manager }),
			false, "", false},
		{"a malformed timestamp", with(msg(asker, chanA, "junk", ""), func(o *activity.Observation) { o.Mentions = []activity.UserID{manager} }),
			false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RequestFrom(tt.o, manager)
			if ok != tt.ok {
				t.Fatalf("RequestFrom(%+v) = %+v, %v; want ok %v", tt.o, got, ok, tt.ok)
			}
			if !ok {
				return
			}
			want := Request{Team: team, Manager: manager, Asker: asker, Channel: chanA, TS: tt.o.TS,
				ThreadTS: tt.thread, TopLevel: tt.topLevel, Since: tt.o.Time()}
			if got != want {
				t.Errorf("RequestFrom(%+v) = %+v; want %+v", tt.o, got, want)
			}
		})
	}
}

func TestRequestFrom_ManagerOnSeveralTeams(t *testing.T) {
	// The asker is on two managers' teams and mentions both: each gets a
	// request of their own.
	o := msg(asker, chanA, ts(10, 0), "")
	o.Mentions = []activity.UserID{"UM1", "UM2"}
	r1, ok1 := RequestFrom(o, "UM1")
	r2, ok2 := RequestFrom(o, "UM2")
	if !ok1 || !ok2 {
		t.Fatalf("RequestFrom for two managers: ok %v, %v; want both", ok1, ok2)
	}
	if r1.Manager != "UM1" || r2.Manager != "UM2" {
		t.Errorf("managers %q, %q; want UM1, UM2", r1.Manager, r2.Manager)
	}
	if r1.Key() == r2.Key() {
		t.Errorf("both requests have key %q; want distinct keys", r1.Key())
	}
}

func TestAnswers(t *testing.T) {
	parent := ts(9, 0)
	// A reply in a thread the manager started, and a top-level mention.
	inThread := Request{Team: team, Manager: manager, Asker: asker, Channel: chanA, TS: ts(10, 0), ThreadTS: parent}
	topLevel := Request{Team: team, Manager: manager, Asker: asker, Channel: chanA, TS: ts(10, 0), ThreadTS: ts(10, 0), TopLevel: true}
	bot := msg(manager, chanA, ts(11, 0), parent)
	bot.IsBot = true
	tests := []struct {
		name string
		r    Request
		o    activity.Observation
		want bool
	}{
		{"thread: the manager replies in the thread", inThread, msg(manager, chanA, ts(11, 0), parent), true},
		{"thread: a top-level message in the channel is not an answer", inThread, msg(manager, chanA, ts(11, 0), ""), false},
		{"thread: a reply in another thread", inThread, msg(manager, chanA, ts(11, 0), ts(8, 0)), false},
		{"thread: a reply before the request", inThread, msg(manager, chanA, ts(9, 30), parent), false},
		{"thread: someone else replies", inThread, msg("UOTHER", chanA, ts(11, 0), parent), false},
		{"thread: a bot posting as the manager", inThread, bot, false},
		{"top level: the manager's next top-level message", topLevel, msg(manager, chanA, ts(11, 0), ""), true},
		{"top level: the manager's message that became a thread parent", topLevel, msg(manager, chanA, ts(11, 0), ts(11, 0)), true},
		{"top level: a reply in the mention's thread", topLevel, msg(manager, chanA, ts(11, 0), ts(10, 0)), true},
		{"top level: a reply in another thread", topLevel, msg(manager, chanA, ts(11, 0), parent), false},
		{"top level: a message in another channel", topLevel, msg(manager, chanB, ts(11, 0), ""), false},
		{"top level: a message before the request", topLevel, msg(manager, chanA, ts(9, 59), ""), false},
		{"top level: the same timestamp is not after", topLevel, msg(manager, chanA, ts(10, 0), ""), false},
		{"top level: someone else's message", topLevel, msg("UOTHER", chanA, ts(11, 0), ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Answers(tt.o, tt.r); got != tt.want {
				t.Errorf("Answers(%+v, %+v) = %v; want %v", tt.o, tt.r, got, tt.want)
			}
		})
	}
}

func TestAnsweredByReaction(t *testing.T) {
	r := Request{Team: team, Manager: manager, Asker: asker, Channel: chanA, TS: ts(10, 0), ThreadTS: ts(10, 0), TopLevel: true}
	at := time.Date(2025, 6, 4, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rx   activity.Reaction
		want bool
	}{
		{"the manager reacts", activity.Reaction{Team: team, User: manager, Channel: chanA, ItemTS: ts(10, 0), ItemBy: asker, At: at}, true},
		{"a removed reaction", activity.Reaction{Team: team, User: manager, Channel: chanA, ItemTS: ts(10, 0), At: at, Removed: true}, false},
		{"someone else reacts", activity.Reaction{Team: team, User: "UOTHER", Channel: chanA, ItemTS: ts(10, 0), At: at}, false},
		{"the manager reacts to another message", activity.Reaction{Team: team, User: manager, Channel: chanA, ItemTS: ts(10, 1), At: at}, false},
		{"the same ts in another channel", activity.Reaction{Team: team, User: manager, Channel: chanB, ItemTS: ts(10, 0), At: at}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AnsweredByReaction(tt.rx, r); got != tt.want {
				t.Errorf("AnsweredByReaction(%+v) = %v; want %v", tt.rx, got, tt.want)
			}
		})
	}
}

func TestWaited_AcrossAWeekend(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	hours := workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")
	r := Request{Manager: manager, Channel: chanA, TS: "1", Since: local(berlin, "2025-06-06 17:00")} // Friday
	tests := []struct {
		until   time.Time
		waited  float64
		overdue bool
	}{
		{local(berlin, "2025-06-06 17:00"), 0, false},
		{local(berlin, "2025-06-07 12:00"), 60, false},
		{local(berlin, "2025-06-09 09:00"), 60, false},
		{local(berlin, "2025-06-09 16:00"), 480, false}, // slow only after 480
		{local(berlin, "2025-06-09 16:01"), 481, true},
		{local(berlin, "2025-06-05 12:00"), 0, false}, // before the request
	}
	for _, tt := range tests {
		if got := Waited(r, tt.until, hours); got != tt.waited {
			t.Errorf("Waited(until %v) = %v; want %v", tt.until, got, tt.waited)
		}
		got := Overdue([]Request{r}, tt.until, hours, SlowAfter)
		if (len(got) == 1) != tt.overdue || len(got) > 1 {
			t.Errorf("Overdue(at %v) = %+v; want overdue %v", tt.until, got, tt.overdue)
		} else if tt.overdue && (got[0].Request != r || got[0].WaitedMinutes != tt.waited) {
			t.Errorf("Overdue(at %v) = %+v; want %+v waited %v", tt.until, got[0], r, tt.waited)
		}
	}
}

func TestOverdue_OldestFirst(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	hours := workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")
	req := func(ch activity.ChannelID, at string) Request {
		since := local(berlin, at)
		return Request{Manager: manager, Channel: ch, TS: activity.TSFromTime(since), Since: since}
	}
	now := local(berlin, "2025-06-11 12:00") // Wednesday
	pending := []Request{
		req(chanA, "2025-06-10 10:00"), // waited 11 hours
		req(chanB, "2025-06-09 10:00"), // 20 hours
		req(chanA, "2025-06-11 09:00"), // 3 hours: not yet
		req(chanB, "2025-06-10 10:00"), // same age as the first: key order
		req(chanA, "2025-06-06 10:00"), // the Friday before: 8 + 9 + 9 + 3 hours
	}
	got := Overdue(pending, now, hours, SlowAfter)
	want := []Slow{
		{pending[4], 29 * 60},
		{pending[1], 20 * 60},
		{pending[0], 11 * 60},
		{pending[3], 11 * 60},
	}
	if len(got) != len(want) {
		t.Fatalf("Overdue = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Overdue[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
	if got := Overdue(nil, now, hours, SlowAfter); got != nil {
		t.Errorf("Overdue(nil) = %+v; want nil", got)
	}
}

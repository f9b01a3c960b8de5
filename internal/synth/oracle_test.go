package synth

import (
	"testing"
	"time"
)

func zoneT(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at reads "2006-01-02 15:04" as local time in loc.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestWorkingMinutes(t *testing.T) {
	berlin := zoneT(t, "Europe/Berlin")
	ny := zoneT(t, "America/New_York")
	kolkata := zoneT(t, "Asia/Kolkata")
	tests := []struct {
		name     string
		loc      *time.Location
		from, to string
		fromLoc  *time.Location // zone from and to are read in; loc if nil
		want     float64
	}{
		{"Friday 17:00 to Monday 10:00", berlin, "2026-01-09 17:00", "2026-01-12 10:00", nil, 120},
		{"same morning", berlin, "2026-01-12 10:00", "2026-01-12 12:30", nil, 150},
		{"evening to next morning", berlin, "2026-01-12 20:00", "2026-01-13 09:30", nil, 30},
		{"a whole week", berlin, "2026-01-12 00:00", "2026-01-19 00:00", nil, 5 * 540},
		{"weekend only", berlin, "2026-01-10 08:00", "2026-01-11 20:00", nil, 0},
		{"backwards", berlin, "2026-01-12 12:00", "2026-01-12 10:00", nil, 0},
		// Clocks go forward in Berlin on Sunday 29 March: Monday 10:00 is
		// 08:00 UTC, not 09:00.
		{"spring forward weekend, Berlin", berlin, "2026-03-27 17:00", "2026-03-30 10:00", nil, 120},
		{"spring forward weekend, in UTC", berlin, "2026-03-27 16:00", "2026-03-30 08:00", time.UTC, 120},
		{"fall back weekend, Berlin", berlin, "2026-10-23 17:00", "2026-10-26 10:00", nil, 120},
		{"spring forward weekend, New York", ny, "2026-03-06 17:00", "2026-03-09 10:00", nil, 120},
		{"half-hour zone, whole day in UTC", kolkata, "2026-01-05 03:30", "2026-01-05 12:30", time.UTC, 540},
		{"UTC for people without a zone", time.UTC, "2026-01-05 17:30", "2026-01-06 09:15", nil, 45},
	}
	for _, tt := range tests {
		in := tt.fromLoc
		if in == nil {
			in = tt.loc
		}
		got := workingMinutes(at(t, in, tt.from), at(t, in, tt.to), tt.loc)
		if got != tt.want {
			t.Errorf("%s: workingMinutes(%s, %s, %s) = %v; want %v", tt.name, tt.from, tt.to, tt.loc, got, tt.want)
		}
	}
}

func TestOutsideBy(t *testing.T) {
	berlin := zoneT(t, "Europe/Berlin")
	tests := []struct {
		at   string
		want time.Duration
	}{
		{"2026-01-11 23:45", 9*time.Hour + 15*time.Minute}, // Sunday night
		{"2026-01-12 08:29", 31 * time.Minute},             // counted: more than the grace
		{"2026-01-12 08:31", 29 * time.Minute},             // not counted
		{"2026-01-12 08:30", 30 * time.Minute},
		{"2026-01-12 09:00", 0},
		{"2026-01-12 12:00", 0},
		{"2026-01-12 18:00", 0},
		{"2026-01-12 18:20", 20 * time.Minute},
		{"2026-01-12 18:31", 31 * time.Minute},
		{"2026-01-12 23:00", 5 * time.Hour},
		{"2026-01-13 03:00", 6 * time.Hour},                 // nearer the morning
		{"2026-01-10 12:00", 18 * time.Hour},                // Saturday noon: Friday evening is nearer
		{"2026-01-09 18:20", 20 * time.Minute},              // Friday evening
		{"2026-03-29 20:00", 13 * time.Hour},                // Sunday after clocks went forward
		{"2026-10-25 06:00", 27 * time.Hour},                // Sunday after clocks went back
		{"2026-01-12 06:00", 3 * time.Hour},                 // Monday early
		{"2026-01-11 00:30", 30*time.Hour + 30*time.Minute}, // Friday 18:00 to Sunday 00:30
	}
	for _, tt := range tests {
		if got := outsideBy(at(t, berlin, tt.at), berlin); got != tt.want {
			t.Errorf("outsideBy(%s Berlin) = %v; want %v", tt.at, got, tt.want)
		}
	}
	// The grace: more than 30 minutes counts.
	if d := outsideBy(at(t, berlin, "2026-01-12 08:29"), berlin); d <= grace {
		t.Errorf("08:29 Monday is outside by %v; want counted", d)
	}
	if d := outsideBy(at(t, berlin, "2026-01-12 08:31"), berlin); d > grace {
		t.Errorf("08:31 Monday is outside by %v; want not counted", d)
	}
}

// A small world for the oracle: manager 0 (person 0, Berlin) with members
// 1 (Berlin) and 2 (New York); person 3 on no team. Conversation 0 has
// everyone, 1 is the DM of 0 and 1, 2 has only 0 and 3.
type world struct{ o *oracle }

func newWorld(t *testing.T) *world {
	berlin, ny := zoneT(t, "Europe/Berlin"), zoneT(t, "America/New_York")
	locs := []*time.Location{berlin, berlin, ny, berlin}
	members := [][]bool{{true, true, true, true}, {true, true, false, false}, {true, false, false, true}}
	o := newOracle(locs, []int{-1, 0, 0, -1}, []int{0, -1, -1, -1}, []int{0}, [][]int{{1, 2}}, members)
	return &world{o: o}
}

type post struct {
	at         time.Time
	conv, user int
	thread     int64 // 0: top level; otherwise the parent's ts
	parent     int
	mentions   []int32
	reactors   []int32
	system     bool
}

// post shows the oracle a message and returns its ts.
func (w *world) post(p post) int64 {
	ts := p.at.UnixMicro()
	e := event{at: time.UnixMicro(ts), ts: ts, conv: p.conv, user: p.user, human: !p.system,
		threadTS: p.thread, parentUser: p.parent, mentions: p.mentions, reactors: p.reactors}
	w.o.observe(&e)
	return ts
}

func TestOracle_AfterHours(t *testing.T) {
	berlin := zoneT(t, "Europe/Berlin")
	tests := []struct {
		name  string
		posts func(w *world) // the manager's message under test comes last
		want  int
	}{
		{"inside everyone's hours", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 16:00"), conv: 0, user: 0}) // 10:00 in New York
		}, 0},
		{"New York member still asleep", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 0}) // 04:00 in New York
		}, 1},
		{"DM late at night", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:00"), conv: 1, user: 0})
		}, 1},
		{"DM within the grace", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 18:20"), conv: 1, user: 0})
		}, 0},
		{"08:29 is counted", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 08:29"), conv: 1, user: 0})
		}, 1},
		{"08:31 is not", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 08:31"), conv: 1, user: 0})
		}, 0},
		{"no member there", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 23:00"), conv: 2, user: 0})
		}, 0},
		{"a member mentioned where they are not", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 23:00"), conv: 2, user: 0, mentions: []int32{1}})
		}, 1},
		{"the member started it", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:00"), conv: 1, user: 1})
			w.post(post{at: at(t, berlin, "2026-01-12 22:20"), conv: 1, user: 0})
		}, 0},
		{"the member started it more than 30 minutes before", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:00"), conv: 1, user: 1})
			w.post(post{at: at(t, berlin, "2026-01-12 22:35"), conv: 1, user: 0})
		}, 1},
		{"started it elsewhere", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:00"), conv: 0, user: 1})
			w.post(post{at: at(t, berlin, "2026-01-12 22:10"), conv: 1, user: 0})
		}, 1},
		{"one started it, the other did not", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 23:00"), conv: 0, user: 1})
			w.post(post{at: at(t, berlin, "2026-01-12 23:10"), conv: 0, user: 0}) // 17:10 in New York
		}, 0},
		{"one started it, the other is asleep", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-13 06:00"), conv: 0, user: 1})
			w.post(post{at: at(t, berlin, "2026-01-13 06:10"), conv: 0, user: 0}) // 00:10 in New York
		}, 1},
		{"a member's join message does not start it", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:00"), conv: 1, user: 1, system: true})
			w.post(post{at: at(t, berlin, "2026-01-12 22:05"), conv: 1, user: 0})
		}, 1},
		{"the manager's system message is not counted", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 22:05"), conv: 1, user: 0, system: true})
		}, 0},
		{"Saturday", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-10 12:00"), conv: 1, user: 0})
		}, 1},
	}
	for _, tt := range tests {
		w := newWorld(t)
		tt.posts(w)
		if got := w.o.mgrs[0].afterHours; got != tt.want {
			t.Errorf("%s: after-hours messages = %d; want %d", tt.name, got, tt.want)
		}
	}
}

func TestOracle_Requests(t *testing.T) {
	berlin := zoneT(t, "Europe/Berlin")
	type want struct {
		requests, byReaction, slow, unanswered int
		minutes                                []float64
	}
	mgr := []int32{0}
	tests := []struct {
		name  string
		posts func(w *world)
		want  want
	}{
		{"a mention answered in its thread", func(w *world) {
			r := w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 10:30"), conv: 0, user: 0, thread: r, parent: 1})
		}, want{requests: 1, minutes: []float64{30}}},
		{"a mention answered at the top level", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 11:00"), conv: 0, user: 0})
		}, want{requests: 1, minutes: []float64{60}}},
		{"not answered in another conversation", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 11:00"), conv: 1, user: 0})
			w.post(post{at: at(t, berlin, "2026-01-12 12:00"), conv: 0, user: 3})
		}, want{requests: 1, unanswered: 1}},
		{"not answered in another thread", func(w *world) {
			p := w.post(post{at: at(t, berlin, "2026-01-12 09:30"), conv: 0, user: 3})
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 11:00"), conv: 0, user: 0, thread: p, parent: 3})
		}, want{requests: 1, unanswered: 1}},
		{"a reply in the manager's thread", func(w *world) {
			p := w.post(post{at: at(t, berlin, "2026-01-12 09:30"), conv: 0, user: 0})
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 2, thread: p, parent: 0})
			w.post(post{at: at(t, berlin, "2026-01-12 11:00"), conv: 0, user: 0}) // top level: not an answer
			w.post(post{at: at(t, berlin, "2026-01-12 12:00"), conv: 0, user: 0, thread: p, parent: 0})
		}, want{requests: 1, minutes: []float64{120}}},
		{"a mention inside someone else's thread", func(w *world) {
			p := w.post(post{at: at(t, berlin, "2026-01-12 09:30"), conv: 0, user: 3})
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, thread: p, parent: 3, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 11:00"), conv: 0, user: 0})
			w.post(post{at: at(t, berlin, "2026-01-12 11:30"), conv: 0, user: 0, thread: p, parent: 3})
		}, want{requests: 1, minutes: []float64{90}}},
		{"one answer for two requests", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 10:10"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 10:40"), conv: 1, user: 0})
		}, want{requests: 2, minutes: []float64{40, 30}}},
		{"answered by a reaction", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-09 10:00"), conv: 1, user: 1, mentions: mgr, reactors: []int32{3, 0}})
			w.post(post{at: at(t, berlin, "2026-01-20 10:00"), conv: 0, user: 3})
		}, want{requests: 1, byReaction: 1}},
		{"someone else's reaction does not answer", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-09 10:00"), conv: 1, user: 1, mentions: mgr, reactors: []int32{3}})
			w.post(post{at: at(t, berlin, "2026-01-20 10:00"), conv: 0, user: 3})
		}, want{requests: 1, unanswered: 1, slow: 1}},
		{"slow: Friday 17:00 to Tuesday 10:00", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-09 17:00"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-13 10:00"), conv: 1, user: 0})
		}, want{requests: 1, slow: 1, minutes: []float64{60 + 540 + 60}}},
		{"not slow: Friday 17:00 to Monday 10:00", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-09 17:00"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 1, user: 0})
		}, want{requests: 1, minutes: []float64{120}}},
		{"unanswered, slow by the end of the export", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-13 09:01"), conv: 0, user: 3}) // the end: 481 working minutes later
		}, want{requests: 1, unanswered: 1, slow: 1}},
		{"unanswered, not yet slow at the end", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 1, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 17:59"), conv: 0, user: 3}) // 479 working minutes
		}, want{requests: 1, unanswered: 1}},
		{"not a request: someone on no team", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 3, mentions: mgr})
		}, want{}},
		{"not a request: a member's system message", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr, system: true})
		}, want{}},
		{"the manager's system message does not answer", func(w *world) {
			w.post(post{at: at(t, berlin, "2026-01-12 10:00"), conv: 0, user: 1, mentions: mgr})
			w.post(post{at: at(t, berlin, "2026-01-12 10:05"), conv: 0, user: 0, system: true})
		}, want{requests: 1, unanswered: 1}},
	}
	for _, tt := range tests {
		w := newWorld(t)
		tt.posts(w)
		req, react, slow, unans, minutes, _ := w.o.managerTruth(0)
		got := want{req, react, slow, unans, minutes}
		if got.requests != tt.want.requests || got.byReaction != tt.want.byReaction || got.slow != tt.want.slow ||
			got.unanswered != tt.want.unanswered || !sameFloats(got.minutes, tt.want.minutes) {
			t.Errorf("%s: got %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMedianReplyMinutes(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{5}, 5, true},
		{[]float64{30, 10, 20}, 20, true},
		{[]float64{40, 10, 30, 20}, 25, true},
	}
	for _, tt := range tests {
		got, ok := ManagerTruth{ReplyMinutes: tt.in}.MedianReplyMinutes()
		if got != tt.want || ok != tt.ok {
			t.Errorf("MedianReplyMinutes(%v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

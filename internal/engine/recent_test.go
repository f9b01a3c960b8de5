package engine

import (
	"context"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

func TestRecentPosts_Window(t *testing.T) {
	t0 := time.Date(2026, 11, 16, 22, 0, 0, 0, time.UTC)
	min := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	var r recentPosts
	r.reset(t0) // complete from t0+2m
	r.add("T1", "C1", "UA", min(10))
	r.add("T1", "C1", "UB", min(20))
	r.add("T1", "C1", "UM", min(25))
	r.add("T1", "C2", "UC", min(21))
	r.add("T2", "C1", "UD", min(22))
	r.add("T1", "C1", "UA", min(5)) // older: the later one stays

	tests := []struct {
		name     string
		from, to time.Time
		want     map[activity.UserID]time.Time
		ok       bool
	}{
		{"before complete: ask the store", min(1), min(31), nil, false},
		{"the window, without the manager", min(3), min(33), map[activity.UserID]time.Time{"UA": min(10), "UB": min(20)}, true},
		{"from is inclusive", min(10), min(40), map[activity.UserID]time.Time{"UA": min(10), "UB": min(20)}, true},
		{"too old to count", min(15), min(45), map[activity.UserID]time.Time{"UB": min(20)}, true},
		{"a message at to: ask the store", min(3), min(25), nil, false},
		{"a message after to (out of order): ask the store", min(3), min(15), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := r.window("T1", "C1", "UM", tt.from, tt.to)
			if ok != tt.ok || (ok && !maps.Equal(got, tt.want)) {
				t.Errorf("window = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	r.reset(min(60)) // as after a deletion: complete from min(62)
	if _, ok := r.window("T1", "C1", "UM", min(61), min(91)); ok {
		t.Errorf("window answered for a window starting before the reset's margin; it must ask the store")
	}
	if got, ok := r.window("T1", "C1", "UM", min(62), min(92)); !ok || len(got) != 0 {
		t.Errorf("after a reset: %v, %v; want nothing remembered", got, ok)
	}
}

// The index must answer exactly what a scan of the store answers, over a
// random stream of recorded messages in several channels.
func TestRecentPosts_AgreesWithTheStore(t *testing.T) {
	e, clk := newEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	start := clk.Now().Add(time.Hour)
	rng := rand.New(rand.NewPCG(1, 2))
	users := []activity.UserID{"UMGR", "UALEX", "USAM"}
	channels := []activity.ChannelID{"C1", "C2"}
	at := start
	checked := 0
	for i := range 400 {
		at = at.Add(time.Duration(rng.IntN(300)) * time.Second)
		o := activity.Observation{Team: team, Channel: channels[rng.IntN(2)], Kind: activity.KindPublic, User: users[rng.IntN(3)], TS: activity.TSFromTime(at)}
		if err := e.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
		if i%7 != 0 {
			continue
		}
		probe := at.Add(time.Duration(rng.IntN(120)) * time.Second)
		ch := channels[rng.IntN(2)]
		fromIndex, ok := e.recent.window(team, ch, "UMGR", probe.Add(-30*time.Minute), probe)
		if !ok {
			continue
		}
		fromStore := map[activity.UserID]time.Time{}
		err := e.store.ObservationsIn(team, ch, probe.Add(-30*time.Minute), probe, func(p activity.Observation) bool {
			if p.User != "UMGR" {
				fromStore[p.User] = p.Time()
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(fromIndex, fromStore) {
			t.Fatalf("at %v in %s: index says %v, store says %v", probe, ch, fromIndex, fromStore)
		}
		checked++
	}
	if checked < 30 {
		t.Errorf("only %d probes used the index; the test checks too little", checked)
	}
}

// An engine starting over a store with recent messages (a restart) knows
// them at once, rather than asking the store for the next half hour.
func TestRecentPosts_LoadedAtStart(t *testing.T) {
	e, clk := newEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	clk.Set(clk.Now().Add(3 * time.Hour))
	at := clk.Now()
	for _, p := range []struct {
		user activity.UserID
		ago  time.Duration
	}{{"UALEX", 40 * time.Minute}, {"UALEX", 20 * time.Minute}, {"USAM", 10 * time.Minute}, {"UMGR", 5 * time.Minute}} {
		// Mentioning the manager makes them requests, which are recorded.
		o := activity.Observation{Team: team, Channel: "C1", Kind: activity.KindPublic, User: p.user,
			TS: activity.TSFromTime(at.Add(-p.ago)), Mentions: []activity.UserID{"UMGR"}}
		if err := e.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	restarted := New(e.opts)
	got, ok := restarted.recent.window(team, "C1", "UMGR", at.Add(-30*time.Minute), at)
	want := map[activity.UserID]time.Time{"UALEX": at.Add(-20 * time.Minute), "USAM": at.Add(-10 * time.Minute)}
	if !ok || !maps.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("a restarted engine's window = %v, %v; want %v, true", got, ok, want)
	}
}

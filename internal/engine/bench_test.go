package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// countingDeliverer accepts every nudge.
type countingDeliverer struct{ n int }

func (d *countingDeliverer) Deliver(context.Context, Delivery) error { d.n++; return nil }

// BenchmarkObserve measures the core per message: relevance, recording,
// after-hours detection, request tracking and answers, and the nudge
// policy, on a real bbolt store. A manager with 8 team members; a third of
// the messages are the manager's (some late), the rest members' (some
// asking the manager).
func BenchmarkObserve(b *testing.B) {
	clk := clock.NewFake(monday10)
	db := storetest.OpenWith(b, storeOptions(clk))
	dir := directory{"UMGR": {ID: "UMGR", TZ: "Europe/Berlin"}}
	var members []activity.UserID
	for i := range 8 {
		id := activity.UserID(fmt.Sprintf("UMEM%d", i))
		members = append(members, id)
		tz := "Europe/Berlin"
		if i%3 == 0 {
			tz = "America/New_York"
		}
		dir[id] = people.Profile{ID: id, TZ: tz}
	}
	del := &countingDeliverer{}
	e := New(Options{Store: db, Directory: dir, Clock: clk, Deliverer: del,
		Variants: func(string) []string { return []string{"a", "b", "c"} }})
	ctx := context.Background()
	must(b)(e.OptIn(ctx, mgr))
	must(b)(e.SetTeam(ctx, mgr, members))

	obs := make([]activity.Observation, b.N)
	t := monday10
	for i := range obs {
		t = t.Add(37 * time.Second)
		user := members[i%len(members)]
		var mentions []activity.UserID
		switch {
		case i%3 == 0:
			user = "UMGR"
		case i%5 == 0:
			mentions = []activity.UserID{"UMGR"}
		}
		obs[i] = activity.Observation{Team: team, Channel: activity.ChannelID(fmt.Sprintf("C%d", i%4)), Kind: activity.KindPublic,
			User: user, TS: activity.TSFromTime(t), Mentions: mentions}
	}
	b.ResetTimer()
	start := time.Now()
	for i := range obs {
		clk.Set(obs[i].Time())
		if err := e.Observe(ctx, obs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "obs/s")
	b.ReportMetric(float64(del.n), "nudges")
}

package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/store"
)

// recordingDeliverer keeps every delivery; fail makes them fail.
type recordingDeliverer struct {
	mu   sync.Mutex
	got  []Delivery
	fail bool
}

func (d *recordingDeliverer) Deliver(_ context.Context, del Delivery) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, del)
	if d.fail {
		return errors.New("slack said no")
	}
	return nil
}

func (d *recordingDeliverer) digests() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Delivery
	for _, x := range d.got {
		if x.Record.Kind == people.KindDigest {
			out = append(out, x)
		}
	}
	return out
}

// newDigestEngine is newEngine with weekly counts, norms, a recording
// deliverer, rotating variants and a digest outcome log.
func newDigestEngine(t *testing.T) (*Engine, *clock.Fake, *recordingDeliverer, *[]DigestOutcome) {
	t.Helper()
	e, clk := newEngine(t)
	db := e.store.(*store.DB)
	del := &recordingDeliverer{}
	var outcomes []DigestOutcome
	e.opts.Weeks, e.opts.Polls, e.opts.Deliverer = db, db, del
	e.opts.Variants = func(kind string) []string { return []string{kind + "/a", kind + "/b", kind + "/c"} }
	e.opts.OnDigest = func(o DigestOutcome) { outcomes = append(outcomes, o) }
	return e, clk, del, &outcomes
}

func weeksOf(t *testing.T, e *Engine, manager activity.UserID, from, to digest.Week) []digest.Stats {
	t.Helper()
	ss, err := e.opts.Weeks.WeekStats(team, manager, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func observe(t *testing.T, e *Engine, os ...activity.Observation) {
	t.Helper()
	for _, o := range os {
		if err := e.Observe(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCount_AfterHoursRequestsAnswersAndNudgesOnce(t *testing.T) {
	e, clk, _, _ := newDigestEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	week := digest.WeekOf(monday10, berlin)

	// Monday 15:00 in Berlin (09:00 in New York, so inside everyone's
	// hours): Alex asks; the manager answers at 15:45 (45 working minutes).
	monday15 := monday10.Add(5 * time.Hour)
	ask := msgAt("UALEX", monday15, "UMGR")
	observe(t, e, ask, ask) // redelivered: one request
	answer := msgAt("UMGR", monday15.Add(45*time.Minute))
	answer.ThreadTS = ask.TS
	observe(t, e, answer)
	// Sam asks Tuesday 15:00 Berlin; a reaction answers it Wednesday 15:00:
	// 9 working hours later in the manager's hours (Mon-Fri 09:00-18:00).
	tue := monday15.Add(24 * time.Hour)
	samAsk := msgAt("USAM", tue, "UMGR")
	observe(t, e, samAsk)
	rx := activity.Reaction{Team: team, User: "UMGR", Channel: "C1", ItemTS: samAsk.TS, ItemBy: "USAM", At: tue.Add(24 * time.Hour)}
	for range 2 {
		if err := e.React(ctx, rx); err != nil {
			t.Fatal(err)
		}
	}
	// Thursday 23:00 Berlin: a late message to Alex, seen twice, nudged once;
	// a second late one five minutes later is counted but not nudged
	// (cooldown); Sunday's is nudged again.
	late := time.Date(2026, 11, 19, 23, 0, 0, 0, berlin)
	clk.Set(late)
	observe(t, e, msgAt("UMGR", late, "UALEX"), msgAt("UMGR", late, "UALEX"))
	clk.Set(late.Add(5 * time.Minute))
	observe(t, e, msgAt("UMGR", late.Add(5*time.Minute), "UALEX"))
	// Sunday 23:30 Berlin is still this week; Monday 00:10 is the next.
	sun := time.Date(2026, 11, 22, 23, 30, 0, 0, berlin)
	clk.Set(sun)
	observe(t, e, msgAt("UMGR", sun, "UALEX"))
	nextMon := time.Date(2026, 11, 23, 0, 10, 0, 0, berlin)
	clk.Set(nextMon)
	observe(t, e, msgAt("UMGR", nextMon, "UALEX"))

	got := weeksOf(t, e, "UMGR", week, week.Add(1))
	if len(got) != 2 {
		t.Fatalf("weeks = %+v; want two", got)
	}
	this := got[0]
	if this.Week != week || this.AfterHours != 3 || this.Requests != 2 || this.Answered != 2 || this.Nudges != 2 {
		t.Errorf("this week = %+v; want 3 after-hours messages, 2 requests, 2 answered, 2 nudges", this)
	}
	if want := []int{45 * 60, 9 * 60 * 60}; !slices.Equal(this.ReplySeconds, want) {
		t.Errorf("reply times = %v s; want %v", this.ReplySeconds, want)
	}
	if next := got[1]; next.Week != week.Add(1) || next.AfterHours != 1 {
		t.Errorf("next week = %+v; want the Monday 00:10 message alone", next)
	}
	if got := weeksOf(t, e, "UALEX", week, week.Add(1)); len(got) != 0 {
		t.Errorf("a team member has weekly counts: %+v", got)
	}
}

func TestDigests_MondayAtNineOnceAndNeverOutsideHours(t *testing.T) {
	e, clk, del, outcomes := newDigestEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	late := time.Date(2026, 11, 18, 22, 0, 0, 0, berlin)
	clk.Set(late)
	observe(t, e, msgAt("UMGR", late, "UALEX"))

	run := func(at time.Time) {
		t.Helper()
		clk.Set(at)
		if err := e.Digests(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run(time.Date(2026, 11, 22, 20, 0, 0, 0, berlin)) // Sunday
	run(time.Date(2026, 11, 23, 8, 59, 0, 0, berlin)) // Monday 08:59
	if n := len(del.digests()); n != 0 {
		t.Fatalf("%d digests before Monday 09:00", n)
	}
	run(time.Date(2026, 11, 23, 9, 0, 0, 0, berlin))
	run(time.Date(2026, 11, 23, 9, 15, 0, 0, berlin))
	run(time.Date(2026, 11, 24, 9, 0, 0, 0, berlin))
	ds := del.digests()
	if len(ds) != 1 {
		t.Fatalf("%d digests in the week; want 1", len(ds))
	}
	d := ds[0]
	if d.Digest == nil || d.Digest.Partial || d.Digest.Week != digest.WeekOf(late, berlin) || d.Digest.This.AfterHours != 1 {
		t.Errorf("digest = %+v; want the week of 16 Nov with 1 after-hours message", d.Digest)
	}
	if d.Record.Manager != "UMGR" || !strings.HasPrefix(d.Record.VariantID, people.KindDigest+"/") {
		t.Errorf("delivery record = %+v", d.Record)
	}
	rec, ok, err := e.opts.Weeks.DigestRecord(team, "UMGR", digest.WeekOf(late, berlin))
	if err != nil || !ok || rec.State != digest.Sent || rec.VariantID != d.Record.VariantID {
		t.Errorf("digest record = %+v, %v, %v; want sent with the variant used", rec, ok, err)
	}
	if !slices.Equal(*outcomes, []DigestOutcome{{DigestWeekly, digest.Sent}}) {
		t.Errorf("outcomes = %v", *outcomes)
	}

	// The next week's digest uses the next variant.
	run(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin))
	if ds := del.digests(); len(ds) != 2 || ds[1].Record.VariantID == ds[0].Record.VariantID {
		t.Errorf("second week's digest: %d digests, variants %v", len(ds), ds)
	}
}

func TestDigests_SkipsWhoShouldNotGetOne(t *testing.T) {
	monday9 := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	tests := []struct {
		name  string
		setup func(t *testing.T, e *Engine)
		want  int
	}{
		{"opted in the week before", func(t *testing.T, e *Engine) {}, 1},
		{"snoozed", func(t *testing.T, e *Engine) { must(t)(e.Snooze(context.Background(), mgr, 24*time.Hour, "")) }, 0},
		{"digests switched off", func(t *testing.T, e *Engine) { must(t)(e.SetKind(context.Background(), mgr, people.KindDigest, false)) }, 0},
		{"no team", func(t *testing.T, e *Engine) {
			must(t)(e.RemoveFromTeam(context.Background(), mgr, []activity.UserID{"UALEX", "USAM"}))
		}, 0},
		{"opted in on Sunday: nothing to report yet", func(t *testing.T, e *Engine) {
			m, _ := e.store.Manager(team, mgr.User)
			m.OptedInAt = monday9.Add(-10 * time.Hour)
			if err := e.store.PutManager(m); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clk, del, _ := newDigestEngine(t)
			setUpTeam(t, e)
			clk.Set(monday9.Add(-5 * time.Minute))
			tt.setup(t, e)
			clk.Set(monday9)
			if err := e.Digests(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := len(del.digests()); n != tt.want {
				t.Errorf("%d digests; want %d", n, tt.want)
			}
		})
	}
}

func TestDigests_AFailedSendIsNotRepeated(t *testing.T) {
	e, clk, del, outcomes := newDigestEngine(t)
	setUpTeam(t, e)
	del.fail = true
	clk.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, berlin))
	if err := e.Digests(context.Background()); err == nil {
		t.Error("Digests hid a failed send")
	}
	clk.Set(time.Date(2026, 11, 23, 9, 15, 0, 0, berlin))
	if err := e.Digests(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(del.digests()); n != 1 {
		t.Errorf("%d attempts; want 1", n)
	}
	if rec, _, _ := e.opts.Weeks.DigestRecord(team, "UMGR", digest.Week{Year: 2026, Month: time.November, Day: 16}); rec.State != digest.Failed {
		t.Errorf("record state = %q; want failed", rec.State)
	}
	if !slices.Equal(*outcomes, []DigestOutcome{{DigestWeekly, digest.Failed}}) {
		t.Errorf("outcomes = %v", *outcomes)
	}
}

func TestDigestNow_SendsThisWeekSoFarAndLeavesMondays(t *testing.T) {
	e, clk, del, outcomes := newDigestEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	wed := time.Date(2026, 11, 18, 14, 0, 0, 0, berlin)
	clk.Set(wed)
	reply := e.Command(ctx, Request{Team: team, User: mgr.User, Channel: "C1", Text: "digest"})
	if !strings.Contains(reply.Text, "Sent") || !strings.Contains(reply.Text, "direct messages") {
		t.Errorf("reply = %q", reply.Text)
	}
	ds := del.digests()
	if len(ds) != 1 || !ds[0].Digest.Partial || ds[0].Digest.Week != digest.WeekOf(wed, berlin) {
		t.Fatalf("digests = %+v; want this week so far", ds)
	}
	clk.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, berlin))
	if err := e.Digests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(del.digests()); n != 2 {
		t.Errorf("%d digests; want Monday's as well as the one asked for", n)
	}
	if !slices.Equal(*outcomes, []DigestOutcome{{DigestOnDemand, digest.Sent}, {DigestWeekly, digest.Sent}}) {
		t.Errorf("outcomes = %v", *outcomes)
	}
	if r := e.Command(ctx, Request{Team: team, User: chris.User, Text: "digest"}); !strings.Contains(r.Text, "optin") {
		t.Errorf("digest for someone not opted in = %q", r.Text)
	}
}

func TestOptOutAndForget_DeleteWeeklyCounts(t *testing.T) {
	for _, how := range []string{"optout", "forget-me"} {
		t.Run(how, func(t *testing.T) {
			e, clk, _, _ := newDigestEngine(t)
			setUpTeam(t, e)
			for i := range 3 {
				late := time.Date(2026, 11, 18, 22, 0, 0, 0, berlin).AddDate(0, 0, -7*i)
				clk.Set(late)
				observe(t, e, msgAt("UMGR", late, "UALEX"))
			}
			week := digest.WeekOf(clk.Now(), berlin)
			if got := weeksOf(t, e, "UMGR", week.Add(-5), week.Add(5)); len(got) != 3 {
				t.Fatalf("weeks before: %+v", got)
			}
			r := e.Command(context.Background(), Request{Team: team, User: mgr.User, Text: how})
			if !strings.Contains(r.Text, "3 weeks") {
				t.Errorf("%s says %q; want it to mention the 3 weeks of counts", how, r.Text)
			}
			if got := weeksOf(t, e, "UMGR", week.Add(-5), week.Add(5)); len(got) != 0 {
				t.Errorf("weeks after %s: %+v", how, got)
			}
		})
	}
}

func TestHomeAndStatus_ShowTheWeeks(t *testing.T) {
	e, clk, _, _ := newDigestEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	late := time.Date(2026, 11, 18, 22, 0, 0, 0, berlin)
	clk.Set(late)
	observe(t, e, msgAt("UMGR", late, "UALEX"))
	st, err := e.Home(ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	if st.Digest == nil || !st.Digest.Partial || st.Digest.This.AfterHours != 1 {
		t.Errorf("Home digest = %+v", st.Digest)
	}
	if st, _ := e.Home(ctx, alex); st.Digest != nil {
		t.Error("a team member's home shows a digest")
	}
	s := must(t)(e.Status(ctx, mgr))
	if !strings.Contains(s, "Weekly digest:* on Mondays") || !strings.Contains(s, "1 week of counts") {
		t.Errorf("Status = %q", s)
	}
}

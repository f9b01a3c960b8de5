package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

var week0 = digest.Week{Year: 2026, Month: time.November, Day: 16}

func count(t testing.TB, db *store.DB, team activity.TeamID, manager activity.UserID, w digest.Week, e digest.Event) {
	t.Helper()
	if err := db.CountWeek(team, manager, w, e); err != nil {
		t.Fatalf("CountWeek(%s, %s, %s, %+v) = %v", team, manager, w, e, err)
	}
}

func weekStats(t testing.TB, db *store.DB, team activity.TeamID, manager activity.UserID, from, to digest.Week) []digest.Stats {
	t.Helper()
	ss, err := db.WeekStats(team, manager, from, to)
	if err != nil {
		t.Fatalf("WeekStats(%s, %s) = %v", team, manager, err)
	}
	return ss
}

// openFile opens a database at path with a clock and closes it at the end
// of the test, after a consistency check.
func openFile(t *testing.T, path string, clk clock.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Flush(); errors.Is(err, store.ErrClosed) {
			return // closed by the test
		}
		if err := db.Check(); err != nil {
			t.Errorf("Check = %v", err)
		}
		db.Close()
	})
	return db
}

func TestWeeks_CountEachEventOnceAlsoAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	clk := clock.NewFake(week0.Start(time.UTC).Add(50 * time.Hour))
	db := openFile(t, path, clk)

	late := digest.Event{Kind: digest.AfterHours, Once: "C1/1763330000.000100"}
	count(t, db, "T1", "UMGR", week0, late)
	count(t, db, "T1", "UMGR", week0, late) // redelivered
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.AfterHours, Once: "C1/1763330000.000200"})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Request, Once: "UMGR/C1/1.1"})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Request, Once: "UMGR/C1/1.2"})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Request, Once: "UMGR/C1/1.2"})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Answer, Once: "UMGR/C1/1.1", WorkingMinutes: 45})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Answer, Once: "UMGR/C1/1.1", WorkingMinutes: 90}) // answered again after a crash
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Nudge, Once: "nudge-1"})
	// The same identity in another kind, week, manager or team is another event.
	count(t, db, "T1", "UMGR", week0.Add(-1), digest.Event{Kind: digest.AfterHours, Once: "C1/1763330000.000300"})
	count(t, db, "T1", "UOTHER", week0, late)
	count(t, db, "T2", "UMGR", week0, late)

	want := []digest.Stats{
		{Week: week0.Add(-1), AfterHours: 1},
		{Week: week0, AfterHours: 2, Requests: 2, Answered: 1, Nudges: 1, ReplySeconds: []int{45 * 60}},
	}
	check := func(when string) {
		t.Helper()
		got := weekStats(t, db, "T1", "UMGR", week0.Add(-4), week0)
		if !slices.EqualFunc(got, want, statsEqual) {
			t.Errorf("%s: WeekStats = %+v; want %+v", when, got, want)
		}
		if got := weekStats(t, db, "T1", "UOTHER", week0, week0); len(got) != 1 || got[0].AfterHours != 1 {
			t.Errorf("%s: another manager's counts = %+v", when, got)
		}
		if got := weekStats(t, db, "T1", "UMGR", week0.Add(1), week0.Add(3)); len(got) != 0 {
			t.Errorf("%s: later weeks = %+v; want none", when, got)
		}
	}
	check("before reopening")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openFile(t, path, clk)
	check("after reopening")
	count(t, db, "T1", "UMGR", week0, late)
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Answer, Once: "UMGR/C1/1.1", WorkingMinutes: 5})
	check("after counting the same events again")
}

func statsEqual(a, b digest.Stats) bool {
	return a.Week == b.Week && a.AfterHours == b.AfterHours && a.Requests == b.Requests && a.Answered == b.Answered &&
		a.Nudges == b.Nudges && slices.Equal(a.ReplySeconds, b.ReplySeconds)
}

func TestWeeks_HoldNoMemberIDsAndNoEventIdentities(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	db := openFile(t, path, clock.NewFake(week0.Start(time.UTC)))
	// What identifies events: message coordinates and request keys that
	// name team members.
	onces := []string{"C0SECRETCHAN/1763330000.123456", "UMGR/C0SECRETCHAN/1763330001.654321|U0MEMBERALEX"}
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.AfterHours, Once: onces[0]})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Request, Once: onces[1]})
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.Answer, Once: onces[1], WorkingMinutes: 12})
	if _, err := db.ClaimDigest("T1", "UMGR", digest.Record{Week: week0, State: digest.Sending, VariantID: "weekly_digest/a"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"C0SECRETCHAN", "U0MEMBERALEX", "1763330000", "1763330001"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the database file holds %q", s)
		}
	}
}

func TestWeeks_PurgeKeeps26Weeks(t *testing.T) {
	db := storetest.Open(t)
	last := week0
	for i := range 30 {
		w := last.Add(-i)
		count(t, db, "T1", "UMGR", w, digest.Event{Kind: digest.Request, Once: w.String()})
		if _, err := db.ClaimDigest("T1", "UMGR", digest.Record{Week: w, State: digest.Sent}); err != nil {
			t.Fatal(err)
		}
	}
	count(t, db, "T2", "UMGR", last.Add(-29), digest.Event{Kind: digest.Request, Once: "old"})
	// Monday of the week after last, a few hours in: keep last and the 25
	// weeks before it.
	now := last.Add(1).Start(time.UTC).Add(10 * time.Hour)
	n, err := db.PurgeWeeks(now.Add(-digest.KeepWeeks * 7 * 24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := 2*4 + 1; n != want { // 4 weeks of counts and digests in T1, one week in T2
		t.Errorf("PurgeWeeks deleted %d records; want %d", n, want)
	}
	got := weekStats(t, db, "T1", "UMGR", last.Add(-40), last)
	if len(got) != digest.KeepWeeks || got[0].Week != last.Add(-25) || got[len(got)-1].Week != last {
		t.Errorf("kept %d weeks, %v to %v; want %d, %v to %v", len(got), got[0].Week, got[len(got)-1].Week, digest.KeepWeeks, last.Add(-25), last)
	}
	if got := weekStats(t, db, "T2", "UMGR", last.Add(-40), last); len(got) != 0 {
		t.Errorf("T2 kept %+v", got)
	}
	for _, tt := range []struct {
		w    digest.Week
		kept bool
	}{{last.Add(-25), true}, {last.Add(-26), false}} {
		if _, ok, err := db.DigestRecord("T1", "UMGR", tt.w); err != nil || ok != tt.kept {
			t.Errorf("digest record of %s kept = %v, %v; want %v", tt.w, ok, err, tt.kept)
		}
	}
}

func TestWeekMarks_PurgedMarksCountAgain(t *testing.T) {
	clk := clock.NewFake(week0.Start(time.UTC))
	db := storetest.OpenWith(t, store.Options{Clock: clk})
	e := digest.Event{Kind: digest.AfterHours, Once: "C1/1.1"}
	count(t, db, "T1", "UMGR", week0, e)
	clk.Set(week0.Start(time.UTC).Add(40 * 24 * time.Hour))
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.AfterHours, Once: "C1/2.2"})
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeWeekMarks(week0.Start(time.UTC).Add(37 * 24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeWeekMarks = %d, %v; want 1 (the old mark only)", n, err)
	}
	count(t, db, "T1", "UMGR", week0, e)
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.AfterHours, Once: "C1/2.2"})
	if got := weekStats(t, db, "T1", "UMGR", week0, week0); len(got) != 1 || got[0].AfterHours != 3 {
		t.Errorf("after the purge: %+v; want 3 after-hours messages (the old one counted again, the new one not)", got)
	}
}

func TestDigestRecord_ClaimedOnceAlsoAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	clk := clock.NewFake(week0.Add(1).Start(time.UTC).Add(9 * time.Hour))
	db := openFile(t, path, clk)
	r := digest.Record{Week: week0, State: digest.Sending, Created: clk.Now(), VariantID: "weekly_digest/predictable-rhythm"}
	if ok, err := db.ClaimDigest("T1", "UMGR", r); err != nil || !ok {
		t.Fatalf("first ClaimDigest = %v, %v; want true", ok, err)
	}
	if ok, err := db.ClaimDigest("T1", "UMGR", r); err != nil || ok {
		t.Fatalf("second ClaimDigest = %v, %v; want false", ok, err)
	}
	if ok, err := db.ClaimDigest("T1", "UOTHER", r); err != nil || !ok {
		t.Fatalf("another manager's ClaimDigest = %v, %v; want true", ok, err)
	}
	sent := clk.Now().Add(time.Second)
	if err := db.SetDigestState("T1", "UMGR", week0, digest.Sent, sent); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDigestState("T1", "UMGR", week0.Add(1), digest.Sent, sent); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetDigestState of an unclaimed week = %v; want ErrNotFound", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openFile(t, path, clk)
	got, ok, err := db.DigestRecord("T1", "UMGR", week0)
	if err != nil || !ok {
		t.Fatalf("DigestRecord after reopening = %v, %v", ok, err)
	}
	want := digest.Record{Week: week0, State: digest.Sent, Created: r.Created.UTC(), SentAt: sent.UTC(), VariantID: r.VariantID}
	if got != want {
		t.Errorf("DigestRecord = %+v; want %+v", got, want)
	}
	if ok, err := db.ClaimDigest("T1", "UMGR", r); err != nil || ok {
		t.Errorf("ClaimDigest after reopening = %v, %v; want false", ok, err)
	}
	if _, ok, err := db.DigestRecord("T1", "UMGR", week0.Add(1)); err != nil || ok {
		t.Errorf("DigestRecord of another week = %v, %v; want none", ok, err)
	}
}

func TestForget_DeletesWeeksAndDigestRecords(t *testing.T) {
	db := storetest.Open(t)
	for _, m := range []activity.UserID{"UMGR", "UOTHER"} {
		for i := range 3 {
			count(t, db, "T1", m, week0.Add(-i), digest.Event{Kind: digest.AfterHours, Once: week0.Add(-i).String()})
		}
		if _, err := db.ClaimDigest("T1", m, digest.Record{Week: week0, State: digest.Sent}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := db.ForgetUser("T1", "UMGR")
	if err != nil {
		t.Fatal(err)
	}
	if f.Weeks != 3 || f.Digests != 1 {
		t.Errorf("ForgetUser = %+v; want 3 weeks and 1 digest record", f)
	}
	if got := weekStats(t, db, "T1", "UMGR", week0.Add(-5), week0); len(got) != 0 {
		t.Errorf("weeks left after forget-me: %+v", got)
	}
	if _, ok, _ := db.DigestRecord("T1", "UMGR", week0); ok {
		t.Error("digest record left after forget-me")
	}
	// Counting again starts afresh: the marks went too.
	count(t, db, "T1", "UMGR", week0, digest.Event{Kind: digest.AfterHours, Once: week0.String()})
	if got := weekStats(t, db, "T1", "UMGR", week0, week0); len(got) != 1 || got[0].AfterHours != 1 {
		t.Errorf("counting after forget-me: %+v", got)
	}

	// Opting out prunes them the same way, for that manager only.
	n, err := db.ForgetWeeks("T1", "UOTHER")
	if err != nil || n != 3 {
		t.Errorf("ForgetWeeks = %d, %v; want 3", n, err)
	}
	if got := weekStats(t, db, "T1", "UMGR", week0, week0); len(got) != 1 {
		t.Errorf("ForgetWeeks of another manager touched UMGR: %+v", got)
	}
	if _, ok, _ := db.DigestRecord("T1", "UOTHER", week0); ok {
		t.Error("digest record left after ForgetWeeks")
	}
}

func TestCountWeek_RefusesWhatItCannotKeep(t *testing.T) {
	db := storetest.Open(t)
	for _, tt := range []struct {
		name    string
		team    activity.TeamID
		manager activity.UserID
		week    digest.Week
		e       digest.Event
	}{
		{"no team", "", "UMGR", week0, digest.Event{Kind: digest.Request, Once: "x"}},
		{"no manager", "T1", "", week0, digest.Event{Kind: digest.Request, Once: "x"}},
		{"no week", "T1", "UMGR", digest.Week{}, digest.Event{Kind: digest.Request, Once: "x"}},
		{"unknown kind", "T1", "UMGR", week0, digest.Event{Kind: 'z', Once: "x"}},
		{"no identity", "T1", "UMGR", week0, digest.Event{Kind: digest.Request}},
		{"NaN reply time", "T1", "UMGR", week0, digest.Event{Kind: digest.Answer, Once: "x", WorkingMinutes: nan()}},
	} {
		if err := db.CountWeek(tt.team, tt.manager, tt.week, tt.e); err == nil {
			t.Errorf("%s: CountWeek accepted it", tt.name)
		}
	}
	if _, err := db.ClaimDigest("T1", "UMGR", digest.Record{Week: week0, State: "odd"}); err == nil {
		t.Error("ClaimDigest accepted an unknown state")
	}
}

func nan() float64 {
	var zero float64
	return zero / zero
}

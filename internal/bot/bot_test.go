package bot

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/store"
)

// TestDigestSpec_RunsAtNineOnMondayInEveryZone checks the schedule as the
// scheduler reads it (in UTC): zones with :30 and :45 offsets, and weeks in
// which the clocks change, all get a run at 09:00 on Monday.
func TestDigestSpec_RunsAtNineOnMondayInEveryZone(t *testing.T) {
	sched, err := cron.ParseStandard(DigestSpec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		zone   string
		monday time.Time // a Monday, as a date
	}{
		{"Europe/Berlin", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)}, // after springing forward
		{"America/New_York", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)},
		{"Asia/Kolkata", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},   // +05:30
		{"Asia/Kathmandu", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, // +05:45
		{"America/St_Johns", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{"Australia/Adelaide", time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)}, // the Monday after springing forward
		{"Pacific/Chatham", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},   // +13:45
	} {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		nine := time.Date(tt.monday.Year(), tt.monday.Month(), tt.monday.Day(), 9, 0, 0, 0, loc)
		if got := sched.Next(nine.Add(-7 * time.Minute).UTC()); !got.Equal(nine) {
			t.Errorf("%s: the run after 08:53 on Monday %s is %v; want 09:00 (%v)", tt.zone, tt.monday.Format("2 Jan"), got.In(loc), nine.UTC())
		}
	}
}

func TestRetention_KeepsWeeklyCounts26Weeks(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 17, 0, 0, time.UTC)
	clk := clock.NewFake(now.Add(-60 * 24 * time.Hour))
	db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{Clock: clk, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	this := digest.WeekOf(now, time.UTC)
	for i := range 30 {
		w := this.Add(-i)
		if err := db.CountWeek("T1", "UMGR", w, digest.Event{Kind: digest.AfterHours, Once: w.String()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := retention(db, slog.New(slog.DiscardHandler), now, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := db.WeekStats("T1", "UMGR", this.Add(-40), this)
	if err != nil {
		t.Fatal(err)
	}
	// This week so far, and the 26 weeks that ended less than 26 weeks ago:
	// all a Monday digest needs for its streak.
	if len(got) != digest.KeepWeeks+1 || got[0].Week != this.Add(-digest.KeepWeeks) {
		t.Errorf("kept %d weeks from %v; want %d from %v", len(got), got[0].Week, digest.KeepWeeks+1, this.Add(-digest.KeepWeeks))
	}
	// The identities were counted 60 days ago, past raw retention and a
	// week: forgotten, so the same event would count again.
	if err := db.CountWeek("T1", "UMGR", this, digest.Event{Kind: digest.AfterHours, Once: this.String()}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.WeekStats("T1", "UMGR", this, this)
	if len(got) != 1 || got[0].AfterHours != 2 {
		t.Errorf("this week after retention and a recount: %+v; want the marks purged", got)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}

package slackui

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// roundTrip decodes b into a fresh value of v's type and as a slack.View
// (the shape Slack sends back in interaction payloads), and checks that
// nothing is lost on the way.
func roundTrip[T any](t *testing.T, b []byte) {
	t.Helper()
	var again T
	if err := json.Unmarshal(b, &again); err != nil {
		t.Fatalf("unmarshal into %T: %v", again, err)
	}
	if b2 := blockkittest.Marshal(t, again); !bytes.Equal(b, b2) {
		t.Errorf("%T does not round-trip:\nbefore:\n%s\nafter:\n%s", again, b, b2)
	}
	var v slack.View
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal into slack.View: %v", err)
	}
	var n int
	var raw struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	n = len(raw.Blocks)
	if got := len(v.Blocks.BlockSet); got != n {
		t.Errorf("slack.View has %d blocks; want %d", got, n)
	}
	for i, blk := range v.Blocks.BlockSet {
		if _, unknown := blk.(*slack.UnknownBlock); unknown {
			t.Errorf("block %d decodes as an unknown block", i)
		}
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	return loc
}

// homes are the App Home cases kept as golden files.
func homes(t *testing.T) map[string]Home {
	loc := berlin(t)
	now := time.Date(2026, 11, 19, 14, 30, 0, 0, loc) // a Thursday
	return map[string]Home{
		"home_stranger": {
			User: "U0STRANGER", Now: now, Location: loc,
			EffectiveHours: "Mon-Fri 09:00-18:00 Europe/Berlin", HoursSource: SourceDefault,
		},
		"home_manager": {
			User: "U0MANAGER", Now: now, Location: loc,
			OptedIn:        true,
			Members:        []activity.UserID{"U0CAROL", "U0ALICE", "U0BOB", "U0ALICE"},
			SnoozedUntil:   time.Date(2026, 11, 24, 9, 0, 0, 0, loc),
			SnoozeReason:   people.SnoozeTimeOff,
			OwnHours:       "Mon-Thu 08:30-17:00, Fri 08:30-13:00",
			EffectiveHours: "Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin",
			HoursSource:    SourceOwn,
			OnTeamsOf:      1,
			KindsOff:       []string{"slow-reply"},
			Notice:         "Saved: your team now has 3 people.",
			Digest:         homeDigest(now, loc),
		},
		"home_manager_no_team": {
			User: "U0NEWMGR", Now: now, Location: loc,
			OptedIn:        true,
			EffectiveHours: "Mon-Fri 09:00-18:00 Europe/Berlin", HoursSource: SourceDefault,
		},
		"home_excluded": {
			User: "U0QUIET", Now: now, Location: loc,
			OwnHours:       "Mon-Fri 07:00-15:00",
			EffectiveHours: "Mon-Fri 10:00-17:00 Europe/Berlin",
			HoursSource:    SourceNorm,
			Excluded:       true,
			OnTeamsOf:      2,
		},
		"home_admin": {
			User: "U0ADMIN", Now: now, Location: loc,
			IsAdmin:        true,
			EffectiveHours: "Mon-Fri 09:00-18:00 Europe/Berlin", HoursSource: SourceDefault,
			OnTeamsOf: 3,
		},
	}
}

func modals() map[string]slack.ModalViewRequest {
	return map[string]slack.ModalViewRequest{
		"modal_team":       TeamModal([]activity.UserID{"U0BOB", "U0ALICE"}),
		"modal_team_empty": TeamModal(nil),
		"modal_hours":      HoursModal("Mon-Thu 08:30-17:00, Fri 08:30-13:00", "Mon-Fri 09:00-18:00 Europe/Berlin"),
		"modal_hours_new":  HoursModal("", ""),
		"modal_snooze":     SnoozeModal(),
	}
}

func TestGolden_Home(t *testing.T) {
	for name, h := range homes(t) {
		t.Run(name, func(t *testing.T) {
			b := blockkittest.Marshal(t, HomeView(h))
			blockkittest.CheckGolden(t, name, b, *update)
			roundTrip[slack.HomeTabViewRequest](t, b)
			blockkittest.CheckView(t, b)
		})
	}
}

func TestGolden_Modals(t *testing.T) {
	for name, m := range modals() {
		t.Run(name, func(t *testing.T) {
			b := blockkittest.Marshal(t, m)
			blockkittest.CheckGolden(t, name, b, *update)
			roundTrip[slack.ModalViewRequest](t, b)
			blockkittest.CheckView(t, b)
		})
	}
}

// homeDigest is a manager's numbers on a Thursday: a trend of five weeks
// and reply times this week and last.
func homeDigest(now time.Time, loc *time.Location) *digest.Report {
	w := digest.WeekOf(now, loc)
	r := digest.Compose(digest.Input{
		Week: w, Partial: true, Now: now, Loc: loc,
		Stats: []digest.Stats{
			{Week: w.Add(-4), AfterHours: 2},
			{Week: w.Add(-3), AfterHours: 5},
			{Week: w.Add(-2), AfterHours: 1},
			{Week: w.Add(-1), AfterHours: 0, Answered: 2, ReplySeconds: []int{3000, 4200}},
			{Week: w, AfterHours: 1, Answered: 3, ReplySeconds: []int{600, 1500, 9000}},
		},
	})
	return &r
}

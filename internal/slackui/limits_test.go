package slackui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/people"
)

// bigTeam makes n user IDs of the longest ordinary shape (W + 10).
func bigTeam(n int) []activity.UserID {
	us := make([]activity.UserID, n)
	for i := range us {
		us[i] = activity.UserID(fmt.Sprintf("W%010d", i))
	}
	return us
}

func TestLimits_LargeTeamHomeStaysWithinBlockKit(t *testing.T) {
	now := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	kinds := make([]string, 2*maxKindsShown)
	for i := range kinds {
		kinds[i] = strings.Repeat("k", 200) + fmt.Sprint(i)
	}
	h := Home{
		User: "U0BIG", Now: now,
		OptedIn:        true,
		Members:        bigTeam(MaxTeam),
		SnoozedUntil:   now.Add(people.MaxSnooze),
		SnoozeReason:   people.SnoozeOnCall,
		OwnHours:       strings.Repeat("Mon 09:00-10:00 ", 200),
		EffectiveHours: strings.Repeat("Tue <09:00-10:00> ", 200),
		HoursSource:    SourceNorm,
		OnTeamsOf:      100,
		IsAdmin:        true,
		KindsOff:       kinds,
		Notice:         strings.Repeat("<!channel> & ", 500),
	}
	b := blockkittest.Marshal(t, HomeView(h))
	blockkittest.CheckView(t, b)

	// Every member is still shown.
	for _, u := range h.Members {
		if !strings.Contains(string(b), "<@"+string(u)+">") {
			t.Fatalf("member %s is missing from the home view", u)
		}
	}
}

func TestLimits_VeryLongIDsSpreadOverSeveralSections(t *testing.T) {
	us := make([]activity.UserID, MaxTeam)
	for i := range us {
		us[i] = activity.UserID(fmt.Sprintf("U%031d", i)) // 32 characters, the longest activity.IsUserID takes
	}
	v := HomeView(Home{OptedIn: true, Members: us})
	b := blockkittest.Marshal(t, v)
	blockkittest.CheckView(t, b)
	mentions := strings.Count(string(b), "<@U")
	if mentions != MaxTeam {
		t.Errorf("%d mentions; want %d", mentions, MaxTeam)
	}
}

func TestLimits_LargeTeamModalIsCappedAtMaxTeam(t *testing.T) {
	m := TeamModal(bigTeam(MaxTeam + 50))
	b := blockkittest.Marshal(t, m)
	blockkittest.CheckView(t, b)
	if n := strings.Count(string(b), `"W0`); n != MaxTeam {
		t.Errorf("%d initial users; want %d", n, MaxTeam)
	}
}

func TestLimits_LongHoursSpecAndExample(t *testing.T) {
	long := strings.Repeat("Mon-Fri 09:00-18:00 ", 200)
	blockkittest.CheckView(t, blockkittest.Marshal(t, HoursModal(long, long)))
}

func TestLimits_CheckerCatchesViolations(t *testing.T) {
	// The checker itself must fail on what Slack rejects.
	h := HomeView(Home{})
	long := strings.Repeat("x", 76)
	h.Blocks.BlockSet = append(h.Blocks.BlockSet, sectionWith("ok", button("a", "ok")))
	b := blockkittest.Marshal(t, h)
	var view map[string]any
	if err := json.Unmarshal(b, &view); err != nil {
		t.Fatal(err)
	}
	if p := blockkittest.ViewProblems(view); len(p) != 0 {
		t.Fatalf("unexpected problems: %v", p)
	}
	bs := view["blocks"].([]any)
	last := bs[len(bs)-1].(map[string]any)
	last["accessory"].(map[string]any)["text"].(map[string]any)["text"] = long
	for len(bs) <= 100 {
		bs = append(bs, map[string]any{"type": "divider"})
	}
	view["blocks"] = bs
	p := blockkittest.ViewProblems(view)
	if len(p) != 2 {
		t.Errorf("problems = %q; want the long button text and the block count", p)
	}
}

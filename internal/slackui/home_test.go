package slackui

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/people"
)

// actionIDs lists the action IDs of every button in v, in order.
func actionIDs(v slack.HomeTabViewRequest) []string {
	var ids []string
	add := func(e slack.BlockElement) {
		if b, ok := e.(*slack.ButtonBlockElement); ok {
			ids = append(ids, b.ActionID)
		}
	}
	for _, b := range v.Blocks.BlockSet {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				add(b.Accessory.ButtonElement)
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				add(e)
			}
		}
	}
	return ids
}

func has(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// text is all the text the view shows, as JSON.
func text(t *testing.T, v slack.HomeTabViewRequest) string {
	t.Helper()
	return string(blockkittest.Marshal(t, v))
}

func TestHome_StrangerSeesWhatItIsAndCanOptIn(t *testing.T) {
	v := HomeView(homes(t)["home_stranger"])
	ids := actionIDs(v)
	for _, want := range []string{ActionOptIn, ActionEditHours, ActionExclude, ActionForget} {
		if !has(ids, want) {
			t.Errorf("buttons %v lack %s", ids, want)
		}
	}
	for _, not := range []string{ActionOptOut, ActionEditTeam, ActionSnooze, ActionUnsnooze, ActionClearHours, ActionInclude} {
		if has(ids, not) {
			t.Errorf("buttons %v include %s", ids, not)
		}
	}
	s := text(t, v)
	for _, want := range []string{"metadata", "never what anyone wrote", "No manager has you on their team"} {
		if !strings.Contains(s, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(s, "admin status") {
		t.Error("a non-admin is shown the admin line")
	}
}

func TestHome_ManagerSeesTeamSnoozeAndOwnHours(t *testing.T) {
	v := HomeView(homes(t)["home_manager"])
	ids := actionIDs(v)
	for _, want := range []string{ActionOptOut, ActionEditTeam, ActionUnsnooze, ActionKindOn, ActionEditHours, ActionClearHours} {
		if !has(ids, want) {
			t.Errorf("buttons %v lack %s", ids, want)
		}
	}
	if has(ids, ActionOptIn) || has(ids, ActionSnooze) {
		t.Errorf("buttons %v offer opt-in or snooze to a snoozed manager", ids)
	}
	s := text(t, v)
	for _, want := range []string{
		"snoozed until Tue 24 Nov 09:00 (time off)",
		"*Your team* (3 people): <@U0ALICE>, <@U0BOB>, <@U0CAROL>",
		"Saved: your team now has 3 people.",
		"One manager has you on their team",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("home lacks %q", want)
		}
	}
}

func TestHome_ButtonsCarryConfirmDialogsWhereItMatters(t *testing.T) {
	v := HomeView(homes(t)["home_manager"])
	confirms := map[string]*slack.ConfirmationBlockObject{}
	for _, b := range v.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.Accessory != nil && s.Accessory.ButtonElement != nil {
			confirms[s.Accessory.ButtonElement.ActionID] = s.Accessory.ButtonElement.Confirm
		}
	}
	if confirms[ActionOptOut] == nil {
		t.Error("opt out has no confirm dialog")
	}
	c := confirms[ActionForget]
	if c == nil {
		t.Fatal("forget has no confirm dialog")
	}
	if c.Text.Text != ForgetText || c.Style != slack.StyleDanger {
		t.Errorf("forget confirm = %q (%s); want ForgetText, danger", c.Text.Text, c.Style)
	}
}

func TestHome_SnoozeInThePastIsNotShown(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	v := HomeView(Home{Now: now, OptedIn: true, SnoozedUntil: now.Add(-time.Minute), SnoozeReason: people.SnoozeOnCall})
	ids := actionIDs(v)
	if !has(ids, ActionSnooze) || has(ids, ActionUnsnooze) {
		t.Errorf("buttons %v; want Snooze, not Resume", ids)
	}
}

func TestHome_SnoozeTimeIsInThePersonsZoneWithYearWhenNotThisYear(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	now := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	until := time.Date(2027, 1, 4, 14, 0, 0, 0, time.UTC) // 09:00 in New York
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{ny, "snoozed until Mon 4 Jan 2027 09:00 (travelling)"},
		{nil, "snoozed until Mon 4 Jan 2027 14:00 (travelling)"},
	} {
		s := text(t, HomeView(Home{Now: now, Location: tc.loc, OptedIn: true, SnoozedUntil: until, SnoozeReason: people.SnoozeTravelling}))
		if !strings.Contains(s, tc.want) {
			t.Errorf("zone %v: home lacks %q", tc.loc, tc.want)
		}
	}
}

// The notice is the engine's own sentence: user mentions in it render (the
// Home tab notifies no one), but it can never ping a channel or link out.
func TestHome_NoticeAndSpecsAreEscaped(t *testing.T) {
	v := HomeView(Home{
		Notice:         "Saved <!channel> & <@U0EVIL> <@U2OK|x> <https://evil.example|x>",
		EffectiveHours: "Mon-Fri 09:00-18:00",
		OwnHours:       "`<!here>`",
	})
	s := text(t, v)
	for _, bad := range []string{"<!channel>", "<!here>", "<https:", "<@U2OK|x>"} {
		if strings.Contains(s, bad) {
			t.Errorf("home contains unescaped %q", bad)
		}
	}
	if !strings.Contains(s, "Saved &lt;!channel&gt; &amp; <@U0EVIL> &lt;@U2OK|x&gt;") {
		t.Errorf("notice not shown escaped with mentions kept: %s", s)
	}
}

func TestHome_AdminSeesOnlyTheWorkspaceLine(t *testing.T) {
	admin := homes(t)["home_admin"]
	s := text(t, HomeView(admin))
	if !strings.Contains(s, "/trustnudge admin status") {
		t.Error("admin line missing")
	}
	admin.IsAdmin = false
	plain := HomeView(admin)
	got := HomeView(homes(t)["home_admin"])
	if len(got.Blocks.BlockSet) != len(plain.Blocks.BlockSet)+1 {
		t.Errorf("admin home has %d blocks, non-admin %d; want exactly one more (the admin line)",
			len(got.Blocks.BlockSet), len(plain.Blocks.BlockSet))
	}
}

func TestHome_ExcludedPersonCanComeBack(t *testing.T) {
	v := HomeView(homes(t)["home_excluded"])
	ids := actionIDs(v)
	if !has(ids, ActionInclude) || has(ids, ActionExclude) {
		t.Errorf("buttons %v; want Count me in again, not Leave me out", ids)
	}
	s := text(t, v)
	if !strings.Contains(s, "your team's agreed norm") || !strings.Contains(s, "Your own setting, `Mon-Fri 07:00-15:00`") {
		t.Errorf("hours source or own setting missing: %s", s)
	}
}

func TestHome_KindsOffCarryTheKindAsValue(t *testing.T) {
	v := HomeView(Home{OptedIn: true, KindsOff: []string{"after-hours", "slow-reply"}})
	var got []string
	for _, b := range v.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.Accessory != nil && s.Accessory.ButtonElement != nil &&
			s.Accessory.ButtonElement.ActionID == ActionKindOn {
			got = append(got, s.Accessory.ButtonElement.Value)
		}
	}
	if strings.Join(got, ",") != "after-hours,slow-reply" {
		t.Errorf("kind buttons carry %v; want after-hours, slow-reply", got)
	}
}

func TestHome_MembersAreSortedMentions(t *testing.T) {
	v := HomeView(Home{OptedIn: true, Members: []activity.UserID{"U2", "U1", "U2"}})
	s := text(t, v)
	if !strings.Contains(s, "(2 people): <@U1>, <@U2>") {
		t.Errorf("members not rendered as sorted mentions: %s", s)
	}
}

func TestPack(t *testing.T) {
	got := pack("L: ", []string{"aaaa", "bbbb", "cccc"}, ", ", 12)
	want := []string{"L: aaaa", "bbbb, cccc"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("pack = %q; want %q", got, want)
	}
}

func TestHome_ManagerSeesTheirWeeksAndCanAskForTheDigest(t *testing.T) {
	h := homes(t)["home_manager"]
	v := HomeView(h)
	if !has(actionIDs(v), ActionDigest) {
		t.Errorf("buttons %v lack %s", actionIDs(v), ActionDigest)
	}
	s := text(t, v)
	for _, want := range []string{"`▄█▂▁▂` 2 → 5 → 1 → 0 → 1", "25 working minutes this week so far (last week: 1 working hour)", "Monday at 09:00 your time", "`digest`"} {
		if !strings.Contains(s, want) {
			t.Errorf("home lacks %q:\n%s", want, s)
		}
	}

	h.KindsOff = []string{people.KindDigest}
	s = text(t, HomeView(h))
	for _, want := range []string{"Weekly digests are off", "You switched off the weekly digest."} {
		if !strings.Contains(s, want) {
			t.Errorf("home with digests off lacks %q", want)
		}
	}

	// Without numbers (no counting configured) there is no trend and no button.
	h.Digest = nil
	if v := HomeView(h); has(actionIDs(v), ActionDigest) || strings.Contains(text(t, v), "Your weeks") {
		t.Error("a home without numbers shows the trend")
	}
	if v := HomeView(homes(t)["home_stranger"]); has(actionIDs(v), ActionDigest) {
		t.Error("someone not opted in is offered a digest")
	}
}

package nudge

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/people"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// The golden files render these fixed entries rather than the library's, so
// that editing the words in nudges/ never breaks them; every real entry is
// rendered and checked by TestRender_EveryEntryFitsSlack.
var (
	testAfterHours = Entry{
		ID: "after_hours/test", Pattern: people.KindAfterHours,
		Lead:   "Sent outside their working hours",
		Body:   "Your message reached {{reached}} outside their working hours. When it *lands* is what they read as the expectation.",
		Try:    "Write whenever it suits you & send when their day starts.",
		Fact:   "Expecting replies after hours raises <anxiety>.",
		Source: `A. Author & B. Author, "A title", A Journal, 2018`,
	}
	testSlowReply = Entry{
		ID: "slow_reply/test", Pattern: people.KindSlowReply,
		Lead:   "Waiting for you: {{waiting}} from your team",
		Body:   "Your team has {{waiting}} waiting for you; the longest wait so far is {{oldest}}. A short answer today means a lot.",
		Try:    "Reply with a quick \"Seen it\", then keep that promise.",
		Fact:   "Trust rests on relationships, judgment and consistency.",
		Source: `J. Zenger & J. Folkman, "The 3 Elements of Trust", Harvard Business Review, 2019`,
	}
)

// roundTrip decodes a rendered message as slack.Blocks, the way Slack's
// payloads come back, and checks every block is one slack-go knows.
func roundTrip(t *testing.T, b []byte) {
	t.Helper()
	var msg struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatalf("unmarshal blocks: %v", err)
	}
	for i, blk := range msg.Blocks.BlockSet {
		if _, unknown := blk.(*slack.UnknownBlock); unknown {
			t.Errorf("block %d decodes as an unknown block", i)
		}
	}
}

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	return loc
}

// items makes n waiting questions, the first waiting longest.
func items(n int) []WaitingItem {
	askers := []activity.UserID{"U0ALICE", "U0BOB", "U0CAROL"}
	base := time.Date(2026, 11, 16, 15, 0, 0, 0, time.UTC)
	its := make([]WaitingItem, n)
	for i := range its {
		its[i] = WaitingItem{
			Permalink:     fmt.Sprintf("https://acme.slack.com/archives/C0TEAM/p17632%08d", i),
			Asker:         askers[i%len(askers)],
			Since:         base.Add(time.Duration(i) * 47 * time.Minute),
			WaitedMinutes: float64(3*workingDay - i*61),
		}
	}
	return its
}

func afterHoursGoldenView(t *testing.T) AfterHoursView {
	london, berlin := zone(t, "Europe/London"), zone(t, "Europe/Berlin")
	return AfterHoursView{
		Entry:      testAfterHours,
		NudgeID:    "n-2026-11-15-0001",
		Reached:    3,
		SuggestAt:  time.Date(2026, 11, 17, 9, 0, 0, 0, berlin), // Tue 09:00 for them
		ManagerLoc: london,
		MemberLoc:  berlin,
		Now:        time.Date(2026, 11, 15, 21, 30, 0, 0, london), // Sunday evening
	}
}

func slowReplyGoldenView(t *testing.T) SlowReplyView {
	berlin := zone(t, "Europe/Berlin")
	return SlowReplyView{
		Entry:      testSlowReply,
		NudgeID:    "n-2026-11-19-0002",
		Items:      items(3),
		ManagerLoc: berlin,
		Now:        time.Date(2026, 11, 19, 9, 5, 0, 0, berlin), // Thursday morning
	}
}

func TestGolden(t *testing.T) {
	for name, m := range map[string]Message{
		"after_hours":   RenderAfterHours(afterHoursGoldenView(t)),
		"slow_reply":    RenderSlowReply(slowReplyGoldenView(t)),
		"weekly_digest": RenderDigest(digestGoldenView(t)),
	} {
		t.Run(name, func(t *testing.T) {
			b := blockkittest.Marshal(t, m)
			blockkittest.CheckGolden(t, name, b, *update)
			roundTrip(t, b)
			blockkittest.CheckMessage(t, b)
		})
	}
}

// TestRender_EveryEntryFitsSlack renders every entry of the real library in
// every shape its view can take and checks the result against Slack's
// limits.
func TestRender_EveryEntryFitsSlack(t *testing.T) {
	berlin, tokyo := zone(t, "Europe/Berlin"), zone(t, "Asia/Tokyo")
	now := time.Date(2026, 11, 18, 23, 10, 0, 0, berlin)
	lib := Default()
	check := func(t *testing.T, e Entry, m Message) {
		t.Helper()
		buttons := []string{"[Helpful]", "[Stop these]"}
		if e.Pattern == people.KindDigest {
			buttons = []string{"[Stop weekly digests]"}
		}
		b := blockkittest.Marshal(t, m)
		blockkittest.CheckMessage(t, b)
		roundTrip(t, b)
		s := string(b)
		if strings.Contains(s, "{{") || strings.Contains(s, "}}") {
			t.Errorf("an unfilled placeholder is left:\n%s", s)
		}
		plain := PlainText(m, nil)
		for _, want := range append([]string{e.Fact, e.Source}, buttons...) {
			if !strings.Contains(plain, want) {
				t.Errorf("PlainText lacks %q:\n%s", want, plain)
			}
		}
	}
	for _, p := range lib.Patterns() {
		for _, e := range lib.Variants(p) {
			t.Run(e.ID, func(t *testing.T) {
				switch p {
				case people.KindAfterHours:
					for _, reached := range []int{1, 3, 12} {
						for _, suggest := range []struct {
							at           time.Time
							mgr, members *time.Location
						}{
							{},
							{now.Add(10 * time.Hour), berlin, berlin},
							{now.Add(10 * time.Hour), berlin, tokyo},
							{now.Add(10 * time.Hour), berlin, nil},
							{now.Add(60 * time.Hour), nil, nil},
						} {
							for _, poll := range []bool{false, true} {
								check(t, e, RenderAfterHours(AfterHoursView{
									Entry: e, NudgeID: "n-0001", Reached: reached,
									SuggestAt: suggest.at, ManagerLoc: suggest.mgr, MemberLoc: suggest.members,
									Now: now, PollButton: poll,
								}))
							}
						}
					}
				case people.KindSlowReply:
					for _, n := range []int{1, 3, 12} {
						check(t, e, RenderSlowReply(SlowReplyView{
							Entry: e, NudgeID: "n-0002", Items: items(n), ManagerLoc: berlin, Now: now,
						}))
					}
				case people.KindDigest:
					for _, r := range digestReports(t) {
						for _, poll := range []bool{false, true} {
							check(t, e, RenderDigest(DigestView{Entry: e, DigestID: "d-0003", Report: r, PollButton: poll}))
						}
					}
				default:
					t.Fatalf("pattern %q has no renderer test; add its view here", p)
				}
			})
		}
	}
}

func TestRender_WorstCaseStaysWithinLimits(t *testing.T) {
	// The longest an entry may be, with every placeholder, and the longest
	// IDs and links the views can carry.
	long := func(n int, placeholders string) string {
		return placeholders + strings.Repeat("&", n-len(placeholders)) // & grows five-fold when escaped
	}
	ah := Entry{
		ID: "after_hours/" + strings.Repeat("a", MaxIDLen-12), Pattern: people.KindAfterHours,
		Lead: long(MaxLeadLen, "{{reached}}"), Body: long(MaxBodyLen, "{{reached}} {{suggest}} "),
		Try: long(MaxTryLen, "{{suggest}}"), Fact: strings.Repeat("<&>", MaxFactLen/3), Source: strings.Repeat("&", MaxSourceLen),
	}
	m := RenderAfterHours(AfterHoursView{Entry: ah, NudgeID: strings.Repeat("n", 255), Reached: 1 << 30,
		SuggestAt: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC), PollButton: true})
	blockkittest.CheckMessage(t, blockkittest.Marshal(t, m))

	sr := ah
	sr.Pattern = people.KindSlowReply
	sr.Body = long(MaxBodyLen, "{{waiting}} {{oldest}}")
	its := items(40)
	for i := range its {
		its[i].Permalink = "https://acme.slack.com/" + strings.Repeat("p", 970)
		its[i].Asker = activity.UserID("U" + strings.Repeat("9", 31))
		its[i].WaitedMinutes = 1e300
	}
	m = RenderSlowReply(SlowReplyView{Entry: sr, NudgeID: strings.Repeat("n", 255), Items: its})
	b := blockkittest.Marshal(t, m)
	blockkittest.CheckMessage(t, b)
	if n := strings.Count(string(b), "|Question>"); n != MaxItems {
		t.Errorf("%d linked questions; want %d", n, MaxItems)
	}
	if !strings.Contains(string(b), "+30 more waiting") {
		t.Errorf("no +30 more line:\n%s", b)
	}
}

func TestRenderAfterHours_SuggestionLine(t *testing.T) {
	v := afterHoursGoldenView(t)
	v.Entry.Try = "Schedule it."
	got := PlainText(RenderAfterHours(v), nil)
	if want := "Next time, try Slack's Schedule send for Tue 09:00 their time (08:00 for you).\n"; !strings.Contains(got, want) {
		t.Errorf("PlainText =\n%s\nwant a line %q", got, want)
	}

	// An entry that places {{suggest}} itself gets no separate line.
	v.Entry.Try = "Draft it now and schedule it for {{suggest}}."
	got = PlainText(RenderAfterHours(v), nil)
	if strings.Contains(got, "Next time") {
		t.Errorf("suggestion line shown although the entry uses {{suggest}}:\n%s", got)
	}
	if want := "Try this: Draft it now and schedule it for Tue 09:00 their time (08:00 for you)."; !strings.Contains(got, want) {
		t.Errorf("PlainText =\n%s\nwant %q", got, want)
	}

	// Nothing to suggest: no line, and {{suggest}} still reads well.
	v.SuggestAt = time.Time{}
	got = PlainText(RenderAfterHours(v), nil)
	if strings.Contains(got, "Next time") || !strings.Contains(got, "schedule it for the start of their working day.") {
		t.Errorf("without a suggestion, PlainText =\n%s", got)
	}
}

// When the hours of everyone in the conversation never meet, the time
// fits only the people reached, and the words must not claim more.
func TestSuggestWhen_ReachedOnly(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, berlin)
	now := time.Date(2026, 11, 17, 22, 0, 0, 0, berlin)
	if got, want := suggestWhen(at, now, berlin, nil, true), "tomorrow 09:00 your time, when everyone it reached is within working hours"; got != want {
		t.Errorf("suggestWhen = %q; want %q", got, want)
	}
	m := RenderAfterHours(AfterHoursView{Entry: Entry{ID: "x/y", Lead: "L", Body: "B", Try: "T"}, Reached: 1, SuggestAt: at, SuggestForReachedOnly: true, ManagerLoc: berlin, Now: now})
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	if js := string(b); !strings.Contains(js, "everyone it reached") || strings.Contains(js, "they're all") {
		t.Errorf("the nudge does not say the time fits only those reached: %s", js)
	}
}

func TestSuggestWhen(t *testing.T) {
	berlin, london, tokyo := zone(t, "Europe/Berlin"), zone(t, "Europe/London"), zone(t, "Asia/Tokyo")
	la := zone(t, "America/Los_Angeles")
	now := time.Date(2026, 11, 17, 22, 15, 0, 0, berlin) // Tuesday night in Berlin
	tests := []struct {
		name         string
		at           time.Time
		now          time.Time
		mgr, members *time.Location
		want         string
	}{
		{"none", time.Time{}, now, berlin, berlin, ""},
		{"same zone tomorrow", time.Date(2026, 11, 18, 9, 0, 0, 0, berlin), now, berlin, berlin,
			"tomorrow 09:00, your time and theirs"},
		{"their zone an hour behind", time.Date(2026, 11, 18, 9, 0, 0, 0, london), now, berlin, london,
			"tomorrow 09:00 their time (10:00 for you)"},
		{"their day is already tomorrow", time.Date(2026, 11, 18, 9, 0, 0, 0, tokyo), now, berlin, tokyo,
			"tomorrow 09:00 their time (01:00 for you)"},
		{"they are behind you", time.Date(2026, 11, 18, 9, 0, 0, 0, berlin), time.Date(2026, 11, 18, 8, 0, 0, 0, tokyo), tokyo, berlin,
			"today 09:00 their time (17:00 for you)"},
		{"their day differs from yours", time.Date(2026, 11, 19, 9, 0, 0, 0, tokyo), time.Date(2026, 11, 17, 17, 0, 0, 0, la), la, tokyo,
			"Thu 09:00 their time (tomorrow 16:00 for you)"},
		{"members in several zones", time.Date(2026, 11, 18, 9, 0, 0, 0, berlin), now, berlin, nil,
			"tomorrow 09:00 your time, when they're all within working hours"},
		{"manager zone unknown", time.Date(2026, 11, 18, 9, 0, 0, 0, berlin), now, nil, berlin,
			"tomorrow 09:00 their time (08:00 UTC)"},
		{"after the weekend", time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), now, berlin, berlin,
			"Mon 09:00, your time and theirs"},
		{"more than a week off", time.Date(2026, 12, 1, 9, 0, 0, 0, berlin), now, berlin, berlin,
			"Tue 1 Dec 09:00, your time and theirs"},
		{"no now", time.Date(2026, 11, 18, 9, 0, 0, 0, berlin), time.Time{}, berlin, berlin,
			"Wed 09:00, your time and theirs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := suggestWhen(tt.at, tt.now, tt.mgr, tt.members, false); got != tt.want {
				t.Errorf("suggestWhen(%v) = %q; want %q", tt.at, got, tt.want)
			}
		})
	}
}

func TestFormatWait(t *testing.T) {
	tests := []struct {
		minutes float64
		want    string
	}{
		{-5, "less than a working minute"},
		{0.5, "less than a working minute"},
		{1, "1 working minute"},
		{40, "40 working minutes"},
		{60, "1 working hour"},
		{5*60 + 59, "5 working hours"},
		{workingDay, "1 working day"},
		{workingDay + 3*60 + 20, "1 working day 3 h"},
		{2 * workingDay, "2 working days"},
		{5*workingDay + 7*60, "5 working days 7 h"},
	}
	for _, tt := range tests {
		if got := formatWait(minutes(tt.minutes)); got != tt.want {
			t.Errorf("formatWait(%v) = %q; want %q", tt.minutes, got, tt.want)
		}
	}
}

func TestRenderSlowReply_ListsLongestWaitFirstAndCountsTheRest(t *testing.T) {
	its := items(12)
	its[0], its[11] = its[11], its[0] // out of order on purpose
	its[4].Permalink = "javascript:alert(1)"
	its[5].Asker = "<!channel>"
	m := RenderSlowReply(SlowReplyView{Entry: testSlowReply, NudgeID: "n1", Items: its})
	got := PlainText(m, nil)
	lines := strings.Split(got, "\n")
	var listed []string
	for _, l := range lines {
		if strings.HasPrefix(l, "• ") {
			listed = append(listed, l)
		}
	}
	if len(listed) != MaxItems {
		t.Fatalf("%d items listed; want %d:\n%s", len(listed), MaxItems, got)
	}
	if !strings.Contains(listed[0], "waiting 3 working days") {
		t.Errorf("first item = %q; want the longest wait", listed[0])
	}
	if !strings.Contains(got, "+2 more waiting") {
		t.Errorf("no \"+2 more waiting\":\n%s", got)
	}
	if !strings.Contains(got, "longest wait so far is 3 working days.") {
		t.Errorf("{{oldest}} is not the longest wait:\n%s", got)
	}
	b := string(blockkittest.Marshal(t, m))
	if strings.Contains(b, "javascript:") || strings.Contains(b, "<!channel>") {
		t.Errorf("unsafe permalink or asker rendered:\n%s", b)
	}
	if !strings.Contains(got, " from a team member · ") {
		t.Errorf("invalid asker not shown as \"a team member\":\n%s", got)
	}
}

func TestRender_ButtonsCarryTheNudgeAndItsKind(t *testing.T) {
	v := afterHoursGoldenView(t)
	v.PollButton = true
	for name, m := range map[string]Message{
		"after_hours": RenderAfterHours(v),
		"slow_reply":  RenderSlowReply(slowReplyGoldenView(t)),
	} {
		t.Run(name, func(t *testing.T) {
			last, ok := m.Blocks[len(m.Blocks)-1].(*slack.ActionBlock)
			if !ok {
				t.Fatalf("last block is %T; want the actions", m.Blocks[len(m.Blocks)-1])
			}
			var ids []string
			for _, e := range last.Elements.ElementSet {
				b := e.(*slack.ButtonBlockElement)
				ids = append(ids, b.ActionID)
				id, kind, err := ParseButtonValue(b.Value)
				if err != nil || !strings.HasPrefix(id, "n-2026-") || kind != name {
					t.Errorf("button %s value %q = (%q, %q, %v)", b.ActionID, b.Value, id, kind, err)
				}
				if b.ActionID == ActionStop && b.Confirm == nil {
					t.Errorf("Stop these has no confirmation")
				}
			}
			want := []string{ActionHelpful, ActionNotHelpful, ActionSnoozeWeek, ActionStop}
			if name == "after_hours" {
				want = append([]string{ActionAskTeam}, want...)
			}
			if strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Errorf("buttons = %v; want %v", ids, want)
			}
		})
	}
}

func TestRenderAfterHours_PollButtonIsOffByDefault(t *testing.T) {
	b := blockkittest.Marshal(t, RenderAfterHours(afterHoursGoldenView(t)))
	if strings.Contains(string(b), ActionAskTeam) {
		t.Errorf("poll button shown without PollButton:\n%s", b)
	}
}

func TestRender_NudgeIDDefaultsToEntryID(t *testing.T) {
	m := RenderSlowReply(SlowReplyView{Entry: testSlowReply, Items: items(1)})
	btn := m.Blocks[len(m.Blocks)-1].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement)
	if want := ButtonValue(testSlowReply.ID, testSlowReply.Pattern); btn.Value != want {
		t.Errorf("value = %q; want %q", btn.Value, want)
	}
}

func TestRender_FallbackTextIsPlainAndEscaped(t *testing.T) {
	m := RenderAfterHours(AfterHoursView{Entry: testAfterHours, Reached: 1})
	want := "Sent outside their working hours. Your message reached one person on your team outside their working hours. " +
		"When it lands is what they read as the expectation."
	if m.Text != want {
		t.Errorf("Text = %q; want %q", m.Text, want)
	}
	e := testAfterHours
	e.Lead = "Late <again> & again"
	if m := RenderAfterHours(AfterHoursView{Entry: e, Reached: 2}); !strings.HasPrefix(m.Text, "Late &lt;again&gt; &amp; again. ") {
		t.Errorf("Text = %q; want &, < and > escaped", m.Text)
	}
}

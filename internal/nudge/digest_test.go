package nudge

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/blockkittest"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
)

var testDigest = Entry{
	ID: "weekly_digest/test", Pattern: people.KindDigest,
	Lead:   "A habit for the week ahead",
	Body:   "Your team plans around you. When they can tell when you'll answer, there is less to *guess*.",
	Try:    "Tell your team when you check Slack & when to expect an answer.",
	Fact:   "Consistency is one of the things <integrity> is judged by.",
	Source: `R. C. Mayer, J. H. Davis & F. D. Schoorman, "An integrative model of organizational trust", 1995`,
}

var digestWeek = digest.Week{Year: 2026, Month: time.November, Day: 16}

// digestGoldenView is the digest of a good week: a third week without
// after-hours messages and a faster median reply time.
func digestGoldenView(t *testing.T) DigestView {
	berlin := zone(t, "Europe/Berlin")
	w := digestWeek
	r := digest.Compose(digest.Input{
		Week: w, Now: time.Date(2026, 11, 23, 9, 0, 0, 0, berlin), Loc: berlin,
		Stats: []digest.Stats{
			{Week: w.Add(-4), AfterHours: 4},
			{Week: w.Add(-3), AfterHours: 6},
			{Week: w.Add(-2), Requests: 3, Answered: 3, ReplySeconds: []int{3600, 5400, 7200}},
			{Week: w.Add(-1), Requests: 4, Answered: 4, ReplySeconds: []int{3600, 4800, 6000, 7200}},
			{Week: w, Requests: 7, Answered: 6, Nudges: 1, ReplySeconds: []int{600, 1800, 2400, 3000, 3600, 9000}},
		},
		Waiting: 2, Slow: 1,
	})
	return DigestView{Entry: testDigest, DigestID: "d-2026-11-16-UMGR", Report: r, PollButton: true}
}

// digestReports are digests in every shape: good weeks and bad, first
// weeks and long histories, complete and partial, with a norm and without,
// and the largest numbers.
func digestReports(t *testing.T) []digest.Report {
	berlin := zone(t, "Europe/Berlin")
	w := digestWeek
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	var long []digest.Stats
	for i := range digest.KeepWeeks {
		long = append(long, digest.Stats{Week: w.Add(-i), AfterHours: 1 << 20, Requests: 1 << 30, Answered: 1 << 30, Nudges: 1 << 20, ReplySeconds: []int{1 << 40}})
	}
	return []digest.Report{
		digest.Compose(digest.Input{Week: w, Now: now, Loc: berlin, OptedIn: now.Add(-72 * time.Hour)}),
		digestGoldenView(t).Report,
		digest.Compose(digest.Input{Week: w, Now: now, Loc: berlin, Stats: long, Waiting: 1 << 20, Slow: 1 << 19, Norm: strings.Repeat("Mon 09:00-10:00 ", 30) + "America/Argentina/ComodRivadavia"}),
		digest.Compose(digest.Input{Week: w.Add(1), Partial: true, Now: now.Add(50 * time.Hour), Loc: berlin, Stats: long[:3], Norm: "Mon-Fri 09:00-18:00"}),
	}
}

func TestRenderDigest_SaysTheWeekTheNumbersAndTheHabit(t *testing.T) {
	m := RenderDigest(digestGoldenView(t))
	plain := PlainText(m, nil)
	for _, want := range []string{
		"Your week with the team: Mon 16 – Sun 22 Nov",
		"the week that just ended, Monday 16 to Sunday 22 November in your time zone",
		"No after-hours messages — third week running.",
		"Your median reply time improved: 45 working minutes, down from 1 working hour 30 min the week before.",
		"• After hours: none of your messages reached your team outside their working hours this week (0 the week before).",
		"• Last 5 weeks: `▆█▁▁▁` 4 → 6 → 0 → 0 → 0 after-hours messages, from the week of 19 Oct to this week.",
		"• Requests from your team: 7 this week; you answered 6, with a median reply time of 45 working minutes.",
		"• Waiting now: 2 requests from your team, 1 of them for more than a working day.",
		"• Team norm: none agreed yet.",
		"A habit for the week ahead",
		"Try this: Tell your team when you check Slack & when to expect an answer.",
		"Why it matters: Consistency is one of the things <integrity> is judged by. — R. C. Mayer",
		"[Ask my team about messaging hours] [Stop weekly digests]",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("digest lacks %q:\n%s", want, plain)
		}
	}
	if got, want := m.Text, "Your week with the team: Mon 16 – Sun 22 Nov. No after-hours messages — third week running."; got != want {
		t.Errorf("Text = %q; want %q", got, want)
	}
	var stop *slack.ButtonBlockElement
	for _, b := range m.Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == ActionStop {
					stop = btn
				}
			}
		}
	}
	if stop == nil {
		t.Fatal("no Stop button")
	}
	if id, kind, err := ParseButtonValue(stop.Value); err != nil || id != "d-2026-11-16-UMGR" || kind != people.KindDigest {
		t.Errorf("Stop button value %q parses as %q, %q, %v", stop.Value, id, kind, err)
	}
}

func TestRenderDigest_NoPollButtonWithANorm(t *testing.T) {
	v := digestGoldenView(t)
	v.PollButton = false
	v.Report.Norm = "Mon-Fri 08:00-16:00"
	b, _ := json.Marshal(RenderDigest(v))
	if strings.Contains(string(b), ActionAskTeam) {
		t.Error("the poll button is shown to a team with a norm")
	}
	if !strings.Contains(string(b), "`Mon-Fri 08:00-16:00` agreed with your team") {
		t.Errorf("the norm is not shown:\n%s", b)
	}
}

func TestRenderDigest_WorstCaseStaysWithinLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("&", n) }
	e := Entry{
		ID: "weekly_digest/" + strings.Repeat("a", MaxIDLen-14), Pattern: people.KindDigest,
		Lead: long(MaxLeadLen), Body: long(MaxBodyLen), Try: long(MaxTryLen),
		Fact: strings.Repeat("<&>", MaxFactLen/3), Source: long(MaxSourceLen),
	}
	for _, r := range digestReports(t) {
		r.Norm = strings.Repeat("<`&>", 500)
		blockkittest.CheckMessage(t, blockkittest.Marshal(t, RenderDigest(DigestView{Entry: e, DigestID: strings.Repeat("d", 255), Report: r, PollButton: true})))
	}
}

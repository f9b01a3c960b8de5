package replay

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/people"
)

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a moment in the week of Monday 16 November 2026, Berlin time:
// day 0 is Monday.
func at(day, h, m int) time.Time { return time.Date(2026, 11, 16+day, h, m, 0, 0, berlin) }

const (
	boss  activity.UserID    = "UBOSS"
	ann   activity.UserID    = "UANN"
	ben   activity.UserID    = "UBEN"
	other activity.UserID    = "UOTHER"
	gen   activity.ChannelID = "CGEN"
	side  activity.ChannelID = "CSIDE"
)

// msg builds a message; opts adjust it.
func msg(user activity.UserID, ch activity.ChannelID, t time.Time, opts ...func(*export.Message)) export.Message {
	m := export.Message{Observation: activity.Observation{
		Team: "T1", Channel: ch, Kind: activity.KindPublic, User: user, TS: activity.TSFromTime(t),
	}}
	for _, o := range opts {
		o(&m)
	}
	return m
}

func mentions(us ...activity.UserID) func(*export.Message) {
	return func(m *export.Message) { m.Mentions = us }
}

func inThread(parent time.Time, parentUser activity.UserID) func(*export.Message) {
	return func(m *export.Message) {
		m.ThreadTS, m.ParentUser = activity.TSFromTime(parent), parentUser
	}
}

func reactedBy(us ...activity.UserID) func(*export.Message) {
	return func(m *export.Message) { m.Reactors = us }
}

func bot(m *export.Message)    { m.IsBot = true }
func system(m *export.Message) { m.System = true }

// replayOf runs msgs through an Analyzer for a Berlin team: boss manages
// ann and ben; all three and other are in #gen, only boss and ann in
// #side.
func replayOf(t *testing.T, msgs ...export.Message) ManagerReport {
	t.Helper()
	return replayWith(t, Options{}, msgs...)
}

func replayWith(t *testing.T, opts Options, msgs ...export.Message) ManagerReport {
	t.Helper()
	users := []export.User{
		{ID: boss, Name: "boss", TZ: "Europe/Berlin"},
		{ID: ann, Name: "ann", TZ: "Europe/Berlin"},
		{ID: ben, Name: "ben", TZ: "Europe/Berlin"},
		{ID: other, Name: "other", TZ: "America/New_York"},
	}
	convs := []export.Conversation{
		{ID: gen, Name: "gen", Kind: activity.KindPublic, Members: []activity.UserID{boss, ann, ben, other}},
		{ID: side, Name: "side", Kind: activity.KindPublic, Members: []activity.UserID{boss, ann}},
	}
	a := New("T1", users, convs, []Team{{Manager: boss, Members: []activity.UserID{ann, ben}}}, opts)
	for i := range msgs {
		a.Message(&msgs[i])
	}
	r := a.Finish()
	if r.MessagesRead != len(msgs) {
		t.Errorf("MessagesRead = %d; want %d", r.MessagesRead, len(msgs))
	}
	if len(r.Managers) != 1 {
		t.Fatalf("%d managers in the report; want 1", len(r.Managers))
	}
	return r.Managers[0]
}

func nudgeKinds(m ManagerReport) string {
	var out []string
	for _, n := range m.Nudges {
		out = append(out, n.Kind+"@"+n.At.In(berlin).Format("Mon 15:04"))
	}
	return strings.Join(out, " ")
}

func TestAnalyzer_AfterHours(t *testing.T) {
	tests := []struct {
		name       string
		msgs       []export.Message
		afterHours int
		nudges     string
	}{
		{"inside hours", []export.Message{msg(boss, gen, at(1, 10, 0))}, 0, ""},
		{"within the grace before the day starts", []export.Message{msg(boss, gen, at(1, 8, 40))}, 0, ""},
		{"late evening", []export.Message{msg(boss, gen, at(1, 22, 0))}, 1, "after_hours@Tue 22:00"},
		{"a second one the same night is counted, not nudged (cooldown)",
			[]export.Message{msg(boss, gen, at(1, 22, 0)), msg(boss, side, at(1, 23, 0))}, 2, "after_hours@Tue 22:00"},
		{"the next night nudges again", []export.Message{msg(boss, gen, at(1, 22, 0)), msg(boss, gen, at(2, 22, 30))}, 2,
			"after_hours@Tue 22:00 after_hours@Wed 22:30"},
		{"a member started it a few minutes before",
			[]export.Message{msg(ann, side, at(1, 22, 0)), msg(boss, side, at(1, 22, 10))}, 0, ""},
		{"a member's message an hour before does not excuse it",
			[]export.Message{msg(ann, side, at(1, 21, 0)), msg(boss, side, at(1, 22, 10))}, 1, "after_hours@Tue 22:10"},
		{"only a member in #gen started it; ben is still reached",
			[]export.Message{msg(ann, gen, at(1, 22, 0)), msg(boss, gen, at(1, 22, 10))}, 1, "after_hours@Tue 22:10"},
		{"a channel without the team", []export.Message{msg(boss, "CELSE", at(1, 22, 0))}, 0, ""},
		{"a mention reaches a member anywhere", []export.Message{msg(boss, "CELSE", at(1, 22, 0), mentions(ben))}, 1, "after_hours@Tue 22:00"},
		{"bots and system messages never count",
			[]export.Message{msg(boss, gen, at(1, 22, 0), bot), msg(boss, gen, at(1, 22, 1), system)}, 0, ""},
		{"someone else's late message is not the manager's", []export.Message{msg(other, gen, at(1, 22, 0))}, 0, ""},
		{"weekend", []export.Message{msg(boss, gen, at(5, 11, 0))}, 1, "after_hours@Sat 11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := replayOf(t, tt.msgs...)
			if m.AfterHoursMessages != tt.afterHours {
				t.Errorf("AfterHoursMessages = %d; want %d", m.AfterHoursMessages, tt.afterHours)
			}
			if got := nudgeKinds(m); got != tt.nudges {
				t.Errorf("nudges = %q; want %q", got, tt.nudges)
			}
		})
	}
}

func TestAnalyzer_Requests(t *testing.T) {
	ask := at(0, 10, 0) // Monday 10:00
	tests := []struct {
		name                                   string
		msgs                                   []export.Message
		requests, slow, unanswered, byReaction int
		reply                                  []float64
		nudges                                 string
	}{
		{"answered in the thread half an hour later",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(boss, gen, at(0, 10, 30), inThread(ask, ann))},
			1, 0, 0, 0, []float64{30}, ""},
		{"a top-level mention is answered at the top level too",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(boss, gen, at(0, 11, 0))},
			1, 0, 0, 0, []float64{60}, ""},
		{"an answer in another channel does not count",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(boss, side, at(0, 11, 0))},
			1, 0, 1, 0, nil, ""},
		{"a reply in the manager's thread is a request, answered in that thread only",
			[]export.Message{
				msg(boss, gen, at(0, 9, 30)),
				msg(ann, gen, ask, inThread(at(0, 9, 30), boss)),
				msg(boss, gen, at(0, 10, 5)), // top level: not the thread
				msg(boss, gen, at(0, 10, 20), inThread(at(0, 9, 30), boss)),
			},
			1, 0, 0, 0, []float64{20}, ""},
		{"answered the next working day is slow, and the sweep nudged first",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(boss, gen, at(1, 11, 0), inThread(ask, ann))},
			1, 1, 0, 0, []float64{600}, "slow_reply@Tue 09:05"},
		{"answered just in time",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(boss, gen, at(1, 9, 0), inThread(ask, ann))},
			1, 0, 0, 0, []float64{480}, ""},
		{"a reaction answers it, with no reply time",
			[]export.Message{msg(ann, gen, ask, mentions(boss), reactedBy(ben, boss))},
			1, 0, 0, 1, nil, ""},
		{"someone else's reaction does not",
			[]export.Message{msg(ann, gen, ask, mentions(boss), reactedBy(ben)), msg(other, gen, at(0, 12, 0))},
			1, 0, 1, 0, nil, ""},
		{"unanswered at the end but not yet a working day",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(other, gen, at(0, 17, 0))},
			1, 0, 1, 0, nil, ""},
		{"unanswered past a working day by the end",
			[]export.Message{msg(ann, gen, ask, mentions(boss)), msg(other, gen, at(2, 12, 0))},
			1, 1, 1, 0, nil, "slow_reply@Tue 09:05"},
		{"a Friday afternoon request is slow on Monday afternoon, not over the weekend",
			[]export.Message{msg(ann, gen, at(4, 17, 0), mentions(boss)), msg(other, gen, at(7, 17, 0))},
			1, 1, 1, 0, nil, "slow_reply@Mon 16:05"},
		{"someone not on the team asks: not a request",
			[]export.Message{msg(other, gen, ask, mentions(boss))},
			0, 0, 0, 0, nil, ""},
		{"the manager's own mention of themselves is not a request",
			[]export.Message{msg(boss, gen, ask, mentions(boss))},
			0, 0, 0, 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := replayOf(t, tt.msgs...)
			if m.Requests != tt.requests || m.SlowRequests != tt.slow || m.Unanswered != tt.unanswered || m.AnsweredByReaction != tt.byReaction {
				t.Errorf("requests/slow/unanswered/by reaction = %d/%d/%d/%d; want %d/%d/%d/%d",
					m.Requests, m.SlowRequests, m.Unanswered, m.AnsweredByReaction, tt.requests, tt.slow, tt.unanswered, tt.byReaction)
			}
			if !slices.Equal(m.ReplyMinutes, tt.reply) {
				t.Errorf("ReplyMinutes = %v; want %v", m.ReplyMinutes, tt.reply)
			}
			if got := nudgeKinds(m); got != tt.nudges {
				t.Errorf("nudges = %q; want %q", got, tt.nudges)
			}
		})
	}
}

// A manager who never answers gets one slow-reply nudge per cooldown, and
// never more than the weekly cap of all nudges together.
func TestAnalyzer_SlowReplyNudgesRespectCooldownAndCap(t *testing.T) {
	var msgs []export.Message
	for day := 0; day < 14; day++ {
		if wd := at(day, 0, 0).Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		msgs = append(msgs, msg(ann, gen, at(day, 10, 0), mentions(boss)))
		msgs = append(msgs, msg(boss, "CELSE", at(day, 23, 0), mentions(ben))) // after hours, every night
	}
	msgs = append(msgs, msg(other, gen, at(14, 12, 0)))
	m := replayOf(t, msgs...)
	if m.Requests != 10 || m.Unanswered != 10 {
		t.Errorf("requests %d, unanswered %d; want 10, 10", m.Requests, m.Unanswered)
	}
	if m.AfterHoursMessages != 10 {
		t.Errorf("AfterHoursMessages = %d; want 10", m.AfterHoursMessages)
	}
	last := map[string]time.Time{}
	for i, n := range m.Nudges {
		cd := 24 * time.Hour
		if n.Kind == people.KindSlowReply {
			cd = 48 * time.Hour
		}
		if p, ok := last[n.Kind]; ok && n.At.Sub(p) < cd {
			t.Errorf("%s nudge at %s only %s after the last", n.Kind, n.At.In(berlin), n.At.Sub(p))
		}
		last[n.Kind] = n.At
		inWeek := 0
		for _, p := range m.Nudges[:i+1] {
			if n.At.Sub(p.At) < 7*24*time.Hour {
				inWeek++
			}
		}
		if inWeek > 5 {
			t.Errorf("nudge %d at %s is the %dth in 7 days; the cap is 5", i, n.At.In(berlin), inWeek)
		}
	}
	if len(m.Nudges) < 6 {
		t.Errorf("only %d nudges over two weeks of nightly messages and waiting requests: %s", len(m.Nudges), nudgeKinds(m))
	}
}

func TestAnalyzer_HeatmapInTheManagersZone(t *testing.T) {
	m := replayOf(t, msg(boss, gen, at(1, 22, 15)), msg(boss, gen, at(1, 10, 0)), msg(boss, gen, at(6, 9, 0)))
	if m.Messages[1][22] != 1 || m.Messages[1][10] != 1 || m.Messages[6][9] != 1 {
		t.Errorf("Messages heatmap: Tue 22 = %d, Tue 10 = %d, Sun 9 = %d; want 1 each", m.Messages[1][22], m.Messages[1][10], m.Messages[6][9])
	}
	if m.AfterHours[1][22] != 1 || m.AfterHours[1][10] != 0 || m.AfterHours[6][9] != 1 {
		t.Errorf("AfterHours heatmap wrong: %v", m.AfterHours)
	}
	if m.TeamInHours[0][10] != 1 || m.TeamInHours[0][20] != 0 || m.TeamInHours[5][10] != 0 {
		t.Errorf("TeamInHours: Mon 10 = %v, Mon 20 = %v, Sat 10 = %v; want 1, 0, 0", m.TeamInHours[0][10], m.TeamInHours[0][20], m.TeamInHours[5][10])
	}
}

func TestMedianReplyMinutes(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{5}, 5, true},
		{[]float64{5, 10}, 7.5, true},
		{[]float64{1, 2, 30}, 2, true},
	}
	for _, tt := range tests {
		got, ok := ManagerReport{ReplyMinutes: tt.in}.MedianReplyMinutes()
		if got != tt.want || ok != tt.ok {
			t.Errorf("median of %v = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// The live bot never sees a direct message between two people, so replay
// leaves them out unless asked; they still count as read.
func TestAnalyzer_DirectMessagesOnlyWhenAsked(t *testing.T) {
	dm := func(m *export.Message) { m.Channel, m.Kind = "DANN", activity.KindIM }
	msgs := []export.Message{
		msg(boss, "DANN", at(1, 22, 0), dm, mentions(ann)),
		msg(ann, "DANN", at(2, 10, 0), dm, mentions(boss)),
	}
	m := replayWith(t, Options{}, msgs...)
	if m.AfterHoursMessages != 0 || m.Requests != 0 {
		t.Errorf("by default: after-hours %d, requests %d; want DMs left out", m.AfterHoursMessages, m.Requests)
	}
	m = replayWith(t, Options{IncludeDMs: true}, msgs...)
	if m.AfterHoursMessages != 1 || m.Requests != 1 {
		t.Errorf("with IncludeDMs: after-hours %d, requests %d; want 1 and 1", m.AfterHoursMessages, m.Requests)
	}
}

func TestWriteText_SaysWhetherDMsWereJudged(t *testing.T) {
	for _, include := range []bool{false, true} {
		var b strings.Builder
		if err := WriteText(&b, Report{IncludeDMs: include, Hours: "Mon-Fri 09:00-18:00"}); err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: "Direct messages between two people are left out", true: "Direct messages between two people are judged too"}[include]
		if !strings.Contains(b.String(), want) {
			t.Errorf("IncludeDMs %v: text lacks %q:\n%s", include, want, b.String())
		}
	}
}

package digest

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSparkline(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		want   string
	}{
		{"no weeks", nil, ""},
		{"all zero", []int{0, 0, 0, 0, 0}, "▁▁▁▁▁"},
		{"all equal", []int{4, 4, 4}, "███"},
		{"one spike", []int{0, 0, 9, 0, 0}, "▁▁█▁▁"},
		{"rising", []int{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{"small count is never the zero bar", []int{1, 100}, "▂█"},
		{"single week", []int{3}, "█"},
		{"negative reads as zero", []int{-2, 2}, "▁█"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sparkline(tt.counts); got != tt.want {
				t.Errorf("Sparkline(%v) = %q; want %q", tt.counts, got, tt.want)
			}
		})
	}
}

func TestStreakLine(t *testing.T) {
	tests := []struct {
		n       int
		partial bool
		want    string
	}{
		{0, false, ""},
		{-1, false, ""},
		{1, false, "No after-hours messages this week."},
		{2, false, "No after-hours messages — second week running."},
		{3, false, "No after-hours messages — third week running."},
		{10, false, "No after-hours messages — tenth week running."},
		{11, false, "No after-hours messages — 11 weeks running."},
		{26, false, "No after-hours messages — 26 weeks running."},
		{1, true, "No after-hours messages so far this week."},
		{3, true, "No after-hours messages so far this week — on course for a third week running."},
		{12, true, "No after-hours messages so far this week — on course for 12 weeks running."},
	}
	for _, tt := range tests {
		if got := StreakLine(tt.n, tt.partial); got != tt.want {
			t.Errorf("StreakLine(%d, %v) = %q; want %q", tt.n, tt.partial, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []int
		want float64
		ok   bool
	}{
		{"none", nil, 0, false},
		{"one", []int{42}, 42, true},
		{"odd, unsorted", []int{300, 60, 120}, 120, true},
		{"even: mean of the middle two", []int{60, 600, 120, 90}, 105, true},
		{"even, all equal", []int{5, 5}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			got, ok := Median(tt.xs)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Median(%v) = %v, %v; want %v, %v", tt.xs, got, ok, tt.want, tt.ok)
			}
			if !slices.Equal(in, tt.xs) {
				t.Errorf("Median changed its input to %v", tt.xs)
			}
		})
	}
}

func TestStats_AddCountsAndCapsSamples(t *testing.T) {
	var s Stats
	for _, e := range []Event{{Kind: AfterHours}, {Kind: Request}, {Kind: Request}, {Kind: Nudge}, {Kind: Answer, WorkingMinutes: 1.5}, {Kind: Answer, WorkingMinutes: math.NaN()}, {Kind: Answer, WorkingMinutes: -3}} {
		s.Add(e)
	}
	if s.AfterHours != 1 || s.Requests != 2 || s.Nudges != 1 || s.Answered != 3 || !slices.Equal(s.ReplySeconds, []int{90, 0, 0}) {
		t.Errorf("Stats = %+v", s)
	}
	for range MaxSamples + 10 {
		s.Add(Event{Kind: Answer, WorkingMinutes: 1})
	}
	if len(s.ReplySeconds) != MaxSamples || s.Answered != 3+MaxSamples+10 {
		t.Errorf("%d samples for %d answers; want the samples capped at %d and every answer counted", len(s.ReplySeconds), s.Answered, MaxSamples)
	}
}

func TestWorkingTime(t *testing.T) {
	for _, tt := range []struct {
		sec  float64
		want string
	}{
		{0, "under a working minute"},
		{29, "under a working minute"},
		{60, "1 working minute"},
		{45 * 60, "45 working minutes"},
		{60 * 60, "1 working hour"},
		{130 * 60, "2 working hours 10 min"},
		{8 * 60 * 60, "1 working day"},
		{(8*60 + 190) * 60, "1 working day 3 h"},
		{3 * 8 * 60 * 60, "3 working days"},
		{math.NaN(), "under a working minute"},
	} {
		if got := WorkingTime(tt.sec); got != tt.want {
			t.Errorf("WorkingTime(%v) = %q; want %q", tt.sec, got, tt.want)
		}
	}
}

// weeks builds stats with the given after-hours counts for consecutive
// weeks ending with last.
func weeks(last Week, afterHours ...int) []Stats {
	var out []Stats
	for i, n := range afterHours {
		out = append(out, Stats{Week: last.Add(i - len(afterHours) + 1), AfterHours: n})
	}
	return out
}

func TestCompose_TrendStreakAndKnownWeeks(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	w := Week{2026, time.November, 16}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	tests := []struct {
		name      string
		stats     []Stats
		optedIn   time.Time
		trend     []int
		streak    int
		sparkline string
	}{
		{"five weeks", weeks(w, 4, 7, 3, 0, 2), time.Time{}, []int{4, 7, 3, 0, 2}, 0, "▅█▄▁▃"},
		{"third clear week", weeks(w, 5, 2, 0, 0, 0), time.Time{}, []int{5, 2, 0, 0, 0}, 3, "█▄▁▁▁"},
		{"missing weeks counted nothing", weeks(w, 3)[0:1], time.Time{}, []int{0, 0, 0, 0, 3}, 0, "▁▁▁▁█"},
		{"the streak reaches back past the trend", weeks(w, 1, 0, 0, 0, 0, 0, 0, 0), time.Time{}, []int{0, 0, 0, 0, 0}, 7, "▁▁▁▁▁"},
		{"weeks before the opt-in are unknown, not zero", weeks(w, 0, 0), time.Date(2026, 11, 11, 15, 0, 0, 0, berlin), []int{0, 0}, 2, "▁▁"},
		{"a week opted in on Thursday afternoon is unknown", weeks(w, 0, 0), time.Date(2026, 11, 12, 15, 0, 0, 0, berlin), []int{0}, 1, "▁"},
		{"a week ending at the opt-in is unknown", nil, time.Date(2026, 11, 16, 0, 0, 0, 0, berlin), []int{0}, 1, "▁"},
		{"the week reported on counts even if opted in late in it", nil, time.Date(2026, 11, 22, 22, 0, 0, 0, berlin), []int{0}, 1, "▁"},
		{"the streak stops at the kept weeks", nil, time.Time{}, []int{0, 0, 0, 0, 0}, KeepWeeks, "▁▁▁▁▁"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compose(Input{Week: w, Now: now, Loc: berlin, OptedIn: tt.optedIn, Stats: tt.stats})
			var got []int
			for _, p := range r.Trend {
				got = append(got, p.AfterHours)
			}
			if !slices.Equal(got, tt.trend) {
				t.Errorf("trend = %v; want %v", got, tt.trend)
			}
			if r.Streak != tt.streak {
				t.Errorf("streak = %d; want %d", r.Streak, tt.streak)
			}
			if len(r.Trend) > 0 && r.Trend[len(r.Trend)-1].Week != w {
				t.Errorf("trend ends with %s; want the week reported on, %s", r.Trend[len(r.Trend)-1].Week, w)
			}
			if len(tt.trend) >= 2 {
				if l := r.TrendLine(); l.Code != tt.sparkline {
					t.Errorf("sparkline = %q; want %q", l.Code, tt.sparkline)
				}
			}
		})
	}
}

func TestReport_Wording(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	w := Week{2026, time.November, 16}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	prev := Stats{Week: w.Add(-1), AfterHours: 3, Requests: 4, Answered: 4, ReplySeconds: []int{3600, 4800, 6000, 7200}}
	this := Stats{Week: w, AfterHours: 0, Requests: 7, Answered: 3, Nudges: 2, ReplySeconds: []int{45 * 60, 30 * 60, 90 * 60}}
	r := Compose(Input{Week: w, Now: now, Loc: berlin, Stats: []Stats{prev, this}, Waiting: 2, Slow: 1, Norm: "Mon-Fri 09:00-17:00"})

	if got, want := r.Title(), "Your week with the team: Mon 16 – Sun 22 Nov"; got != want {
		t.Errorf("Title = %q; want %q", got, want)
	}
	if intro := r.Intro(); !strings.Contains(intro, "the week that just ended, Monday 16 to Sunday 22 November") || !strings.Contains(intro, "“this week” below means that week") {
		t.Errorf("Intro doesn't say which week: %q", intro)
	}
	wantGood := []string{
		"No after-hours messages this week.",
		"Your median reply time improved: 45 working minutes, down from 1 working hour 30 min the week before.",
	}
	if got := r.GoodNews(); !slices.Equal(got, wantGood) {
		t.Errorf("GoodNews = %q; want %q", got, wantGood)
	}
	var text []string
	for _, l := range r.Lines() {
		text = append(text, l.Label+": "+l.Code+" "+l.Text)
	}
	for _, want := range []string{
		"After hours:  none of your messages reached your team outside their working hours this week (3 the week before).",
		"Last 5 weeks: ▁▁▁█▁ 0 → 0 → 0 → 3 → 0 after-hours messages, from the week of 19 Oct to this week.",
		"Requests from your team:  7 this week; you answered 3, with a median reply time of 45 working minutes.",
		"Waiting now:  2 requests from your team, 1 of them for more than a working day.",
		"Team norm: Mon-Fri 09:00-17:00 agreed with your team; your nudges follow these hours.",
		"Nudges:  trustnudge nudged you twice this week.",
	} {
		if !slices.Contains(text, want) {
			t.Errorf("Lines lack %q:\n%s", want, strings.Join(text, "\n"))
		}
	}

	// A slower week says the week before's median next to this one's, and
	// no good news about it.
	slower := Compose(Input{Week: w, Now: now, Loc: berlin, Stats: []Stats{
		{Week: w.Add(-1), Answered: 1, ReplySeconds: []int{600}},
		{Week: w, AfterHours: 2, Requests: 1, Answered: 1, ReplySeconds: []int{1200}},
	}})
	if g := slower.GoodNews(); len(g) != 0 {
		t.Errorf("GoodNews of a slower week with after-hours messages = %q", g)
	}
	if l := slower.RequestsLine(); !strings.Contains(l.Text, "20 working minutes (10 working minutes the week before)") {
		t.Errorf("RequestsLine = %q", l.Text)
	}
	if l := slower.AfterHoursLine(); !strings.HasPrefix(l.Text, "2 of your messages reached") {
		t.Errorf("AfterHoursLine = %q", l.Text)
	}
	if l := slower.WaitingLine(); l.Text != "nothing; every request from your team has an answer." {
		t.Errorf("WaitingLine = %q", l.Text)
	}
	if l := slower.NormLine(); l.Code != "" || !strings.HasPrefix(l.Text, "none agreed yet") {
		t.Errorf("NormLine without a norm = %+v", l)
	}
}

func TestReport_PartialWeekSaysSoFar(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	w := Week{2026, time.November, 23}
	now := time.Date(2026, 11, 25, 14, 5, 0, 0, berlin)
	optedIn := w.Add(-2).Start(berlin).Add(-time.Hour) // on the Sunday before the first of three weeks
	r := Compose(Input{Week: w, Partial: true, Now: now, Loc: berlin, OptedIn: optedIn, Stats: weeks(w, 0, 0, 0)})
	if got, want := r.Title(), "Your week so far: since Mon 23 Nov"; got != want {
		t.Errorf("Title = %q; want %q", got, want)
	}
	if intro := r.Intro(); !strings.Contains(intro, "from Monday 23 November to now (Wednesday 25 November 14:05, your time)") || !strings.Contains(intro, "doesn't replace Monday's digest") {
		t.Errorf("Intro = %q", intro)
	}
	if g := r.GoodNews(); len(g) != 1 || g[0] != "No after-hours messages so far this week — on course for a third week running." {
		t.Errorf("GoodNews = %q", g)
	}
	if l := r.AfterHoursLine(); !strings.Contains(l.Text, "so far this week") {
		t.Errorf("AfterHoursLine = %q", l.Text)
	}
}

func TestVariant_RotatesWeekByWeekPerManager(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	w := Week{2026, time.November, 16}
	if Variant(nil, "U1", w) != "" {
		t.Error("Variant of no ids is not empty")
	}
	seen := map[string]bool{}
	for i := range len(ids) {
		v := Variant(ids, "U1", w.Add(i))
		if v == Variant(ids, "U1", w.Add(i+1)) {
			t.Errorf("weeks %d and %d use the same variant %q", i, i+1, v)
		}
		if v != Variant(ids, "U1", w.Add(i)) {
			t.Error("Variant is not deterministic")
		}
		seen[v] = true
	}
	if len(seen) != len(ids) {
		t.Errorf("%d weeks in a row used only %v", len(ids), seen)
	}
	differ := false
	for _, m := range []string{"U2", "U3", "U4", "U5", "U6"} {
		differ = differ || Variant(ids, m, w) != Variant(ids, "U1", w)
	}
	if !differ {
		t.Error("every manager starts with the same variant")
	}
}

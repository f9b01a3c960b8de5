package digest

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Input is what a digest is composed from.
type Input struct {
	// Week is the week reported on. A scheduled digest reports on the week
	// that just ended; an on-demand one on the week so far (Partial).
	Week    Week
	Partial bool
	// Now is when the digest is composed, Loc the manager's time zone.
	Now time.Time
	Loc *time.Location
	// OptedIn is when the manager opted in: earlier weeks in which they
	// were not opted in for most of the week (see Counted) have no numbers,
	// rather than zeros. Zero means all kept weeks count. The week reported
	// on always counts.
	OptedIn time.Time
	// Stats are the manager's kept weeks, in any order; a kept week
	// without an entry counted nothing.
	Stats []Stats
	// Waiting is how many requests wait for the manager now, Slow how many
	// of them have waited more than a working day.
	Waiting, Slow int
	// Norm is the hours the team adopted from a poll, "" if none.
	Norm string
}

// Point is one week of the trend.
type Point struct {
	Week       Week
	AfterHours int
}

// Report is a composed digest: numbers decided, ready to be worded.
type Report struct {
	Week    Week
	Partial bool
	Now     time.Time
	Loc     *time.Location
	// This is the week reported on; Prev the week before, when known.
	This    Stats
	Prev    Stats
	HasPrev bool
	// Trend is after-hours messages in the week reported on and up to
	// TrendWeeks-1 weeks before it, oldest first, known weeks only.
	Trend []Point
	// Streak is how many known weeks in a row, ending with the week
	// reported on, had no after-hours messages (0 if it had some).
	Streak        int
	Waiting, Slow int
	Norm          string
}

// Compose decides the numbers of a digest.
func Compose(in Input) Report {
	if in.Loc == nil {
		in.Loc = time.UTC
	}
	byWeek := make(map[Week]Stats, len(in.Stats))
	for _, s := range in.Stats {
		if _, dup := byWeek[s.Week]; !dup {
			byWeek[s.Week] = s
		}
	}
	oldest := in.Week.Add(-(KeepWeeks - 1))
	known := func(w Week) bool {
		switch {
		case w == in.Week:
			return true
		case w.Before(oldest) || in.Week.Before(w):
			return false
		}
		return Counted(w, in.Loc, in.OptedIn)
	}
	r := Report{
		Week: in.Week, Partial: in.Partial, Now: in.Now, Loc: in.Loc,
		Waiting: max(in.Waiting, 0), Slow: min(max(in.Slow, 0), max(in.Waiting, 0)),
		Norm: in.Norm,
	}
	r.This = byWeek[in.Week]
	r.This.Week = in.Week
	if prev := in.Week.Add(-1); known(prev) {
		r.Prev, r.HasPrev = byWeek[prev], true
		r.Prev.Week = prev
	}
	for i := TrendWeeks - 1; i >= 0; i-- {
		if w := in.Week.Add(-i); known(w) {
			r.Trend = append(r.Trend, Point{Week: w, AfterHours: byWeek[w].AfterHours})
		}
	}
	for w := in.Week; known(w) && byWeek[w].AfterHours == 0; w = w.Add(-1) {
		r.Streak++
	}
	return r
}

// Counted reports whether week w has numbers worth showing for a manager
// who opted in at optedIn (zero: always): they were opted in for most of
// it, by Thursday noon. Weeks before are unknown rather than zero, so a
// streak or trend never rests on an hour of counting.
func Counted(w Week, loc *time.Location, optedIn time.Time) bool {
	if optedIn.IsZero() {
		return true
	}
	mid := w.Start(loc).AddDate(0, 0, 3).Add(12 * time.Hour)
	return optedIn.Before(mid)
}

// sparks are the eight levels of a sparkline, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws counts as one bar each, scaled from zero (the lowest
// bar) to the largest count (the highest), so bars compare as counts do:
// all zeros are all lowest, equal counts are equal bars, and any count
// above zero is at least the second bar. Negative counts are read as zero.
func Sparkline(counts []int) string {
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	var b strings.Builder
	for _, c := range counts {
		level := 0
		if c > 0 && top > 0 {
			level = max(1, int(math.Round(float64(c)/float64(top)*float64(len(sparks)-1))))
		}
		b.WriteRune(sparks[level])
	}
	return b.String()
}

// ordinals name the second to the tenth week of a streak.
var ordinals = []string{2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth"}

// Running says how long a streak has run: "second week running" … "tenth
// week running", then "11 weeks running". It is "" for less than two weeks.
func Running(n int) string {
	switch {
	case n < 2:
		return ""
	case n < len(ordinals):
		return ordinals[n] + " week running"
	}
	return fmt.Sprintf("%d weeks running", n)
}

// StreakLine says out loud that a week had no after-hours messages: "No
// after-hours messages this week.", "No after-hours messages — third week
// running.", or, for a week still running, "No after-hours messages so far
// this week — on course for a third week running." It is "" when the
// streak is zero.
func StreakLine(streak int, partial bool) string {
	switch {
	case streak <= 0:
		return ""
	case partial && streak == 1:
		return "No after-hours messages so far this week."
	case partial:
		run := Running(streak)
		if strings.HasSuffix(run, "weeks running") {
			return "No after-hours messages so far this week — on course for " + run + "."
		}
		return "No after-hours messages so far this week — on course for a " + run + "."
	case streak == 1:
		return "No after-hours messages this week."
	}
	return "No after-hours messages — " + Running(streak) + "."
}

// WorkingTime says a reply time in working time, rounded to the minute: "under a
// working minute", "45 working minutes", "2 working hours 10 min", "1
// working day 3 h" (a working day is 8 working hours).
func WorkingTime(seconds float64) string {
	if math.IsNaN(seconds) || seconds < 30 {
		return "under a working minute"
	}
	m := int(math.Round(min(seconds, 1e12) / 60))
	days, hours, mins := m/(8*60), m%(8*60)/60, m%60
	switch {
	case days > 0:
		s := count(days, "working day", "working days")
		if hours > 0 {
			s += fmt.Sprintf(" %d h", hours)
		}
		return s
	case hours > 0:
		s := count(hours, "working hour", "working hours")
		if mins > 0 {
			s += fmt.Sprintf(" %d min", mins)
		}
		return s
	}
	return count(mins, "working minute", "working minutes")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Improved reports whether the median reply time of the week reported on
// is shorter, to the minute, than the week before's, with both medians.
func (r Report) Improved() (now, before float64, ok bool) {
	now, okNow := r.This.Median()
	before, okBefore := r.Prev.Median()
	if !okNow || !okBefore || !r.HasPrev {
		return 0, 0, false
	}
	return now, before, math.Round(now/60) < math.Round(before/60)
}

// thisWeek is how the text refers to the week reported on.
func (r Report) thisWeek() string {
	if r.Partial {
		return "so far this week"
	}
	return "this week"
}

// Title is the digest's heading: "Your week with the team: Mon 16 – Sun
// 22 Nov", or "Your week so far: since Mon 23 Nov".
func (r Report) Title() string {
	if r.Partial {
		return "Your week so far: since " + r.Week.Start(nil).Add(12*time.Hour).Format("Mon 2 Jan")
	}
	return "Your week with the team: " + r.Week.Span()
}

// Intro says which week the digest is about, in words that leave no doubt.
func (r Report) Intro() string {
	mon := r.Week.Start(nil).Add(12 * time.Hour)
	if r.Partial {
		now := r.Now.In(r.Loc)
		return fmt.Sprintf("Here is this week so far, from Monday %s to now (%s, your time). "+
			"You asked for it, so it doesn't replace Monday's digest. Only you see this.",
			mon.Format("2 January"), now.Format("Monday 2 January 15:04"))
	}
	sun := mon.AddDate(0, 0, 6)
	span := "Monday " + mon.Format("2") + " to Sunday " + sun.Format("2 January")
	switch {
	case mon.Year() != sun.Year():
		span = "Monday " + mon.Format("2 January 2006") + " to Sunday " + sun.Format("2 January 2006")
	case mon.Month() != sun.Month():
		span = "Monday " + mon.Format("2 January") + " to Sunday " + sun.Format("2 January")
	}
	return "Here is the week that just ended, " + span + " in your time zone; “this week” below means that week. Only you see this."
}

// GoodNews are the lines worth saying out loud: a week without after-hours
// messages (and how long that has lasted), and a better median reply time.
func (r Report) GoodNews() []string {
	var out []string
	if s := StreakLine(r.Streak, r.Partial); s != "" {
		out = append(out, s)
	}
	if now, before, ok := r.Improved(); ok {
		out = append(out, fmt.Sprintf("Your median reply time improved: %s, down from %s the week before.", WorkingTime(now), WorkingTime(before)))
	}
	return out
}

// Line is one labelled line of the digest: "Label: `Code` Text", where
// Code (a sparkline, an hours spec) is shown as code when not empty.
type Line struct {
	Label, Code, Text string
}

// Lines are the digest's numbers, one line each: after-hours messages,
// their trend, requests and reply times, what waits now, the team norm,
// and the nudges sent.
func (r Report) Lines() []Line {
	lines := []Line{r.AfterHoursLine()}
	if len(r.Trend) >= 2 {
		lines = append(lines, r.TrendLine())
	}
	lines = append(lines, r.RequestsLine(), r.WaitingLine(), r.NormLine())
	if n := r.This.Nudges; n > 0 {
		lines = append(lines, Line{Label: "Nudges", Text: fmt.Sprintf("trustnudge nudged you %s %s.", times(n), r.thisWeek())})
	}
	return lines
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// AfterHoursLine counts the week's after-hours messages.
func (r Report) AfterHoursLine() Line {
	n := r.This.AfterHours
	text := fmt.Sprintf("%d of your messages reached someone on your team outside their working hours %s", n, r.thisWeek())
	switch n {
	case 0:
		text = "none of your messages reached your team outside their working hours " + r.thisWeek()
	case 1:
		text = "1 message of yours reached someone on your team outside their working hours " + r.thisWeek()
	}
	if r.HasPrev {
		text += fmt.Sprintf(" (%d the week before)", r.Prev.AfterHours)
	}
	return Line{Label: "After hours", Text: text + "."}
}

// TrendLine shows the after-hours trend: a sparkline and the counts, oldest
// first, ending with the week reported on.
func (r Report) TrendLine() Line {
	counts := make([]int, len(r.Trend))
	nums := make([]string, len(r.Trend))
	for i, p := range r.Trend {
		counts[i] = p.AfterHours
		nums[i] = fmt.Sprint(p.AfterHours)
	}
	label := fmt.Sprintf("Last %d weeks", len(r.Trend))
	if len(r.Trend) == 1 {
		label = "This week"
	}
	which := "this week"
	if r.Partial {
		which = "this week so far"
	}
	text := strings.Join(nums, " → ") + " after-hours messages"
	if len(r.Trend) > 1 {
		text += fmt.Sprintf(", from the week of %s to %s", r.Trend[0].Week.Monday(), which)
	}
	return Line{Label: label, Code: Sparkline(counts), Text: text + "."}
}

// RequestsLine counts requests from the team and says how quickly they
// were answered.
func (r Report) RequestsLine() Line {
	s := r.This
	var text string
	if s.Requests == 0 {
		text = "none " + r.thisWeek()
	} else {
		text = fmt.Sprintf("%d %s", s.Requests, r.thisWeek())
	}
	med, ok := s.Median()
	switch {
	case s.Answered == 0 && s.Requests > 0:
		text += "; none answered yet"
	case s.Answered > 0 && ok:
		text += fmt.Sprintf("; you answered %d, with a median reply time of %s", s.Answered, WorkingTime(med))
		// A better median is good news of its own (GoodNews); otherwise
		// the week before's is said here, for comparison.
		if _, _, improved := r.Improved(); !improved && r.HasPrev {
			if before, ok := r.Prev.Median(); ok {
				text += fmt.Sprintf(" (%s the week before)", WorkingTime(before))
			}
		}
	case s.Answered > 0:
		text += fmt.Sprintf("; you answered %d", s.Answered)
	}
	return Line{Label: "Requests from your team", Text: text + "."}
}

// WaitingLine says what waits for the manager now.
func (r Report) WaitingLine() Line {
	if r.Waiting == 0 {
		return Line{Label: "Waiting now", Text: "nothing; every request from your team has an answer."}
	}
	text := count(r.Waiting, "request", "requests") + " from your team"
	switch {
	case r.Slow == 0:
	case r.Slow == r.Waiting && r.Waiting == 1:
		text += ", for more than a working day"
	case r.Slow == r.Waiting:
		text += ", all for more than a working day"
	default:
		text += fmt.Sprintf(", %d of them for more than a working day", r.Slow)
	}
	return Line{Label: "Waiting now", Text: text + "."}
}

// NormLine names the team's agreed hours, or says there are none yet.
func (r Report) NormLine() Line {
	if r.Norm == "" {
		return Line{Label: "Team norm", Text: "none agreed yet. A short anonymous poll asks your team when work messages are welcome."}
	}
	return Line{Label: "Team norm", Code: r.Norm, Text: "agreed with your team; your nudges follow these hours."}
}

// Summary is a one-line plain version for notifications: the title and
// the first piece of good news, or the after-hours count.
func (r Report) Summary() string {
	if g := r.GoodNews(); len(g) > 0 {
		return r.Title() + ". " + g[0]
	}
	l := r.AfterHoursLine()
	return r.Title() + ". " + l.Label + ": " + l.Text
}

// MedianText says the median reply time of the week reported on, for the
// App Home: "45 working minutes", or "" when nothing was answered.
func (r Report) MedianText() string {
	if m, ok := r.This.Median(); ok {
		return WorkingTime(m)
	}
	return ""
}

// Variant picks the library entry a manager's digest about week uses: the
// entries take turns week by week, starting at a different one for each
// manager, so consecutive digests never repeat their words (with two or
// more entries) and restarts change nothing. It returns "" for no ids.
func Variant(ids []string, manager string, week Week) string {
	if len(ids) == 0 {
		return ""
	}
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(manager); i++ {
		h ^= uint32(manager[i])
		h *= 16777619
	}
	n := int64(len(ids))
	i := (int64(h)%n + week.days()/7%n) % n
	return ids[i]
}

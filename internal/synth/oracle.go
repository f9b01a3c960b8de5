package synth

import (
	"math"
	"time"
)

// The oracle: the rules of DESIGN.md §4 written again, simply and on their
// own, so that the generator can say what a correct detector must find. It
// deliberately shares no code with internal/detect or internal/workhours.

// Everyone's working hours: Mon–Fri 09:00–18:00 in their own time zone.
const (
	hoursStart = 9 * time.Hour
	hoursEnd   = 18 * time.Hour

	grace         = 30 * time.Minute // how far outside hours counts
	startedWindow = 30 * time.Minute // "they started it"
	slowAfter     = 480.0            // working minutes
)

func workday(d time.Weekday) bool { return d != time.Saturday && d != time.Sunday }

// window returns the working interval of the local date y-m-d (d may be out
// of range; time.Date normalises it) and whether that date is a working day.
func window(y int, m time.Month, d int, loc *time.Location) (start, end time.Time, ok bool) {
	start = time.Date(y, m, d, 9, 0, 0, 0, loc)
	if !workday(start.Weekday()) {
		return start, start, false
	}
	return start, time.Date(y, m, d, 18, 0, 0, 0, loc), true
}

// inHours reports whether t is inside the working hours [09:00, 18:00) of a
// weekday in loc.
func inHours(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	if !workday(l.Weekday()) {
		return false
	}
	h, m, s := l.Clock()
	c := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(l.Nanosecond())
	return c >= hoursStart && c < hoursEnd
}

// outsideBy is the distance from t to the nearest instant inside the
// working hours in loc: zero inside them. A weekend is never more than
// three days from a working day, so looking three days either way is
// enough.
func outsideBy(t time.Time, loc *time.Location) time.Duration {
	if inHours(t, loc) {
		return 0
	}
	y, m, d := t.In(loc).Date()
	best := time.Duration(math.MaxInt64)
	for off := -3; off <= 3; off++ {
		s, e, ok := window(y, m, d+off, loc)
		if !ok {
			continue
		}
		var dist time.Duration
		switch {
		case t.Before(s):
			dist = s.Sub(t)
		case !t.Before(e):
			dist = t.Sub(e)
		default:
			return 0
		}
		best = min(best, dist)
	}
	return best
}

// workingMinutes counts the minutes of working hours in loc between from
// and to, across days, weekends and changes of daylight saving time.
func workingMinutes(from, to time.Time, loc *time.Location) float64 {
	if !to.After(from) {
		return 0
	}
	y, m, d := from.In(loc).Date()
	var total time.Duration
	for off := 0; ; off++ {
		s, e, ok := window(y, m, d+off, loc)
		if !s.Before(to) {
			break
		}
		if !ok {
			continue
		}
		a, b := s, e
		if from.After(a) {
			a = from
		}
		if to.Before(b) {
			b = to
		}
		if b.After(a) {
			total += b.Sub(a)
		}
	}
	return total.Minutes()
}

// An event is one message as the oracle sees it: metadata only.
type event struct {
	at         time.Time
	ts         int64 // microseconds; unique per conversation
	conv       int
	user       int  // person index; -1 for none
	human      bool // a person's message: not a bot's, not a system message
	threadTS   int64
	parentUser int
	mentions   []int32
	reactors   []int32 // everyone who reacted, any emoji
}

func (e *event) isReply() bool { return e.threadTS != 0 && e.threadTS != e.ts }

// oracleRequest is one request waiting for, or answered by, its manager.
type oracleRequest struct {
	at       time.Time
	ts       int64
	conv     int
	thread   int64 // the thread it may be answered in
	topLevel bool
	done     bool
	minutes  float64 // reply time, when answered by a message
	replied  bool
}

type oracleManager struct {
	person     int
	loc        *time.Location
	afterHours int
	byReaction int
	requests   []oracleRequest
	// pending holds indices into requests not yet answered, per
	// conversation.
	pending map[int][]int
}

// oracle judges a stream of events in time order.
type oracle struct {
	locs    []*time.Location // per person
	team    []int            // per person: manager index of their team, or -1
	manager []int            // per person: manager index, or -1
	teams   [][]int          // per manager: member person indices
	members [][]bool         // per conversation: per person
	mgrs    []oracleManager
	// lastOut is, per conversation and person, when that person last
	// posted there outside their own hours.
	lastOut [][]time.Time
	end     time.Time
}

func newOracle(locs []*time.Location, team, manager []int, mgrPersons []int, teams [][]int, members [][]bool) *oracle {
	o := &oracle{locs: locs, team: team, manager: manager, teams: teams, members: members}
	for _, p := range mgrPersons {
		o.mgrs = append(o.mgrs, oracleManager{person: p, loc: locs[p], pending: map[int][]int{}})
	}
	o.lastOut = make([][]time.Time, len(members))
	for i := range members {
		o.lastOut[i] = make([]time.Time, len(locs))
	}
	return o
}

// observe takes the next event; events must come in time order.
func (o *oracle) observe(e *event) {
	if e.at.After(o.end) {
		o.end = e.at
	}
	if !e.human || e.user < 0 {
		return
	}
	if k := o.manager[e.user]; k >= 0 {
		o.managerMessage(k, e)
		return
	}
	k := o.team[e.user]
	if k < 0 {
		return
	}
	if !inHours(e.at, o.locs[e.user]) {
		o.lastOut[e.conv][e.user] = e.at
	}
	m := &o.mgrs[k]
	mp := int32(m.person)
	isReq := e.isReply() && e.parentUser == m.person
	for _, u := range e.mentions {
		if u == mp {
			isReq = true
		}
	}
	if !isReq {
		return
	}
	r := oracleRequest{at: e.at, ts: e.ts, conv: e.conv, thread: e.ts, topLevel: !e.isReply()}
	if e.isReply() {
		r.thread = e.threadTS
	}
	for _, u := range e.reactors {
		if u == mp {
			r.done = true
		}
	}
	m.requests = append(m.requests, r)
	if r.done {
		m.byReaction++
		return
	}
	m.pending[e.conv] = append(m.pending[e.conv], len(m.requests)-1)
}

// managerMessage judges a message by manager k: after hours, and the
// requests it answers.
func (o *oracle) managerMessage(k int, e *event) {
	m := &o.mgrs[k]
	if o.reachedOutside(k, e) {
		m.afterHours++
	}
	p := m.pending[e.conv]
	if len(p) == 0 {
		return
	}
	keep := p[:0]
	for _, i := range p {
		r := &m.requests[i]
		answers := false
		if e.isReply() {
			answers = e.threadTS == r.thread
		} else {
			answers = r.topLevel // a top-level message in the channel
		}
		if answers && e.ts > r.ts {
			r.done, r.replied = true, true
			r.minutes = workingMinutes(r.at, e.at, m.loc)
			continue
		}
		keep = append(keep, i)
	}
	m.pending[e.conv] = keep
}

// reachedOutside: is some member of k's team, in the conversation or
// mentioned, outside their hours by more than the grace, and did not start
// it themselves within the window?
func (o *oracle) reachedOutside(k int, e *event) bool {
	for _, x := range o.teams[k] {
		concerned := o.members[e.conv][x]
		for _, u := range e.mentions {
			if int(u) == x {
				concerned = true
			}
		}
		if !concerned || outsideBy(e.at, o.locs[x]) <= grace {
			continue
		}
		if last := o.lastOut[e.conv][x]; !last.IsZero() && e.at.Sub(last) <= startedWindow {
			continue
		}
		return true
	}
	return false
}

// managerTruth summarises manager k once every event was observed.
func (o *oracle) managerTruth(k int) (requests, byReaction, slow, unanswered int, minutes []float64, afterHours int) {
	m := &o.mgrs[k]
	for i := range m.requests {
		r := &m.requests[i]
		switch {
		case r.replied:
			minutes = append(minutes, r.minutes)
			if r.minutes > slowAfter {
				slow++
			}
		case !r.done:
			unanswered++
			if workingMinutes(r.at, o.end, m.loc) > slowAfter {
				slow++
			}
		}
	}
	return len(m.requests), m.byReaction, slow, unanswered, minutes, m.afterHours
}

package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Planning: episodes (a question and its answer, a thread, a late-night
// post…) are planned at times spread like a working day across the time
// zones; their messages, which may run days ahead, wait in per-day buckets
// until their UTC day is written.

type msgKind uint8

const (
	mHuman     msgKind = iota
	mFile              // subtype file_share
	mBroadcast         // subtype thread_broadcast
	mBot               // a bot's or app's message
	mJoin              // subtype channel_join
	mPurpose           // subtype channel_purpose
	mTopic             // subtype channel_topic
)

func (k msgKind) human() bool { return k <= mBroadcast }

type reply struct {
	user int32
	ts   int64
}

type reaction struct {
	name  uint8
	users []int32
}

// msg is one planned message. Its text is not kept: the encoder derives it
// from seed.
type msg struct {
	ts          int64 // µs since the epoch; unique per conversation
	conv        int32
	user        int32 // person; -1 for a legacy bot integration
	bot         int8  // bot index for mBot
	kind        msgKind
	edited      bool
	fixed       bool // a purpose or topic from channels.json, not random words
	nameMention bool // write the first mention as <@U…|name>
	threadTS    int64
	parentUser  int32
	inviter     int32 // for joins; -1 for none
	replies     []reply
	mentions    []int32
	reactions   []reaction
	seed        uint64
	// For a broadcast: what its copy of the parent needs to write the
	// parent's text again.
	rootSeed     uint64
	rootMentions []int32
	rootNamed    bool
}

const (
	second int64 = 1e6
	minute       = 60 * second
	hour         = 60 * minute
	day          = 24 * hour
	slots        = 96 // quarter hours a day
)

type gen struct {
	w       *workspace
	rng     *rand.Rand
	span0   int64 // µs, first instant
	span1   int64 // µs, end of span (exclusive)
	buckets [][]msg
	planned int
	target  int
	cum     []int // per day: messages planned by its end
	day0    int64 // start of the day being planned
	avail   [slots][]int
	slotCum [slots]float64
	failed  int
}

func local(t int64, loc *time.Location) time.Time { return time.UnixMicro(t).In(loc) }

func secOfDay(l time.Time) int {
	h, m, s := l.Clock()
	return h*3600 + m*60 + s
}

// inCore: well inside working hours, 3 minutes away from their edges.
func inCore(p *person, t int64) bool {
	l := local(t, p.loc)
	if !workday(l.Weekday()) {
		return false
	}
	s := secOfDay(l)
	return s >= 9*3600+180 && s < 18*3600-180
}

func inHoursAt(p *person, t int64) bool { return inHours(time.UnixMicro(t), p.loc) }

// nightOK: outside working hours by more than the grace, with 3 minutes to
// spare.
func nightOK(p *person, t int64) bool {
	return outsideBy(time.UnixMicro(t), p.loc) > grace+3*time.Minute
}

// nearGraceEdge: within 3 minutes of 08:30 or 18:30 local, any day.
func nearGraceEdge(p *person, t int64) bool {
	s := secOfDay(local(t, p.loc))
	return abs(s-(8*3600+1800)) < 180 || abs(s-(18*3600+1800)) < 180
}

func abs[T int | int64](x T) T {
	if x < 0 {
		return -x
	}
	return x
}

// mgrAvail: when manager k posts, by habit.
func (g *gen) mgrAvail(k int, t int64) bool {
	p := g.w.people[g.w.mgrs[k]]
	if inHoursAt(p, t) {
		return true
	}
	if g.w.habit[k] != habitLateNight {
		return false
	}
	l := local(t, p.loc)
	s := secOfDay(l)
	if !workday(l.Weekday()) {
		return s >= 10*3600 && s < 22*3600
	}
	return s >= 19*3600 && s < 23*3600+45*60
}

// available: who is at work (or, for a late-night manager, at it) at t.
func (g *gen) available(h int, t int64) bool {
	p := g.w.people[h]
	switch {
	case p.deleted && t >= p.until:
		return false
	case p.member():
		return inCore(p, t)
	case p.manager():
		return g.mgrAvail(p.mgr, t)
	}
	return inHoursAt(p, t)
}

func (c *conv) micro() int64 {
	c.seq++
	return int64(uint64(c.seq) * 7919 % 1_000_000) // a permutation: unique for a million in a row
}

// concerned reports whether member x is concerned by a message in c
// mentioning ms.
func concerned(c *conv, x int, ms []int32) bool {
	if c.isMember[x] {
		return true
	}
	return slices.Contains(ms, int32(x))
}

// place finds the first second at or after t when u may post in c,
// mentioning ms, and reserves a unique ts there. The rules keep the truth
// unambiguous: a team member never posts within 3 minutes of their hours'
// edges nor inside the grace bands; a manager never posts within 3 minutes
// of 08:30 or 18:30 of a member concerned, nor within 3 minutes of the end
// of a member's "they started it" window, nor close to a member's own
// out-of-hours message; a disciplined manager posts only when everyone
// concerned is at work.
func (g *gen) place(c *conv, u int, t int64, ms []int32) (int64, bool) {
	p := g.w.people[u]
	t -= t % second
	for range 400 {
		if t >= g.span1-second || t < g.day0 || (c.until != 0 && t >= c.until) || (p.deleted && t >= p.until) {
			return 0, false
		}
		step := g.check(c, p, t, ms)
		if step == 0 {
			ts := t + c.micro()
			g.mark(c, p, ts)
			return ts, true
		}
		t += step + int64(g.rng.IntN(60))*second
	}
	return 0, false
}

func (g *gen) check(c *conv, p *person, t int64, ms []int32) int64 {
	switch {
	case p.member():
		if inCore(p, t) {
			return 0
		}
		if !nightOK(p, t) {
			return 4 * minute
		}
		for _, m := range c.marks {
			if m.mgr && m.team == p.team && (abs(m.at-(t+30*minute)) < 3*minute || abs(m.at-t) < 2*minute) {
				return 4 * minute
			}
		}
	case p.manager():
		k := p.mgr
		disciplined := g.w.habit[k] == habitDisciplined
		if disciplined && !inCore(p, t) {
			return 15 * minute
		}
		for _, x := range g.w.teams[k] {
			if !concerned(c, x, ms) {
				continue
			}
			if disciplined && !inCore(g.w.people[x], t) {
				return 15 * minute
			}
			if nearGraceEdge(g.w.people[x], t) {
				return 4 * minute
			}
		}
		for _, m := range c.marks {
			if !m.mgr && m.team == k && (abs(t-(m.at+30*minute)) < 3*minute || abs(t-m.at) < 2*minute) {
				return 4 * minute
			}
		}
	}
	return 0
}

func (g *gen) mark(c *conv, p *person, ts int64) {
	switch {
	case p.manager():
		c.marks = append(c.marks, mark{at: ts, who: p.idx, team: p.mgr, mgr: true})
	case p.member() && !inHoursAt(p, ts):
		c.marks = append(c.marks, mark{at: ts, who: p.idx, team: p.team})
	}
}

func (g *gen) pruneMarks() {
	for _, c := range g.w.convs {
		c.marks = slices.DeleteFunc(c.marks, func(m mark) bool { return m.at < g.day0-hour })
	}
}

func (g *gen) add(m msg) {
	d := int((m.ts - g.span0) / day)
	g.buckets[d] = append(g.buckets[d], m)
	g.planned++
}

// An episode is a few messages in one conversation, planned together so
// that a thread's parent knows all its replies.
type episode struct {
	g    *gen
	c    *conv
	msgs []msg
}

func (g *gen) episode(c *conv) *episode { return &episode{g: g, c: c} }

func (e *episode) newMsg(u int, ts int64, ms []int32) msg {
	g := e.g
	m := msg{ts: ts, conv: int32(e.c.idx), user: int32(u), inviter: -1, mentions: ms, seed: g.rng.Uint64()}
	m.edited = g.rng.Float64() < 0.06
	m.nameMention = len(ms) > 0 && g.rng.Float64() < 0.05
	if g.rng.Float64() < 0.12 {
		g.react(&m, e.c, u)
	}
	return m
}

// react adds reactions by a few people in c, never by the author's own
// manager (a manager's reaction answers a request: that is planned
// deliberately, never by chance).
func (g *gen) react(m *msg, c *conv, author int) {
	p := g.w.people[author]
	n := 1 + g.rng.IntN(2)
	for range n {
		r := reaction{name: uint8(g.rng.IntN(len(reactionNames)))}
		for range 1 + g.rng.IntN(3) {
			x := c.members[g.rng.IntN(len(c.members))]
			q := g.w.people[x]
			if x == author || q.bot || (p.member() && q.mgr == p.team) || slices.Contains(r.users, int32(x)) {
				continue
			}
			r.users = append(r.users, int32(x))
		}
		if len(r.users) > 0 && !slices.ContainsFunc(m.reactions, func(o reaction) bool { return o.name == r.name }) {
			m.reactions = append(m.reactions, r)
		}
	}
}

// top posts a top-level message; it returns its index in the episode.
func (e *episode) top(u int, t int64, ms []int32) (int, bool) {
	ts, ok := e.g.place(e.c, u, t, ms)
	if !ok {
		return -1, false
	}
	m := e.newMsg(u, ts, ms)
	if p := e.g.w.people[u]; !p.member() && !p.manager() && e.g.rng.Float64() < 0.03 {
		m.kind = mFile
	}
	e.msgs = append(e.msgs, m)
	return len(e.msgs) - 1, true
}

// reply posts in the thread of the episode's message at index parent, at
// or after t and after the thread's last message.
func (e *episode) reply(parent, u int, t int64, ms []int32) (int, bool) {
	par := &e.msgs[parent]
	if n := len(par.replies); n > 0 {
		t = max(t, par.replies[n-1].ts+30*second)
	}
	t = max(t, par.ts+30*second)
	ts, ok := e.g.place(e.c, u, t, ms)
	if !ok {
		return -1, false
	}
	m := e.newMsg(u, ts, ms)
	par = &e.msgs[parent]
	par.threadTS = par.ts
	par.replies = append(par.replies, reply{user: int32(u), ts: ts})
	m.threadTS, m.parentUser = par.ts, par.user
	if p := e.g.w.people[u]; !p.member() && !p.manager() && par.kind.human() && e.g.rng.Float64() < 0.08 {
		m.kind = mBroadcast
		m.rootSeed, m.rootMentions, m.rootNamed = par.seed, par.mentions, par.nameMention
	}
	e.msgs = append(e.msgs, m)
	return len(e.msgs) - 1, true
}

func (e *episode) flush() int {
	for _, m := range e.msgs {
		e.g.add(m)
	}
	return len(e.msgs)
}

// --- choosing who, where and when ---

func (g *gen) prepareDay(d int) {
	g.day0 = g.span0 + int64(d)*day
	total := 0.0
	for s := range slots {
		t := g.day0 + int64(s)*15*minute + 7*minute
		g.avail[s] = g.avail[s][:0]
		for _, h := range g.w.humans {
			if g.available(h, t) {
				g.avail[s] = append(g.avail[s], h)
			}
		}
		total += float64(len(g.avail[s])) + 0.4
		g.slotCum[s] = total
	}
}

// when picks an instant of the day, weighted by how many people are at
// work, and its quarter hour.
func (g *gen) when() (int64, int) {
	x := g.rng.Float64() * g.slotCum[slots-1]
	s, _ := slices.BinarySearch(g.slotCum[:], x)
	s = min(s, slots-1)
	return g.day0 + int64(s)*15*minute + int64(g.rng.IntN(900))*second, s
}

// pick returns someone from the quarter hour's people who satisfies ok,
// or -1.
func (g *gen) pick(s int, ok func(*person) bool) int {
	cands := g.avail[s]
	if len(cands) == 0 {
		return -1
	}
	start := g.rng.IntN(len(cands))
	for i := range cands {
		h := cands[(start+i)%len(cands)]
		if ok == nil || ok(g.w.people[h]) {
			return h
		}
	}
	return -1
}

func (g *gen) pickConv(p *person, t int64) *conv {
	var total float64
	for i, c := range p.convs {
		if g.w.convs[c].until == 0 || t < g.w.convs[c].until {
			total += p.convWeights[i]
		}
	}
	x := g.rng.Float64() * total
	for i, c := range p.convs {
		if g.w.convs[c].until != 0 && t >= g.w.convs[c].until {
			continue
		}
		x -= p.convWeights[i]
		if x < 0 {
			return g.w.convs[c]
		}
	}
	return nil
}

// otherMember picks a human member of c other than the excluded ones, or
// -1.
func (g *gen) otherMember(c *conv, not ...int) int {
	start := g.rng.IntN(len(c.members))
	for i := range c.members {
		x := c.members[(start+i)%len(c.members)]
		if g.w.people[x].human() && !slices.Contains(not, x) {
			return x
		}
	}
	return -1
}

// casualMentions: now and then a mention of someone in the conversation,
// never of the author's own manager (that would be a request, and requests
// are planned on purpose).
func (g *gen) casualMentions(c *conv, author int, p float64) []int32 {
	if g.rng.Float64() >= p {
		return nil
	}
	a := g.w.people[author]
	not := []int{author}
	if a.member() {
		not = append(not, g.w.mgrs[a.team])
	}
	if x := g.otherMember(c, not...); x >= 0 {
		return []int32{int32(x)}
	}
	return nil
}

func (g *gen) gap(mean time.Duration) int64 {
	return 30*second + int64(g.rng.ExpFloat64()*float64(mean.Microseconds()))
}

// setup: channels are created, people join, purposes are set.
func (g *gen) setup() {
	for _, c := range g.w.convs {
		if c.kind == kindIM || c.kind == kindMPIM {
			continue
		}
		t := c.created * second
		add := func(m msg) {
			m.ts = t + c.micro()
			m.conv = int32(c.idx)
			m.seed = g.rng.Uint64()
			g.add(m)
			t += second
		}
		add(msg{user: int32(c.creator), kind: mJoin, inviter: -1})
		for _, u := range c.members {
			if u != c.creator {
				add(msg{user: int32(u), kind: mJoin, inviter: int32(c.creator)})
			}
		}
		if c.purpose != "" {
			add(msg{user: int32(c.creator), kind: mPurpose, inviter: -1, fixed: true})
		}
		if c.topic != "" {
			add(msg{user: int32(c.creator), kind: mTopic, inviter: -1, fixed: true})
		}
	}
}

// dayWeights: weekends are quiet.
func (g *gen) dayWeights(days int) []float64 {
	ws := make([]float64, days)
	for d := range ws {
		wd := time.UnixMicro(g.span0 + int64(d)*day).UTC().Weekday()
		ws[d] = 1
		if !workday(wd) {
			ws[d] = 0.12
		}
	}
	return ws
}

func (g *gen) planTargets(days int) {
	ws := g.dayWeights(days)
	var total float64
	for _, x := range ws {
		total += x
	}
	rest := max(0, g.target-g.planned)
	g.cum = make([]int, days)
	acc := 0.0
	for d, x := range ws {
		acc += x
		g.cum[d] = g.planned + int(math.Round(float64(rest)*acc/total))
	}
	g.cum[days-1] = max(g.target, g.planned)
}

// planDay plans the episodes that start on day d.
func (g *gen) planDay(d int) {
	g.prepareDay(d)
	g.pruneMarks()
	g.failed = 0
	for g.planned < g.cum[d] && g.failed < 5000 {
		budget := g.target - g.planned
		t, s := g.when()
		if budget < 12 {
			if g.rng.Float64() < 0.15 {
				g.botPost(t, 1)
			} else {
				g.chatter(t, s, 1)
			}
			continue
		}
		switch x := g.rng.Float64(); {
		case x < 0.60:
			g.chatter(t, s, budget)
		case x < 0.72:
			g.request(t, s)
		case x < 0.76:
			g.lateManager(budget)
		case x < 0.785:
			g.lateMember()
		case x < 0.997:
			g.botPost(t, budget)
		default:
			g.setting(t, s)
		}
	}
}

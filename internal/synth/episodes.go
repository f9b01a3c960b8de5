package synth

import (
	"slices"
	"time"
)

// Episodes: a few messages in one conversation, planned together.

// chatter: someone at work posts; sometimes a thread follows.
func (g *gen) chatter(t int64, s int, budget int) {
	a := g.pick(s, nil)
	if a >= 0 && g.w.people[a].manager() && g.w.habit[g.w.people[a].mgr] == habitSlow && g.rng.Float64() < 0.6 {
		a = g.pick(s, func(p *person) bool { return !p.manager() }) // busy elsewhere
	}
	if a < 0 {
		// Nobody is at work: someone awake posts anyway, now and then.
		a = g.w.humans[g.rng.IntN(len(g.w.humans))]
	}
	p := g.w.people[a]
	c := g.pickConv(p, t)
	if c == nil {
		g.failed++
		return
	}
	e := g.episode(c)
	par, ok := e.top(a, t, g.casualMentions(c, a, 0.12))
	if !ok {
		g.failed++
		return
	}
	if budget > 1 && g.rng.Float64() < 0.3 {
		n := min(1+g.rng.IntN(6), budget-1)
		cur, last := e.msgs[par].ts, a
		for range n {
			at := cur + g.gap(8*time.Minute)
			b := -1
			for range 4 {
				x := g.otherMember(c, last)
				if x >= 0 && g.available(x, at) && !g.busy(x) {
					b = x
					break
				}
			}
			if b < 0 {
				break
			}
			i, ok := e.reply(par, b, at, g.casualMentions(c, b, 0.1))
			if !ok {
				break
			}
			cur, last = e.msgs[i].ts, b
		}
		// A manager's thread: members' replies are requests; the manager
		// follows up as they would.
		if p.manager() && budget > len(e.msgs) {
			g.followUp(e, par, p.mgr)
		}
	}
	e.flush()
}

// busy: a slow manager seldom joins a thread.
func (g *gen) busy(x int) bool {
	p := g.w.people[x]
	return p.manager() && g.w.habit[p.mgr] == habitSlow && g.rng.Float64() < 0.8
}

// followUp answers the members' replies in a manager's thread after the
// manager's last word there, by habit.
func (g *gen) followUp(e *episode, par, k int) {
	mp := int32(g.w.mgrs[k])
	var waiting []int
	for i := par + 1; i < len(e.msgs); i++ {
		m := &e.msgs[i]
		switch {
		case m.user == mp:
			waiting = waiting[:0]
		case g.w.people[m.user].team == k:
			waiting = append(waiting, i)
		}
	}
	if len(waiting) == 0 {
		return
	}
	g.answer(e, k, waiting, par, false)
}

type answerMode uint8

const (
	ansNone answerMode = iota
	ansThread
	ansTop
	ansReaction
)

// habitAnswer decides how and after how long manager k answers.
func (g *gen) habitAnswer(k int) (answerMode, int64) {
	x := g.rng.Float64()
	r := func(lo, hi time.Duration) int64 {
		return lo.Microseconds() + g.rng.Int64N((hi - lo).Microseconds())
	}
	switch g.w.habit[k] {
	case habitLateNight:
		switch {
		case x < 0.55:
			return ansThread, r(2*time.Minute, 40*time.Minute)
		case x < 0.70:
			return ansReaction, 0
		case x < 0.85:
			return ansThread, r(3*time.Hour, 10*time.Hour)
		case x < 0.93:
			return ansThread, r(24*time.Hour, 72*time.Hour)
		}
	case habitDisciplined:
		switch {
		case x < 0.45:
			return ansThread, r(10*time.Minute, 2*time.Hour)
		case x < 0.65:
			return ansReaction, 0
		case x < 0.90:
			return ansThread, r(2*time.Hour, 6*time.Hour)
		case x < 0.97:
			return ansThread, r(24*time.Hour, 36*time.Hour)
		}
	case habitSlow:
		switch {
		case x < 0.12:
			return ansThread, r(10*time.Minute, 2*time.Hour)
		case x < 0.27:
			return ansReaction, 0
		case x < 0.72:
			return ansThread, r(30*time.Hour, 96*time.Hour)
		}
	default: // quick
		switch {
		case x < 0.60:
			return ansThread, r(1*time.Minute, 20*time.Minute)
		case x < 0.90:
			return ansReaction, 0
		case x < 0.98:
			return ansThread, r(1*time.Hour, 3*time.Hour)
		}
	}
	return ansNone, 0
}

// mgrTime moves t to the next moment manager k would post.
func (g *gen) mgrTime(k int, t int64) int64 {
	for i := 0; i < 700 && !g.mgrAvail(k, t); i++ {
		t += 10 * minute
	}
	return t + int64(g.rng.IntN(15*60))*second
}

// answer: manager k answers the requests at indices reqs (all in the
// thread of par, or top-level requests when par < 0) by habit.
func (g *gen) answer(e *episode, k int, reqs []int, par int, topLevel bool) {
	mode, delay := g.habitAnswer(k)
	mp := g.w.mgrs[k]
	last := e.msgs[reqs[len(reqs)-1]].ts
	if mode == ansThread && topLevel && g.rng.Float64() < 0.4 {
		mode = ansTop
	}
	at := g.mgrTime(k, last+delay)
	ok := false
	switch mode {
	case ansThread:
		_, ok = e.reply(par, mp, at, nil)
	case ansTop:
		_, ok = e.top(mp, at, nil)
	case ansReaction:
		ok = true
	}
	if !ok && mode != ansNone && at < g.span1-second && g.w.habit[k] != habitSlow {
		mode = ansReaction // could not be there in time: a reaction instead
	}
	if mode != ansReaction {
		return
	}
	name := uint8(g.rng.IntN(3)) // +1, eyes, white_check_mark
	for _, i := range reqs {
		m := &e.msgs[i]
		j := slices.IndexFunc(m.reactions, func(r reaction) bool { return r.name == name })
		if j < 0 {
			m.reactions = append(m.reactions, reaction{name: name})
			j = len(m.reactions) - 1
		}
		m.reactions[j].users = append(m.reactions[j].users, int32(mp))
	}
}

// request: a team member asks their manager.
func (g *gen) request(t int64, s int) {
	x := g.pick(s, func(p *person) bool { return p.member() })
	if x < 0 {
		g.chatter(t, s, 1)
		return
	}
	k := g.w.people[x].team
	mp := g.w.mgrs[k]
	c := g.requestConv(x, k)
	e := g.episode(c)
	top := 0.45
	if g.w.habit[k] == habitSlow {
		top = 0.25
	}
	switch f := g.rng.Float64(); {
	case f < top: // a top-level mention
		ms := []int32{int32(mp)}
		if y := g.casualMentions(c, x, 0.2); len(y) > 0 && y[0] != int32(mp) {
			ms = append(ms, y[0])
		}
		i, ok := e.top(x, t, ms)
		if !ok {
			g.failed++
			return
		}
		if g.rng.Float64() < 0.3 { // a colleague chimes in
			if y := g.otherMember(c, x, mp); y >= 0 && g.available(y, t+5*minute) {
				e.reply(i, y, t+g.gap(5*time.Minute), nil)
			}
		}
		g.answer(e, k, []int{i}, i, true)
	case f < 0.75 && g.mgrAvail(k, t): // replies in the manager's thread
		par, ok := e.top(mp, t, g.casualMentions(c, mp, 0.3))
		if !ok {
			g.failed++
			return
		}
		var reqs []int
		at := e.msgs[par].ts
		for _, y := range append([]int{x}, g.teamIn(c, k, x)...) {
			at += g.gap(10 * time.Minute)
			if len(reqs) > 0 && (g.rng.Float64() < 0.5 || !g.available(y, at)) {
				continue
			}
			if i, ok := e.reply(par, y, at, nil); ok {
				reqs = append(reqs, i)
				at = e.msgs[i].ts
			}
		}
		if len(reqs) > 0 {
			g.answer(e, k, reqs, par, false)
		}
	default: // a mention inside someone else's thread
		y := g.otherMember(c, x, mp)
		if y < 0 {
			y = x
		}
		par, ok := e.top(y, t, nil)
		if !ok {
			g.failed++
			return
		}
		i, ok := e.reply(par, x, e.msgs[par].ts+g.gap(10*time.Minute), []int32{int32(mp)})
		if ok {
			g.answer(e, k, []int{i}, par, false)
		}
	}
	e.flush()
}

// teamIn lists other members of team k in c, shuffled.
func (g *gen) teamIn(c *conv, k int, not int) []int {
	var out []int
	for _, y := range g.w.teams[k] {
		if y != not && c.isMember[y] {
			out = append(out, y)
		}
	}
	g.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// requestConv: where member x asks manager k something.
func (g *gen) requestConv(x, k int) *conv {
	mp := g.w.mgrs[k]
	f := g.rng.Float64()
	if g.w.habit[k] == habitDisciplined {
		f *= 0.45 // in private, where the hours are easy to respect
	}
	switch {
	case f < 0.35:
		if c := g.w.dm(x, mp); c >= 0 {
			return g.w.convs[c]
		}
	case f < 0.45:
		if c := g.w.teamMPIM[k]; c >= 0 && g.w.convs[c].isMember[x] {
			return g.w.convs[c]
		}
	case f < 0.8:
		return g.w.convs[g.w.teamConv[k]]
	}
	// a shared channel with both
	p := g.w.people[x]
	start := g.rng.IntN(len(p.convs))
	for i := range p.convs {
		c := g.w.convs[p.convs[(start+i)%len(p.convs)]]
		if c.isMember[mp] && c.kind == kindPublic && c.until == 0 {
			return c
		}
	}
	return g.w.convs[g.w.teamConv[k]]
}

// nextLocal returns a random instant at or after t, at a local time of day
// in [from, to) seconds in loc, on the first suitable day: a weekend day
// when weekend is true, a working day otherwise.
func (g *gen) nextLocal(t int64, loc *time.Location, from, to int, weekend bool) int64 {
	l := local(t, loc)
	y, mo, d := l.Date()
	for off := 0; off < 8; off++ {
		base := time.Date(y, mo, d+off, 0, 0, 0, 0, loc)
		if workday(base.Weekday()) == weekend {
			continue
		}
		at := base.Add(time.Duration(from+g.rng.IntN(to-from)) * time.Second).UnixMicro()
		if at >= t {
			return at
		}
	}
	return t
}

// lateManager: a manager writes to the team in the evening or at the
// weekend.
func (g *gen) lateManager(budget int) {
	var k int
	var late []int
	for i, h := range g.w.habit {
		if h == habitLateNight {
			late = append(late, i)
		}
	}
	switch {
	case len(late) > 0 && g.rng.Float64() < 0.9:
		k = late[g.rng.IntN(len(late))]
	default:
		k = g.rng.IntN(len(g.w.mgrs))
		if g.w.habit[k] == habitDisciplined {
			return
		}
	}
	mp := g.w.mgrs[k]
	mgr := g.w.people[mp]
	t := g.day0 + int64(g.rng.IntN(int(day/minute)))*minute
	if g.rng.Float64() < 0.2 {
		t = g.nextLocal(t, mgr.loc, 10*3600, 21*3600, true)
	} else {
		t = g.nextLocal(t, mgr.loc, 19*3600+600, 23*3600+40*60, false)
	}
	var c *conv
	var ms []int32
	team := g.w.teams[k]
	switch f := g.rng.Float64(); {
	case f < 0.45 || len(team) == 0:
		c = g.w.convs[g.w.teamConv[k]]
	case f < 0.8:
		x := team[g.rng.IntN(len(team))]
		c = g.w.convs[g.w.dm(mp, x)]
	default:
		c = g.pickConv(mgr, t)
	}
	if c == nil {
		return
	}
	if len(team) > 0 && g.rng.Float64() < 0.4 {
		ms = []int32{int32(team[g.rng.IntN(len(team))])}
	}
	e := g.episode(c)
	par, ok := e.top(mp, t, ms)
	if !ok {
		g.failed++
		return
	}
	// Next morning someone answers in the thread: a request.
	if budget > 2 && g.rng.Float64() < 0.3 {
		if xs := g.teamIn(c, k, -1); len(xs) > 0 {
			x := g.w.people[xs[0]]
			at := g.nextLocal(e.msgs[par].ts, x.loc, 9*3600+600, 11*3600, false)
			if i, ok := e.reply(par, xs[0], at, nil); ok {
				g.answer(e, k, []int{i}, par, false)
			}
		}
	}
	e.flush()
}

// lateMember: a team member writes at night; their manager may answer
// soon after (they started it).
func (g *gen) lateMember() {
	k := g.rng.IntN(len(g.w.mgrs))
	team := g.w.teams[k]
	if len(team) == 0 {
		return
	}
	xi := team[g.rng.IntN(len(team))]
	x := g.w.people[xi]
	mp := g.w.mgrs[k]
	t := g.day0 + int64(g.rng.IntN(int(day/minute)))*minute
	if g.rng.Float64() < 0.7 {
		t = g.nextLocal(t, x.loc, 20*3600, 23*3600, false)
	} else {
		t = g.nextLocal(t, x.loc, 6*3600, 7*3600+45*60, false)
	}
	c := g.w.convs[g.w.teamConv[k]]
	if d := g.w.dm(xi, mp); d >= 0 && g.rng.Float64() < 0.6 {
		c = g.w.convs[d]
	}
	var ms []int32
	if g.rng.Float64() < 0.4 {
		ms = []int32{int32(mp)}
	}
	e := g.episode(c)
	i, ok := e.top(xi, t, ms)
	if !ok {
		g.failed++
		return
	}
	answers := map[string]float64{habitLateNight: 0.85, habitQuick: 0.6, habitSlow: 0.2, habitDisciplined: 0.05}[g.w.habit[k]]
	if g.rng.Float64() < answers {
		at := e.msgs[i].ts + 4*minute + int64(g.rng.IntN(20*60))*second
		if g.rng.Float64() < 0.5 {
			e.reply(i, mp, at, nil)
		} else {
			e.top(mp, at, nil)
		}
	}
	e.flush()
}

// botPost: an app or integration posts.
func (g *gen) botPost(t int64, budget int) {
	b := g.rng.IntN(len(g.w.bots))
	bt := g.w.bots[b]
	cs := g.w.botConvs[bt.name]
	if len(cs) == 0 {
		g.failed++
		return
	}
	c := g.w.convs[cs[g.rng.IntN(len(cs))]]
	ts := t - t%second
	if ts >= g.span1-second || (c.until != 0 && ts >= c.until) {
		g.failed++
		return
	}
	m := msg{ts: ts + c.micro(), conv: int32(c.idx), user: int32(bt.user), bot: int8(b), kind: mBot, inviter: -1, seed: g.rng.Uint64()}
	if g.rng.Float64() < 0.2 {
		if x := g.otherMember(c); x >= 0 {
			m.mentions = []int32{int32(x)}
		}
	}
	e := g.episode(c)
	e.msgs = append(e.msgs, m)
	if bt.name == "pagerduty" && budget > 3 && g.rng.Float64() < 0.3 {
		at := m.ts
		for range 1 + g.rng.IntN(3) {
			at += g.gap(6 * time.Minute)
			y := g.otherMember(c)
			if y < 0 || !g.available(y, at) {
				break
			}
			if i, ok := e.reply(0, y, at, nil); ok {
				at = e.msgs[i].ts
			}
		}
	}
	e.flush()
}

// setting: someone (never a manager) changes a channel's topic or purpose.
func (g *gen) setting(t int64, s int) {
	a := g.pick(s, func(p *person) bool { return !p.manager() })
	if a < 0 {
		g.failed++
		return
	}
	p := g.w.people[a]
	c := g.pickConv(p, t)
	if c == nil || c.kind == kindIM || p.deleted {
		g.failed++
		return
	}
	ts := t - t%second
	if ts >= g.span1-second {
		return
	}
	kind := mTopic
	if g.rng.Float64() < 0.5 {
		kind = mPurpose
	}
	g.add(msg{ts: ts + c.micro(), conv: int32(c.idx), user: int32(a), kind: kind, inviter: -1, seed: g.rng.Uint64()})
}

package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the same zones on every machine, so output is reproducible
)

// A zone is a time zone people live in, with the labels Slack shows.
type zone struct {
	name     string
	std, dst string
	loc      *time.Location
}

var zoneDefs = []zone{
	{name: "Europe/Berlin", std: "Central European Time", dst: "Central European Summer Time"},
	{name: "America/New_York", std: "Eastern Standard Time", dst: "Eastern Daylight Time"},
	{name: "Europe/London", std: "Greenwich Mean Time", dst: "British Summer Time"},
	{name: "America/Los_Angeles", std: "Pacific Standard Time", dst: "Pacific Daylight Time"},
	{name: "Asia/Kolkata", std: "India Standard Time", dst: "India Standard Time"},
	{name: "Australia/Sydney", std: "Australian Eastern Standard Time", dst: "Australian Eastern Daylight Time"},
}

func loadZones() ([]zone, error) {
	zs := slices.Clone(zoneDefs)
	for i := range zs {
		loc, err := time.LoadLocation(zs[i].name)
		if err != nil {
			return nil, fmt.Errorf("synth: load zone %s: %w", zs[i].name, err)
		}
		zs[i].loc = loc
	}
	return zs, nil
}

// Habits of managers, for the demo's story. They shape when a manager posts
// and how they answer; the truth is computed from what was written, not
// from the habit.
const (
	habitLateNight   = "late-night"  // posts in the evening and at weekends; answers fast
	habitDisciplined = "disciplined" // posts only inside the team's hours; answers within hours
	habitSlow        = "slow"        // answers late, or never
	habitQuick       = "quick"       // answers within minutes, often with a reaction
)

var habits = []string{habitLateNight, habitDisciplined, habitSlow, habitQuick}

type person struct {
	idx               int
	id                string
	name, first, last string
	title             string
	zone              *zone // nil: no "tz" in users.json; hours in UTC
	loc               *time.Location
	team              int // manager index of the team this person is on, or -1
	mgr               int // manager index when a manager, or -1
	bot               bool
	botID, appID      string
	deleted           bool
	admin             bool
	color, avatarHash string
	gravatar          string
	until             int64 // for a deleted user: when they stopped posting (µs)
	convs             []int // conversations they may chatter in
	convWeights       []float64
	profile           []byte // pre-rendered user_profile of their messages
}

func (p *person) human() bool   { return !p.bot }
func (p *person) member() bool  { return p.team >= 0 }
func (p *person) manager() bool { return p.mgr >= 0 }
func (p *person) realName() string {
	if p.last == "" {
		return p.first
	}
	return p.first + " " + p.last
}

type convKind uint8

const (
	kindPublic convKind = iota
	kindPrivate
	kindIM
	kindMPIM
)

type conv struct {
	idx      int
	id, name string // name empty for DMs
	folder   string
	kind     convKind
	members  []int
	isMember []bool
	created  int64 // unix seconds
	creator  int
	general  bool
	archived bool
	until    int64 // µs; messages only before this (archived channel), or 0
	weight   float64
	topic    string
	purpose  string
	seq      uint32
	marks    []mark // recent manager and out-of-hours member messages
}

// A mark remembers a planned message that matters for the "within 3
// minutes of an edge" rule (see place).
type mark struct {
	at   int64 // µs
	who  int   // person
	team int   // manager index: the author's team (member) or own team (manager)
	mgr  bool
}

type bot struct {
	name, real string
	user       int // person index of its bot user, or -1 for a legacy integration
	botID      string
	appID      string
}

type workspace struct {
	rng      *rand.Rand
	teamID   string
	zones    []zone
	people   []*person
	humans   []int
	mgrs     []int   // person index per manager
	teams    [][]int // member person indices per manager
	habit    []string
	convs    []*conv
	dms      map[[2]int]int
	teamConv []int // private team channel per manager
	teamMPIM []int
	bots     []bot
	botConvs map[string][]int // bot name → conversations it posts to
	ids      map[string]bool
	names    map[string]bool // conversation names
	indent   bool
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (w *workspace) newID(prefix byte) string {
	for {
		b := make([]byte, 11)
		b[0], b[1] = prefix, '0'
		for i := 2; i < len(b); i++ {
			b[i] = idChars[w.rng.IntN(len(idChars))]
		}
		if s := string(b); !w.ids[s] {
			w.ids[s] = true
			return s
		}
	}
}

func (w *workspace) hex(n int) string {
	const hx = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hx[w.rng.IntN(16)]
	}
	return string(b)
}

func newWorkspace(cfg Config, rng *rand.Rand, zones []zone, span0, span1 int64) *workspace {
	w := &workspace{indent: cfg.Indent, rng: rng, zones: zones, dms: map[[2]int]int{}, botConvs: map[string][]int{}, ids: map[string]bool{}, names: map[string]bool{}}
	w.teamID = w.newID('T')

	// Names: first and last names each in a shuffled order, so that first
	// names repeat only once all are taken; pairs repeat only after
	// lcm(len(firstNames), len(lastNames)) people, and get a number then.
	fperm, lperm := rng.Perm(len(firstNames)), rng.Perm(len(lastNames))
	next := 0
	addHuman := func(team, mgr int, z *zone) *person {
		i := next
		next++
		p := &person{idx: len(w.people), team: team, mgr: mgr, zone: z}
		p.first, p.last = firstNames[fperm[i%len(fperm)]], lastNames[lperm[i%len(lperm)]]
		if n := i / (len(firstNames) * len(lastNames) / gcd(len(firstNames), len(lastNames))); n > 0 {
			p.last += fmt.Sprint(n + 1)
		}
		p.name = strings.ToLower(p.first + "." + p.last)
		p.id = w.newID('U')
		p.color = w.hex(6)
		p.avatarHash = "g" + w.hex(11)
		p.gravatar = w.hex(32)
		p.loc = time.UTC
		if z != nil {
			p.loc = z.loc
		}
		w.people = append(w.people, p)
		w.humans = append(w.humans, p.idx)
		return p
	}
	home := func(k int) *zone { return &zones[k%len(zones)] }

	for k := 0; k < cfg.Managers; k++ {
		m := addHuman(-1, k, home(k))
		m.title = "Engineering Manager"
		m.admin = k == 0
		w.mgrs = append(w.mgrs, m.idx)
		w.habit = append(w.habit, habits[k%len(habits)])
		var team []int
		for i := 0; i < cfg.TeamSize; i++ {
			z := home(k)
			if rng.Float64() < 0.35 {
				z = &zones[rng.IntN(len(zones))]
			}
			if k == 1%cfg.Managers && i == cfg.TeamSize-1 && cfg.TeamSize > 1 {
				z = nil // someone who never set a time zone
			}
			p := addHuman(k, -1, z)
			p.title = titles[rng.IntN(len(titles))]
			team = append(team, p.idx)
		}
		w.teams = append(w.teams, team)
	}
	for i := 0; i < cfg.Others; i++ {
		z := &zones[rng.IntN(len(zones))]
		if i == 0 {
			z = nil
		}
		p := addHuman(-1, -1, z)
		p.title = titles[rng.IntN(len(titles))]
		if i == 1 {
			p.title = "Head of Product"
		}
	}
	// Someone who left: their early messages stay, their account is
	// deactivated and they are in no channel any more.
	gone := addHuman(-1, -1, &zones[rng.IntN(len(zones))])
	gone.title = "Contractor"
	gone.deleted = true
	gone.until = span0 + (span1-span0)/4

	// Bots: apps with a bot user, and one legacy integration without.
	for _, b := range []struct{ name, real string }{{"github", "GitHub"}, {"pagerduty", "PagerDuty"}, {"standup", "Standup Bot"}} {
		p := &person{idx: len(w.people), team: -1, mgr: -1, bot: true, first: b.real, name: b.name, loc: time.UTC}
		p.id = w.newID('U')
		p.botID = w.newID('B')
		p.appID = w.newID('A')
		p.color = w.hex(6)
		p.avatarHash = w.hex(12)
		p.gravatar = w.hex(32)
		w.people = append(w.people, p)
		w.bots = append(w.bots, bot{name: b.name, real: b.real, user: p.idx, botID: p.botID, appID: p.appID})
	}
	w.bots = append(w.bots, bot{name: "deploybot", real: "deploybot", user: -1, botID: w.newID('B')})

	w.buildConvs(cfg, span0, span1)
	return w
}

func (w *workspace) active() []int {
	var out []int
	for _, h := range w.humans {
		if !w.people[h].deleted {
			out = append(out, h)
		}
	}
	return out
}

func (w *workspace) someOf(from []int, frac float64) []int {
	var out []int
	for _, p := range from {
		if w.rng.Float64() < frac {
			out = append(out, p)
		}
	}
	return out
}

func (w *workspace) botUser(name string) int {
	for _, b := range w.bots {
		if b.name == name {
			return b.user
		}
	}
	return -1
}

func (w *workspace) addConv(kind convKind, name string, members []int, weight float64, created int64) *conv {
	c := &conv{idx: len(w.convs), kind: kind, name: name, weight: weight, created: created}
	switch kind {
	case kindPublic:
		c.id = w.newID('C')
	case kindPrivate, kindMPIM:
		c.id = w.newID('G')
	case kindIM:
		c.id = w.newID('D')
	}
	if name != "" { // names are unique: they are folder names
		base := name
		for i := 2; w.names[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		w.names[name] = true
		c.name = name
	}
	c.folder = name
	if kind == kindIM {
		c.folder = c.id
	}
	if len(members) == 0 {
		members = w.humans[:1]
	}
	seen := map[int]bool{}
	c.isMember = make([]bool, len(w.people))
	for _, m := range members {
		if !seen[m] {
			seen[m] = true
			c.members = append(c.members, m)
			c.isMember[m] = true
		}
	}
	slices.Sort(c.members)
	c.creator = c.members[0]
	for _, m := range c.members {
		if w.people[m].human() {
			c.creator = m
			break
		}
	}
	c.seq = uint32(w.rng.IntN(1_000_000))
	w.convs = append(w.convs, c)
	return c
}

func (w *workspace) buildConvs(cfg Config, span0, span1 int64) {
	act := w.active()
	var members, others []int
	for _, t := range w.teams {
		members = append(members, t...)
	}
	for _, h := range act {
		p := w.people[h]
		if !p.member() && !p.manager() {
			others = append(others, h)
		}
	}
	created := span0/1e6 + 60
	nextCreated := func() int64 { created += 17; return created }
	withBots := func(ps []int, names ...string) []int {
		for _, n := range names {
			ps = append(ps, w.botUser(n))
		}
		return ps
	}

	g := w.addConv(kindPublic, "general", act, 0.6, nextCreated())
	g.general = true
	g.purpose = "Company-wide announcements and work-based matters"
	w.addConv(kindPublic, "random", act, 1.2, nextCreated()).purpose = "Non-work banter and water cooler conversation"
	w.addConv(kindPublic, "engineering", append(slices.Clone(w.mgrs), append(w.someOf(members, 0.7), w.someOf(others, 0.5)...)...), 2, nextCreated())
	w.addConv(kindPublic, "product", append(slices.Clone(others), append(w.someOf(w.mgrs, 0.7), w.someOf(members, 0.3)...)...), 1.3, nextCreated())
	w.addConv(kindPublic, "design", append(w.someOf(others, 0.6), append(w.someOf(members, 0.2), w.mgrs[0])...), 0.8, nextCreated())
	dep := w.addConv(kindPublic, "deploys", withBots(append(w.someOf(members, 0.6), w.someOf(w.mgrs, 0.5)...), "github"), 0.2, nextCreated())
	w.botConvs["github"] = append(w.botConvs["github"], dep.idx)
	w.botConvs["deploybot"] = append(w.botConvs["deploybot"], dep.idx)
	al := w.addConv(kindPublic, "alerts", withBots(append(w.someOf(members, 0.4), w.mgrs...), "pagerduty"), 0.2, nextCreated())
	inc := w.addConv(kindPublic, "incidents", withBots(append(slices.Clone(w.mgrs), w.someOf(append(members, others...), 0.5)...), "pagerduty"), 0.5, nextCreated())
	w.botConvs["pagerduty"] = []int{al.idx, inc.idx}
	for i, name := range []string{"proj-atlas", "proj-nimbus", "proj-quartz"} {
		var ps []int
		for j := 0; j < 2 && j < len(w.teams); j++ {
			k := (i + j) % len(w.teams)
			ps = append(ps, w.mgrs[k])
			ps = append(ps, w.someOf(w.teams[k], 0.6)...)
		}
		ps = append(ps, w.someOf(others, 0.4)...)
		if len(ps) < 2 {
			ps = append(ps, act[:min(2, len(act))]...)
		}
		c := w.addConv(kindPublic, name, withBots(ps, "github"), 1.8, nextCreated())
		c.purpose = "Everything about " + strings.TrimPrefix(name, "proj-")
		w.botConvs["github"] = append(w.botConvs["github"], c.idx)
	}
	oldMembers := w.someOf(act, 0.5)
	if len(oldMembers) == 0 {
		oldMembers = act[:1]
	}
	old := w.addConv(kindPublic, "launch-2025", oldMembers, 1.5, nextCreated())
	old.archived = true
	old.until = span0 + (span1-span0)/10
	for k, m := range w.mgrs {
		p := w.people[m]
		c := w.addConv(kindPrivate, "team-"+strings.ToLower(p.first), withBots(append([]int{m}, w.teams[k]...), "standup"), 4, nextCreated())
		c.topic = "Standup at 09:30, retro on Fridays"
		c.purpose = "The " + p.first + " team"
		w.teamConv = append(w.teamConv, c.idx)
		w.botConvs["standup"] = append(w.botConvs["standup"], c.idx)
	}
	if len(w.mgrs) > 1 {
		w.addConv(kindPrivate, "leads", append(slices.Clone(w.mgrs), others[:min(2, len(others))]...), 1, nextCreated())
	}

	dm := func(a, b int) {
		if a == b {
			return
		}
		key := [2]int{min(a, b), max(a, b)}
		if _, ok := w.dms[key]; ok {
			return
		}
		c := w.addConv(kindIM, "", []int{a, b}, 1.5, nextCreated())
		w.dms[key] = c.idx
	}
	for k, m := range w.mgrs {
		for _, x := range w.teams[k] {
			dm(m, x)
		}
		if k > 0 {
			dm(m, w.mgrs[k-1])
		}
	}
	for i := 0; i < len(act)/2; i++ {
		dm(act[w.rng.IntN(len(act))], act[w.rng.IntN(len(act))])
	}
	mpim := func(ps []int) int {
		ps = slices.Clone(ps)
		slices.SortFunc(ps, func(a, b int) int { return strings.Compare(w.people[a].name, w.people[b].name) })
		var names []string
		for _, p := range ps {
			names = append(names, w.people[p].name)
		}
		c := w.addConv(kindMPIM, "mpdm-"+strings.Join(names, "--")+"-1", ps, 1, nextCreated())
		return c.idx
	}
	for k, m := range w.mgrs {
		t := w.teams[k]
		if len(t) >= 2 {
			w.teamMPIM = append(w.teamMPIM, mpim([]int{m, t[0], t[1]}))
		} else {
			w.teamMPIM = append(w.teamMPIM, -1)
		}
	}
	for i := 0; i < 2 && len(act) >= 3; i++ {
		perm := w.rng.Perm(len(act))
		mpim([]int{act[perm[0]], act[perm[1]], act[perm[2]]})
	}

	// Where each person chatters.
	for _, c := range w.convs {
		for _, m := range c.members {
			p := w.people[m]
			if p.human() {
				p.convs = append(p.convs, c.idx)
				p.convWeights = append(p.convWeights, c.weight)
			}
		}
	}
	for _, h := range w.humans {
		if p := w.people[h]; p.deleted {
			for _, c := range w.convs[:2] {
				p.convs = append(p.convs, c.idx)
				p.convWeights = append(p.convWeights, 1)
			}
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// dm returns the direct-message conversation of a and b, or -1.
func (w *workspace) dm(a, b int) int {
	if c, ok := w.dms[[2]int{min(a, b), max(a, b)}]; ok {
		return c
	}
	return -1
}

package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Options tune a replay; the zero value uses the live bot's defaults.
type Options struct {
	// Hours is everyone's working hours, read in each person's own Slack
	// time zone unless the spec names one. Default Mon-Fri 09:00-18:00.
	Hours workhours.Hours
	// DefaultTZ is for people whose profile has no time zone. Default UTC.
	DefaultTZ *time.Location
	// Policy holds cooldowns and the weekly cap. Default as the live bot.
	Policy policy.Config
	// SlowAfter is how many working minutes make a request slow.
	SlowAfter float64
	// SweepInterval is how often the live bot looks for slow requests;
	// replay nudges on the same grid. Default 5m.
	SweepInterval time.Duration
	// Retention is how long the live bot keeps a waiting request: older
	// ones no longer lead to nudges. Default 30 days.
	Retention time.Duration
	// IncludeDMs also judges direct messages between two people. The live
	// bot never sees those (a bot token sees only conversations the app is
	// in), so by default replay reads them but leaves them out, as the bot
	// would.
	IncludeDMs bool
}

func (o *Options) defaults() {
	if o.Hours.IsZero() {
		o.Hours = workhours.MustParse(workhours.Default)
	}
	if o.DefaultTZ == nil {
		o.DefaultTZ = time.UTC
	}
	if o.Policy.Cooldown == nil {
		o.Policy = policy.DefaultConfig()
	}
	if o.SlowAfter <= 0 {
		o.SlowAfter = detect.SlowAfter
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 5 * time.Minute
	}
	if o.Retention <= 0 {
		o.Retention = 30 * 24 * time.Hour
	}
}

// Analyzer replays messages, in time order, through the detectors and the
// nudge policy. Its memory grows with the number of people, conversations
// and waiting requests, not with the number of messages.
type Analyzer struct {
	opts    Options
	report  Report
	people  map[activity.UserID]*person
	members map[activity.ChannelID][]activity.UserID
	// lastOutside is when a team member last wrote in a conversation
	// outside their own hours, for the "they started it" rule.
	lastOutside map[convUser]time.Time
	managers    []*manager
	// nextSweep is the earliest manager.next; no manager needs a sweep
	// before it.
	nextSweep time.Time
	buf       []detect.Member
}

type convUser struct {
	ch activity.ChannelID
	u  activity.UserID
}

type person struct {
	hours    workhours.Hours
	loc      *time.Location
	manages  *manager   // set when the person is a manager in the team map
	memberOf []*manager // the managers whose team the person is on
}

type manager struct {
	m     people.Manager
	hours workhours.Hours
	rep   *ManagerReport
	past  []policy.Record
	// pending requests, by conversation (a manager's message can only
	// answer requests in its own conversation).
	pending  map[activity.ChannelID]*waiting
	npending int
	// next is when to look for slow requests again; zero when none wait.
	next time.Time
	// blocked is when the policy may next allow a slow-reply nudge: a
	// sweep before it would be suppressed anyway.
	blocked time.Time
	// present caches, per conversation, which of the team are its members.
	present map[activity.ChannelID][]activity.UserID
}

// New returns an Analyzer for a workspace's people and conversations and
// the team map. Every manager in teams is treated as opted in.
func New(team activity.TeamID, users []export.User, convs []export.Conversation, teams []Team, opts Options) *Analyzer {
	opts.defaults()
	a := &Analyzer{
		opts:        opts,
		people:      make(map[activity.UserID]*person, len(users)),
		members:     make(map[activity.ChannelID][]activity.UserID, len(convs)),
		lastOutside: map[convUser]time.Time{},
	}
	a.report.Team = team
	a.report.Hours = opts.Hours.String()
	a.report.IncludeDMs = opts.IncludeDMs
	zones := map[string]*time.Location{}
	zone := func(name string) *time.Location {
		if name == "" {
			return opts.DefaultTZ
		}
		if l, ok := zones[name]; ok {
			return l
		}
		l, err := time.LoadLocation(name)
		if err != nil {
			l = opts.DefaultTZ
		}
		zones[name] = l
		return l
	}
	names := map[activity.UserID]string{}
	for _, u := range users {
		loc := zone(u.TZ)
		h := opts.Hours
		if !h.HasZone() {
			h = h.In(loc)
		}
		a.people[u.ID] = &person{hours: h, loc: h.Location()}
		names[u.ID] = u.Name
	}
	get := func(id activity.UserID) *person {
		p := a.people[id]
		if p == nil {
			h := opts.Hours
			if !h.HasZone() {
				h = h.In(opts.DefaultTZ)
			}
			p = &person{hours: h, loc: h.Location()}
			a.people[id] = p
		}
		return p
	}
	for _, c := range convs {
		a.members[c.ID] = c.Members
	}
	a.report.Managers = make([]ManagerReport, len(teams))
	for i, t := range teams {
		p := get(t.Manager)
		mg := &manager{
			m:       people.Manager{Team: team, ID: t.Manager},
			hours:   p.hours,
			rep:     &a.report.Managers[i],
			pending: map[activity.ChannelID]*waiting{},
			present: map[activity.ChannelID][]activity.UserID{},
		}
		mg.m.SetMembers(t.Members)
		*mg.rep = ManagerReport{Manager: t.Manager, Name: names[t.Manager], TZ: p.loc.String(), Members: len(mg.m.Members)}
		p.manages = mg
		for _, u := range mg.m.Members {
			q := get(u)
			q.memberOf = append(q.memberOf, mg)
		}
		a.managers = append(a.managers, mg)
	}
	return a
}

// Message replays one message. Messages must come in time order.
func (a *Analyzer) Message(m *export.Message) {
	at := m.Time()
	if at.IsZero() {
		return
	}
	a.report.MessagesRead++
	if a.report.First.IsZero() {
		a.report.First = at
	}
	a.report.Last = at
	if !a.nextSweep.IsZero() && !at.Before(a.nextSweep) {
		a.sweepUntil(at)
	}
	if m.System || m.IsBot || m.User == "" {
		return
	}
	if m.Kind == activity.KindIM && !a.opts.IncludeDMs {
		return
	}
	p := a.people[m.User]
	if p == nil {
		return // on no team and not a manager: nothing to count
	}
	o := m.Observation
	if mg := p.manages; mg != nil {
		a.managerMessage(mg, o, at)
	}
	for _, mg := range p.memberOf {
		a.memberMessage(mg, m, o)
	}
	if len(p.memberOf) > 0 && !p.hours.Contains(at) {
		a.lastOutside[convUser{o.Channel, o.User}] = at
	}
}

// managerMessage is engine.afterManagerMessage over in-memory state: the
// message may answer waiting requests and may reach members after hours.
func (a *Analyzer) managerMessage(mg *manager, o activity.Observation, at time.Time) {
	local := at.In(mg.hours.Location())
	day := (int(local.Weekday()) + 6) % 7
	mg.rep.Messages[day][local.Hour()]++

	if w := mg.pending[o.Channel]; w != nil {
		answered := func(r detect.Request) bool {
			if !detect.Answers(o, r) {
				return false
			}
			d := detect.Waited(r, at, mg.hours)
			mg.rep.ReplyMinutes = append(mg.rep.ReplyMinutes, d)
			if d > a.opts.SlowAfter {
				mg.rep.SlowRequests++
			}
			mg.npending--
			return true
		}
		w.answer(o, answered)
	}

	members := a.concerned(mg, o, at)
	if len(members) == 0 {
		return
	}
	f, ok := detect.CheckAfterHours(o, members)
	if !ok {
		return
	}
	mg.rep.AfterHoursMessages++
	mg.rep.AfterHours[day][local.Hour()]++
	dec := policy.Decide(people.KindAfterHours, &mg.m, mg.past, mg.hours, at, a.opts.Policy)
	if dec.Action == policy.Send {
		a.sent(mg, people.KindAfterHours, at)
		n := &mg.rep.Nudges[len(mg.rep.Nudges)-1]
		n.Channel, n.Reached = o.Channel, f.Reached
	}
}

// concerned lists the manager's team members in the conversation or
// mentioned, with their hours, as engine.concernedMembers does.
func (a *Analyzer) concerned(mg *manager, o activity.Observation, at time.Time) []detect.Member {
	present, ok := mg.present[o.Channel]
	if !ok {
		for _, u := range a.members[o.Channel] {
			if mg.m.HasMember(u) {
				present = append(present, u)
			}
		}
		mg.present[o.Channel] = present
	}
	out := a.buf[:0]
	add := func(u activity.UserID) {
		for _, x := range out {
			if x.ID == u {
				return
			}
		}
		p := a.people[u]
		last := a.lastOutside[convUser{o.Channel, u}]
		if at.Sub(last) > detect.StartedItWindow {
			last = time.Time{}
		}
		out = append(out, detect.Member{ID: u, Hours: p.hours, LastOwnOutside: last})
	}
	for _, u := range present {
		add(u)
	}
	for _, u := range o.Mentions {
		if mg.m.HasMember(u) {
			add(u)
		}
	}
	a.buf = out
	return out
}

// memberMessage tracks a request a team member's message makes to mg.
func (a *Analyzer) memberMessage(mg *manager, m *export.Message, o activity.Observation) {
	r, ok := detect.RequestFrom(o, mg.m.ID)
	if !ok {
		return
	}
	mg.rep.Requests++
	if slices.Contains(m.Reactors, mg.m.ID) {
		// Exports keep a message's reactions but not when they were added:
		// counted as answered, with no reply time.
		rx := activity.Reaction{Team: o.Team, Channel: o.Channel, ItemTS: o.TS, User: mg.m.ID}
		if detect.AnsweredByReaction(rx, r) {
			mg.rep.AnsweredByReaction++
			return
		}
	}
	w := mg.pending[o.Channel]
	if w == nil {
		w = &waiting{threads: map[activity.TS][]detect.Request{}}
		mg.pending[o.Channel] = w
	}
	w.add(r)
	mg.npending++
	// Working time never runs faster than the clock, so the request cannot
	// be slow before SlowAfter minutes have passed.
	a.schedule(mg, r.Since.Add(minutes(a.opts.SlowAfter)))
}

// sweepUntil runs every sweep the live bot would have run up to now.
func (a *Analyzer) sweepUntil(now time.Time) {
	for !a.nextSweep.IsZero() && !a.nextSweep.After(now) {
		at := a.nextSweep
		for _, mg := range a.managers {
			if !mg.next.IsZero() && !mg.next.After(at) {
				a.sweep(mg, at)
			}
		}
		a.nextSweep = time.Time{}
		for _, mg := range a.managers {
			if !mg.next.IsZero() && (a.nextSweep.IsZero() || mg.next.Before(a.nextSweep)) {
				a.nextSweep = mg.next
			}
		}
	}
}

// sweep is engine.sweepManager at now: nudge about slow requests if the
// policy allows, else work out when it next might.
func (a *Analyzer) sweep(mg *manager, now time.Time) {
	mg.next = time.Time{}
	if mg.npending == 0 {
		return
	}
	kept := now.Add(-a.opts.Retention)
	var pending []detect.Request
	for _, w := range mg.pending {
		w.each(func(r detect.Request) {
			if r.Since.After(kept) {
				pending = append(pending, r)
			}
		})
	}
	if len(pending) == 0 {
		return
	}
	slow := detect.Overdue(pending, now, mg.hours, a.opts.SlowAfter)
	if len(slow) == 0 {
		oldest := slices.MinFunc(pending, func(x, y detect.Request) int { return x.Since.Compare(y.Since) })
		left := a.opts.SlowAfter - detect.Waited(oldest, now, mg.hours)
		a.schedule(mg, now.Add(max(minutes(left), a.opts.SweepInterval)))
		return
	}
	dec := policy.Decide(people.KindSlowReply, &mg.m, mg.past, mg.hours, now, a.opts.Policy)
	switch dec.Action {
	case policy.Send:
		a.sent(mg, people.KindSlowReply, now)
		mg.rep.Nudges[len(mg.rep.Nudges)-1].Waiting = len(slow)
		a.schedule(mg, now.Add(a.opts.SweepInterval))
	case policy.Hold:
		a.schedule(mg, dec.Until)
	default:
		mg.blocked = a.policyClears(mg, now)
		a.schedule(mg, mg.blocked)
	}
}

// policyClears is when a suppressed slow-reply nudge might next be
// allowed: when the cooldown ends or the oldest nudge leaves the weekly
// window, whichever is later.
func (a *Analyzer) policyClears(mg *manager, now time.Time) time.Time {
	at := now.Add(a.opts.SweepInterval)
	inWeek := 0
	var oldest time.Time
	for _, r := range mg.past {
		age := now.Sub(r.Created)
		if r.Kind == people.KindSlowReply && age < a.opts.Policy.Cooldown[people.KindSlowReply] {
			at = later(at, r.Created.Add(a.opts.Policy.Cooldown[people.KindSlowReply]))
		}
		if age < policy.CapWindow {
			inWeek++
			if oldest.IsZero() || r.Created.Before(oldest) {
				oldest = r.Created
			}
		}
	}
	if cp := a.opts.Policy.WeeklyCap; cp > 0 && inWeek >= cp {
		at = later(at, oldest.Add(policy.CapWindow))
	}
	return at
}

// schedule asks for a sweep of mg at the first tick of the live bot's
// sweep grid at or after t, unless one comes sooner.
func (a *Analyzer) schedule(mg *manager, t time.Time) {
	t = later(t, mg.blocked)
	if tr := t.Truncate(a.opts.SweepInterval); !tr.Equal(t) {
		t = tr.Add(a.opts.SweepInterval)
	}
	if mg.next.IsZero() || t.Before(mg.next) {
		mg.next = t
	}
	if a.nextSweep.IsZero() || t.Before(a.nextSweep) {
		a.nextSweep = t
	}
}

// sent records a nudge the live bot would have sent, keeping only the
// records the policy can still look at.
func (a *Analyzer) sent(mg *manager, kind string, at time.Time) {
	mg.rep.Nudges = append(mg.rep.Nudges, Nudge{Kind: kind, At: at})
	keep := policy.CapWindow
	for _, d := range a.opts.Policy.Cooldown {
		keep = max(keep, d)
	}
	past := mg.past[:0]
	for _, r := range mg.past {
		if at.Sub(r.Created) < keep {
			past = append(past, r)
		}
	}
	mg.past = append(past, policy.Record{Team: mg.m.Team, Manager: mg.m.ID, Kind: kind, Created: at, State: policy.Sent, SentAt: at})
}

// Finish runs the sweeps due by the last message, counts what is still
// waiting, and returns the report.
func (a *Analyzer) Finish() Report {
	end := a.report.Last
	if !end.IsZero() {
		a.sweepUntil(end)
	}
	for _, mg := range a.managers {
		for _, w := range mg.pending {
			w.each(func(r detect.Request) {
				mg.rep.Unanswered++
				if detect.Waited(r, end, mg.hours) > a.opts.SlowAfter {
					mg.rep.SlowRequests++
				}
			})
		}
		slices.Sort(mg.rep.ReplyMinutes)
		a.teamInHours(mg, end)
	}
	out := a.report
	out.Managers = slices.Clone(a.report.Managers)
	slices.SortFunc(out.Managers, func(x, y ManagerReport) int { return strings.Compare(string(x.Manager), string(y.Manager)) })
	return out
}

// teamInHours fills the share of the team inside their hours for each hour
// of the week in the manager's zone, in the week of ref.
func (a *Analyzer) teamInHours(mg *manager, ref time.Time) {
	if len(mg.m.Members) == 0 {
		return
	}
	if ref.IsZero() {
		ref = time.Now()
	}
	loc := mg.hours.Location()
	local := ref.In(loc)
	monday := time.Date(local.Year(), local.Month(), local.Day()-(int(local.Weekday())+6)%7, 0, 0, 0, 0, loc)
	for d := range 7 {
		for h := range 24 {
			mid := time.Date(monday.Year(), monday.Month(), monday.Day()+d, h, 30, 0, 0, loc)
			in := 0
			for _, u := range mg.m.Members {
				if a.people[u].hours.Contains(mid) {
					in++
				}
			}
			mg.rep.TeamInHours[d][h] = float64(in) / float64(len(mg.m.Members))
		}
	}
}

// Run replays every message of x with the team map and returns the report.
func Run(ctx context.Context, x *export.Export, teams []Team, opts Options) (Report, error) {
	if len(teams) == 0 {
		return Report{}, errors.New("replay: the team map names no manager")
	}
	a := New(x.Team(), x.Users(), x.Conversations(), teams, opts)
	err := x.Messages(ctx, func(m *export.Message) error {
		a.Message(m)
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("replay: %w", err)
	}
	return a.Finish(), nil
}

func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// waiting holds one conversation's requests to one manager, indexed so a
// manager's message looks only at those it could answer: the requests of
// its thread, and for a top-level message the top-level ones. Whether it
// does answer them is detect.Answers' call, as in the live bot.
type waiting struct {
	threads map[activity.TS][]detect.Request // by ThreadTS
	top     []activity.TS                    // ThreadTS of top-level requests, oldest first
}

func (w *waiting) add(r detect.Request) {
	w.threads[r.ThreadTS] = append(w.threads[r.ThreadTS], r)
	if r.TopLevel {
		w.top = append(w.top, r.ThreadTS)
	}
}

// answer removes the requests o may answer for which answered says yes.
func (w *waiting) answer(o activity.Observation, answered func(detect.Request) bool) {
	sweepThread := func(ts activity.TS) {
		reqs, ok := w.threads[ts]
		if !ok {
			return
		}
		kept := reqs[:0]
		for _, r := range reqs {
			if !answered(r) {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(w.threads, ts)
		} else {
			w.threads[ts] = kept
		}
	}
	if o.ThreadTS != "" {
		sweepThread(o.ThreadTS)
	}
	if o.IsReply() || len(w.top) == 0 {
		return
	}
	top := w.top
	w.top = nil
	for _, ts := range top {
		if ts != o.ThreadTS {
			sweepThread(ts)
		}
	}
	for _, ts := range top {
		for _, r := range w.threads[ts] {
			if r.TopLevel {
				w.top = append(w.top, ts)
				break
			}
		}
	}
}

func (w *waiting) each(fn func(detect.Request)) {
	for _, reqs := range w.threads {
		for _, r := range reqs {
			fn(r)
		}
	}
}

// Package synth generates realistic Slack workspace exports of any size,
// together with the truth of what trustnudge should detect in them.
//
// An export is written as Slack writes one: users.json, channels.json,
// groups.json, dms.json, mpims.json, and one folder per conversation (by
// channel name, by D… id for a DM, by mpim name for a group DM) holding a
// "YYYY-MM-DD.json" file per UTC day, each a JSON array of message objects.
// People live in several time zones; managers each have a team; some
// managers write late at night, some answer slowly or never, some answer
// with a reaction. Message texts are random words, and every text carries
// Config.Canary so that privacy tests can prove that no text leaks.
//
// The truth is computed by an oracle of this package, independently of the
// product's detectors, over the messages as written:
//
//   - Everyone works Mon–Fri 09:00–18:00 in their "tz" (UTC without one).
//   - An after-hours message of manager M is a human message by M whose
//     concerned members (M's team members in the conversation or mentioned)
//     include one outside their hours by more than 30 minutes, not counting
//     a member whose own out-of-hours message in that conversation came at
//     most 30 minutes before (they started it).
//   - A request to M is a human message by a member of M's team that
//     mentions M or replies in a thread whose parent is M's.
//   - It is answered by M's next message after it in its thread (for a
//     top-level request: its own thread, or M's next top-level message in
//     the conversation), or by M's reaction to it (exports carry no
//     reaction time: such a request is never slow and has no reply time).
//   - The reply time is M's working minutes from request to answer; a
//     request is slow when that exceeds 480, or when unanswered and the
//     working minutes from it to the export's last message exceed 480.
//
// To keep the truth unambiguous the generator never places a manager's
// message within 3 minutes of 08:30 or 18:30 local for a member concerned,
// nor within 3 minutes of the end of a member's 30-minute "started it"
// window (nor within 2 minutes after the member's message); team members
// post either well inside their hours (09:03–17:57) or more than 33
// minutes outside them; timestamps are unique per conversation. Managers
// post no system messages after the channels are created; file shares and
// broadcasts come only from people on no team.
//
// Output is compact JSON, one message a line (Config.Indent gives Slack's
// 4-space indentation), about 900 bytes per person's message. The same
// Config writes the same bytes.
package synth

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// Config says what to generate. Zero fields take their defaults.
type Config struct {
	Seed     int64
	Messages int       // total message objects to write, approximately (±1%); includes bots and system messages
	Start    time.Time // first day (its UTC date); default 2026-01-05
	Days     int       // span in days; default max(14, Messages/4000)
	Managers int       // default 4
	TeamSize int       // members per team, default 5
	Others   int       // people on no team, default 6
	Canary   string    // put into every text when non-empty; must not contain "<@"
	Zip      bool      // write a .zip at the path instead of a folder
	// Indent writes JSON indented with 4 spaces, as Slack does (about 60%
	// larger); by default it is compact, one message a line.
	Indent bool
}

// Truth is what a correct detector finds in the export.
type Truth struct {
	Team     activity.TeamID `json:"team"`
	Messages int             `json:"messages"` // message objects written, all kinds
	People   int             `json:"people"`   // human users, the deactivated one included
	Managers []ManagerTruth  `json:"managers"` // sorted by manager ID
	End      time.Time       `json:"end"`      // ts of the last message
}

// ManagerTruth is the truth about one manager and their team.
type ManagerTruth struct {
	Manager            activity.UserID   `json:"manager"`
	Name               string            `json:"name"` // users.json "name"
	Members            []activity.UserID `json:"members"`
	MemberNames        []string          `json:"member_names"`
	AfterHoursMessages int               `json:"after_hours_messages"`
	Requests           int               `json:"requests"`
	AnsweredByReaction int               `json:"answered_by_reaction"`
	// Unanswered requests got neither a message nor a reaction by the end.
	Unanswered   int `json:"unanswered"`
	SlowRequests int `json:"slow_requests"`
	// ReplyMinutes has one entry per request answered by a message, in
	// request order.
	ReplyMinutes []float64 `json:"reply_minutes"`
	Habit        string    `json:"habit"` // "late-night", "disciplined", "slow", "quick"
}

// MedianReplyMinutes is the median of ReplyMinutes (the mean of the middle
// two for an even count); false if there are none.
func (t ManagerTruth) MedianReplyMinutes() (float64, bool) {
	n := len(t.ReplyMinutes)
	if n == 0 {
		return 0, false
	}
	s := slices.Clone(t.ReplyMinutes)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// DefaultStart is the first day when Config.Start is zero: a Monday.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func (c Config) normalize() (Config, error) {
	switch {
	case c.Messages <= 0:
		return c, errors.New("synth: messages must be positive")
	case c.Days < 0 || c.Managers < 0 || c.TeamSize < 0 || c.Others < 0:
		return c, errors.New("synth: days, managers, team size and others must not be negative")
	case strings.Contains(c.Canary, "<@"):
		return c, errors.New(`synth: canary must not contain "<@": it would read as a mention`)
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	y, m, d := c.Start.UTC().Date()
	c.Start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if c.Days == 0 {
		c.Days = max(14, c.Messages/4000)
	}
	if c.Managers == 0 {
		c.Managers = 4
	}
	if c.TeamSize == 0 {
		c.TeamSize = 5
	}
	if c.Others == 0 {
		c.Others = 6
	}
	return c, nil
}

// Write writes an export following cfg at path (a folder, which must not
// exist or be empty; or a zip file when cfg.Zip) and returns its truth.
func Write(path string, cfg Config) (Truth, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return Truth{}, err
	}
	zones, err := loadZones()
	if err != nil {
		return Truth{}, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x73796e7468))
	span0 := cfg.Start.UnixMicro()
	span1 := span0 + int64(cfg.Days)*day
	w := newWorkspace(cfg, rng, zones, span0, span1)
	w.renderProfiles()

	var s sink
	if cfg.Zip {
		s, err = newZipSink(path, cfg.Start.AddDate(0, 0, cfg.Days))
	} else {
		s, err = newFolderSink(path)
	}
	if err != nil {
		return Truth{}, err
	}
	t, err := generate(cfg, w, rng, span0, span1, s)
	if cerr := s.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Truth{}, err
	}
	return t, nil
}

func generate(cfg Config, w *workspace, rng *rand.Rand, span0, span1 int64, s sink) (Truth, error) {
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"users.json", w.usersJSON(cfg.Start)},
		{"channels.json", w.convsJSON(kindPublic, cfg.Canary)},
		{"groups.json", w.convsJSON(kindPrivate, cfg.Canary)},
		{"dms.json", w.convsJSON(kindIM, cfg.Canary)},
		{"mpims.json", w.convsJSON(kindMPIM, cfg.Canary)},
	} {
		p, err := s.prepare(f.name, f.data)
		if err == nil {
			err = s.commit(p)
		}
		if err != nil {
			return Truth{}, err
		}
	}

	g := &gen{w: w, rng: rng, span0: span0, span1: span1, target: cfg.Messages, buckets: make([][]msg, cfg.Days)}
	locs := make([]*time.Location, len(w.people))
	team := make([]int, len(w.people))
	mgr := make([]int, len(w.people))
	for i, p := range w.people {
		locs[i], team[i], mgr[i] = p.loc, p.team, p.mgr
	}
	members := make([][]bool, len(w.convs))
	for i, c := range w.convs {
		members[i] = c.isMember
	}
	o := newOracle(locs, team, mgr, w.mgrs, w.teams, members)

	// Planning and the oracle run here, in order; encoders turn each
	// conversation's day into a file in parallel; one committer stores
	// the files in order.
	eg, ctx := errgroup.WithContext(context.Background())
	jobs := make(chan *job, 64)
	order := make(chan *job, 256)
	for range max(1, runtime.GOMAXPROCS(0)) {
		eg.Go(func() error {
			enc := newEncoder(w, cfg.Canary)
			for j := range jobs {
				p, err := s.prepare(j.name, enc.day(j.ms))
				j.done <- jobResult{p, err}
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	eg.Go(func() error {
		for j := range order {
			select {
			case r := <-j.done:
				if r.err != nil {
					return r.err
				}
				if err := s.commit(r.p); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	send := func(j *job) bool {
		for _, ch := range []chan *job{order, jobs} {
			select {
			case ch <- j:
			case <-ctx.Done():
				return false
			}
		}
		return true
	}

	g.day0 = span0
	g.setup()
	g.planTargets(cfg.Days)
	written := 0
days:
	for d := range cfg.Days {
		g.planDay(d)
		ms := g.closeDay(d, o)
		written += len(ms)
		date := time.UnixMicro(g.span0 + int64(d)*day).UTC().Format("2006-01-02")
		for i := 0; i < len(ms); {
			j := i
			for j < len(ms) && ms[j].conv == ms[i].conv {
				j++
			}
			c := g.w.convs[ms[i].conv]
			if !send(&job{name: c.folder + "/" + date + ".json", ms: ms[i:j], done: make(chan jobResult, 1)}) {
				break days // the writer failed; its error is reported below
			}
			i = j
		}
	}
	close(jobs)
	close(order)
	if err := eg.Wait(); err != nil {
		return Truth{}, err
	}
	return g.truth(o, written), nil
}

// A job is one file to encode: a conversation's messages of one day.
type job struct {
	name string
	ms   []msg
	done chan jobResult
}

type jobResult struct {
	p   prepared
	err error
}

// closeDay sorts day d's messages, shows them to the oracle in time order,
// and returns them grouped by conversation, in time order within each.
func (g *gen) closeDay(d int, o *oracle) []msg {
	ms := g.buckets[d]
	g.buckets[d] = nil
	slices.SortFunc(ms, func(a, b msg) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		return cmp.Compare(a.conv, b.conv)
	})
	var ev event
	var reactors []int32
	for i := range ms {
		m := &ms[i]
		reactors = reactors[:0]
		for _, r := range m.reactions {
			reactors = append(reactors, r.users...)
		}
		ev = event{
			at: time.UnixMicro(m.ts), ts: m.ts, conv: int(m.conv), user: int(m.user), human: m.kind.human(),
			threadTS: m.threadTS, parentUser: int(m.parentUser), mentions: m.mentions, reactors: reactors,
		}
		o.observe(&ev)
	}
	slices.SortStableFunc(ms, func(a, b msg) int { return cmp.Compare(a.conv, b.conv) })
	return ms
}

func (g *gen) truth(o *oracle, written int) Truth {
	t := Truth{Team: activity.TeamID(g.w.teamID), Messages: written, End: o.end.UTC()}
	for _, p := range g.w.people {
		if p.human() {
			t.People++
		}
	}
	for k, mp := range g.w.mgrs {
		p := g.w.people[mp]
		mt := ManagerTruth{Manager: activity.UserID(p.id), Name: p.name, Habit: g.w.habit[k]}
		team := slices.Clone(g.w.teams[k])
		sort.Slice(team, func(i, j int) bool { return g.w.people[team[i]].id < g.w.people[team[j]].id })
		for _, x := range team {
			mt.Members = append(mt.Members, activity.UserID(g.w.people[x].id))
			mt.MemberNames = append(mt.MemberNames, g.w.people[x].name)
		}
		mt.Requests, mt.AnsweredByReaction, mt.SlowRequests, mt.Unanswered, mt.ReplyMinutes, mt.AfterHoursMessages = o.managerTruth(k)
		t.Managers = append(t.Managers, mt)
	}
	slices.SortFunc(t.Managers, func(a, b ManagerTruth) int { return cmp.Compare(a.Manager, b.Manager) })
	return t
}

// WriteTeamsCSV writes the teams as "manager,member" lines under that
// header, by user ID or, with byName, by users.json name.
func WriteTeamsCSV(w io.Writer, t Truth, byName bool) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"manager", "member"}); err != nil {
		return fmt.Errorf("synth: teams csv: %w", err)
	}
	for _, m := range t.Managers {
		for i, id := range m.Members {
			row := []string{string(m.Manager), string(id)}
			if byName {
				row = []string{m.Name, m.MemberNames[i]}
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("synth: teams csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("synth: teams csv: %w", err)
	}
	return nil
}

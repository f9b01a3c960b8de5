// Package engine is trustnudge's core: it decides what to record, answers
// people's commands, and (in later parts) turns observations into findings.
// It knows neither Slack's wire format nor bbolt; those are adapters that
// implement the interfaces declared here.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// ErrNotFound is what a Store returns for a missing record.
var ErrNotFound = people.ErrNotFound

// Store is what the engine keeps. Every write of something a person did is
// durable when the method returns.
type Store interface {
	Manager(team activity.TeamID, id activity.UserID) (people.Manager, error)
	PutManager(m people.Manager) error
	DeleteManager(team activity.TeamID, id activity.UserID) (bool, error)
	Managers(team activity.TeamID) ([]people.Manager, error)
	ManagersOf(team activity.TeamID, member activity.UserID) ([]people.Manager, error)
	Person(team activity.TeamID, id activity.UserID) (people.Person, error)
	PutPerson(p people.Person) error
	Workspace(team activity.TeamID) (people.Workspace, error)
	PutWorkspace(w people.Workspace) error

	Teams() ([]activity.TeamID, error)

	RecordObservation(o activity.Observation) error
	ObservationsIn(team activity.TeamID, channel activity.ChannelID, from, to time.Time, fn func(activity.Observation) bool) error
	Observations(team activity.TeamID, from, to time.Time, fn func(activity.Observation) bool) error
	PruneObservations(team activity.TeamID, keep func(activity.Observation) bool) (int, error)
	ForgetObservationsOf(team activity.TeamID, user activity.UserID) (int, error)
	ForgetUser(team activity.TeamID, id activity.UserID) (people.Forgotten, error)

	PutRequest(r detect.Request) error
	ResolveRequest(team activity.TeamID, key string) (detect.Request, bool, error)
	PendingRequests(team activity.TeamID, manager activity.UserID) ([]detect.Request, error)
	PendingRequestsIn(team activity.TeamID, manager activity.UserID, channel activity.ChannelID) ([]detect.Request, error)
	RequestManagers(team activity.TeamID) ([]activity.UserID, error)
	PruneRequests(team activity.TeamID, keep func(detect.Request) bool) (int, error)

	PutNudge(r policy.Record) error
	Nudge(team activity.TeamID, id string) (policy.Record, error)
	NudgesOf(team activity.TeamID, manager activity.UserID, since time.Time) ([]policy.Record, error)
	SetNudgeState(team activity.TeamID, id string, state policy.State, at time.Time) error
	SetFeedback(team activity.TeamID, id, feedback string) error
}

// Directory tells who a Slack user is (users.info, cached by the adapter).
type Directory interface {
	Profile(ctx context.Context, team activity.TeamID, user activity.UserID) (people.Profile, error)
	// ChannelMembers lists who is in a conversation (conversations.members).
	ChannelMembers(ctx context.Context, team activity.TeamID, channel activity.ChannelID) ([]activity.UserID, error)
}

// Health is the process state admins may see.
type Health struct {
	Version   string
	Started   time.Time
	Connected bool
}

// Options configure an Engine.
type Options struct {
	Store     Store
	Directory Directory
	Clock     clock.Clock
	Log       *slog.Logger
	// DefaultHours applies to people without their own setting, in their
	// Slack time zone; an admin can override it per workspace.
	DefaultHours workhours.Hours
	// DefaultTZ is used for people whose Slack profile has no time zone.
	DefaultTZ *time.Location
	// Admins are user IDs allowed admin commands besides workspace owners
	// and admins.
	Admins    []activity.UserID
	Retention time.Duration
	Health    func() Health

	// Policy holds cooldowns and the weekly cap.
	Policy policy.Config
	// SlowAfter is how many of the manager's working minutes a request may
	// wait before it is slow.
	SlowAfter float64
	// Deliverer sends nudges; Variants lists the library's entries per
	// kind, so wording rotates; OnOutcome observes each decision (metrics).
	Deliverer Deliverer
	Variants  Variants
	OnOutcome func(Outcome)

	// Polls keeps norms polls and adopted norms; PollQuorum is how many
	// must vote before counts are shown (default 3).
	Polls      PollStore
	PollQuorum int

	// Weeks keeps the weekly counts behind the digest; without it nothing
	// is counted and no digest is sent. OnDigest observes each digest sent
	// or failed (metrics).
	Weeks    WeekStore
	OnDigest func(DigestOutcome)
}

// Engine is the core. It is safe for concurrent use.
type Engine struct {
	zones  sync.Map // IANA name → *time.Location
	recent recentPosts
	opts   Options
	store  Store
	dir    Directory
	clock  clock.Clock
	log    *slog.Logger
}

// New returns an Engine.
func New(opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.DefaultHours.IsZero() {
		opts.DefaultHours = workhours.MustParse(workhours.Default)
	}
	if opts.DefaultTZ == nil {
		opts.DefaultTZ = time.UTC
	}
	if opts.Retention <= 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.Policy.Cooldown == nil {
		opts.Policy = policy.DefaultConfig()
	}
	if opts.SlowAfter <= 0 {
		opts.SlowAfter = detect.SlowAfter
	}
	if opts.Health == nil {
		opts.Health = func() Health { return Health{} }
	}
	e := &Engine{opts: opts, store: opts.Store, dir: opts.Directory, clock: opts.Clock, log: opts.Log}
	e.loadRecent()
	return e
}

// Hours sources, as shown to people.
const (
	SourceOwn     = "your own setting"
	SourceDefault = "the workspace default"
	SourceNorm    = "your team's agreed norm"
)

// EffectiveHours resolves a person's working hours: their own setting, else
// the workspace default, in their Slack time zone unless the spec names one.
func (e *Engine) EffectiveHours(ctx context.Context, team activity.TeamID, user activity.UserID) (workhours.Hours, string, error) {
	p, err := e.store.Person(team, user)
	if err != nil {
		return workhours.Hours{}, "", err
	}
	loc, err := e.location(ctx, team, user)
	if err != nil {
		return workhours.Hours{}, "", err
	}
	if p.Hours != "" {
		h, err := workhours.Parse(p.Hours)
		if err == nil {
			if !h.HasZone() {
				h = h.In(loc)
			}
			return h, SourceOwn, nil
		}
		e.log.Warn("stored hours no longer parse; using the default", "user", user, "err", err)
	}
	def, err := e.defaultHours(team)
	if err != nil {
		return workhours.Hours{}, "", err
	}
	if !def.HasZone() {
		def = def.In(loc)
	}
	return def, SourceDefault, nil
}

func (e *Engine) defaultHours(team activity.TeamID) (workhours.Hours, error) {
	w, err := e.store.Workspace(team)
	if err != nil {
		return workhours.Hours{}, err
	}
	if w.DefaultHours != "" {
		if h, err := workhours.Parse(w.DefaultHours); err == nil {
			return h, nil
		}
	}
	return e.opts.DefaultHours, nil
}

// location is the person's Slack time zone, or the configured default.
func (e *Engine) location(ctx context.Context, team activity.TeamID, user activity.UserID) (*time.Location, error) {
	if e.dir == nil {
		return e.opts.DefaultTZ, nil
	}
	prof, err := e.dir.Profile(ctx, team, user)
	if err != nil {
		return nil, fmt.Errorf("engine: profile of %s: %w", user, err)
	}
	if prof.TZ == "" {
		return e.opts.DefaultTZ, nil
	}
	return e.zone(prof.TZ), nil
}

// zone loads an IANA zone once: time.LoadLocation reads the zone file on
// every call, which dominated the cost of judging a message.
func (e *Engine) zone(name string) *time.Location {
	if l, ok := e.zones.Load(name); ok {
		return l.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		e.log.Warn("unknown time zone from Slack; using the default", "tz", name)
		loc = e.opts.DefaultTZ
	}
	e.zones.Store(name, loc)
	return loc
}

// isAdmin reports whether user may use admin commands.
func (e *Engine) isAdmin(ctx context.Context, team activity.TeamID, user activity.UserID) (bool, error) {
	for _, a := range e.opts.Admins {
		if a == user {
			return true, nil
		}
	}
	if e.dir == nil {
		return false, nil
	}
	prof, err := e.dir.Profile(ctx, team, user)
	if err != nil {
		return false, err
	}
	return prof.IsAdmin || prof.IsOwner, nil
}

// Package people holds who is who in trustnudge: managers who opted in and
// their teams, each person's own settings, and the workspace's defaults.
// It is plain data; the store persists it and the engine decides with it.
package people

import (
	"errors"
	"slices"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// SnoozeReason says why a manager paused nudges. It is optional.
type SnoozeReason string

const (
	SnoozeNoReason   SnoozeReason = ""
	SnoozeOnCall     SnoozeReason = "on-call"
	SnoozeTravelling SnoozeReason = "travelling"
	SnoozeTimeOff    SnoozeReason = "time-off"
)

// Limits on snoozing.
const (
	MinSnooze = time.Hour
	MaxSnooze = 90 * 24 * time.Hour
)

// Manager is a person who opted in to nudges, with their team.
type Manager struct {
	Team      activity.TeamID
	ID        activity.UserID
	OptedInAt time.Time
	// Members are the manager's team, sorted and without duplicates.
	Members      []activity.UserID
	SnoozedUntil time.Time
	SnoozeReason SnoozeReason
	// KindsOff are nudge kinds the manager switched off ("Stop these").
	KindsOff []string
}

// HasMember reports whether u is on the manager's team.
func (m Manager) HasMember(u activity.UserID) bool {
	_, ok := slices.BinarySearch(m.Members, u)
	return ok
}

// Snoozed reports whether nudges are paused at now.
func (m Manager) Snoozed(now time.Time) bool { return now.Before(m.SnoozedUntil) }

// SetMembers replaces the team, sorted and deduplicated.
func (m *Manager) SetMembers(us []activity.UserID) {
	m.Members = Normalize(us)
}

// AddMembers adds people to the team and returns those that were new.
func (m *Manager) AddMembers(us []activity.UserID) (added []activity.UserID) {
	for _, u := range Normalize(us) {
		if !m.HasMember(u) {
			added = append(added, u)
		}
	}
	m.Members = Normalize(append(m.Members, added...))
	return added
}

// RemoveMembers removes people from the team and returns those that were on it.
func (m *Manager) RemoveMembers(us []activity.UserID) (removed []activity.UserID) {
	drop := map[activity.UserID]bool{}
	for _, u := range us {
		if m.HasMember(u) && !drop[u] {
			drop[u] = true
			removed = append(removed, u)
		}
	}
	m.Members = slices.DeleteFunc(m.Members, func(u activity.UserID) bool { return drop[u] })
	return removed
}

// Normalize sorts and deduplicates user IDs.
func Normalize(us []activity.UserID) []activity.UserID {
	out := slices.Clone(us)
	slices.Sort(out)
	return slices.Compact(out)
}

// Person is one person's own settings, whether or not they manage anyone.
type Person struct {
	Team activity.TeamID
	ID   activity.UserID
	// Hours is the person's own working-hours spec ("" = workspace default).
	Hours string
	// Excluded people asked to be left out of all counting.
	Excluded bool
}

// IsZero reports whether the person has no settings worth keeping.
func (p Person) IsZero() bool { return p.Hours == "" && !p.Excluded }

// Workspace holds workspace-wide settings an admin changed at run time.
type Workspace struct {
	Team activity.TeamID
	// DefaultHours overrides TRUSTNUDGE_DEFAULT_HOURS when set.
	DefaultHours string
}

// Profile is what Slack says about a user (users.info), reduced to what
// trustnudge needs.
type Profile struct {
	ID       activity.UserID
	Name     string // display name, for replies to the person themselves
	TZ       string // IANA zone, "" if Slack gave none
	IsBot    bool
	IsAdmin  bool
	IsOwner  bool
	Deleted  bool
	IsAppBot bool // this app's own bot user
}

// Forgotten reports what forget-me deleted about one person.
type Forgotten struct {
	ManagerRecord bool // their opt-in and team list
	TeamMembers   int  // how many people were on their team list
	OnTeamsOf     int  // how many managers' teams they were removed from
	Settings      bool // their own hours or exclusion
	Observations  int  // message records deleted or rewritten
	Requests      int  // waiting questions they asked, or that waited for them
	Nudges        int  // records of nudges sent to them
	Votes         int  // their votes in open polls
	Norm          bool // the messaging norm their team adopted
	Weeks         int  // weeks of counts kept for their weekly digest
	Digests       int  // records of weekly digests sent to them
}

// ErrNotFound is returned for a record that does not exist.
var ErrNotFound = errors.New("not found")

// Nudge kinds, as managers switch them off and on. The weekly digest is
// one too: "Stop these" on a digest switches digests off.
const (
	KindAfterHours = "after_hours"
	KindSlowReply  = "slow_reply"
	KindDigest     = "weekly_digest"
)

// Kinds lists every nudge kind, with the words a person sees.
var Kinds = map[string]string{
	KindAfterHours: "after-hours message",
	KindSlowReply:  "waiting question",
	KindDigest:     "weekly digest",
}

// KindOff reports whether the manager switched kind off.
func (m Manager) KindOff(kind string) bool { return slices.Contains(m.KindsOff, kind) }

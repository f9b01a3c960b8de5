package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Status says, in plain words, everything trustnudge holds about the actor.
func (e *Engine) Status(ctx context.Context, a Actor) (string, error) {
	now := e.clock.Now()
	loc, err := e.location(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("Here is everything trustnudge holds about you:\n")

	m, err := e.managerOrNil(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if m == nil {
		b.WriteString("• *As a manager:* you haven't opted in, so nothing about your own messages is recorded for nudges.\n")
	} else {
		fmt.Fprintf(&b, "• *As a manager:* opted in since %s. %s", m.OptedInAt.In(loc).Format("2 Jan 2006"), teamLine(m.Members))
		if m.Snoozed(now) {
			fmt.Fprintf(&b, " Nudges snoozed until %s", formatTime(m.SnoozedUntil, loc))
			if m.SnoozeReason != "" {
				fmt.Fprintf(&b, " (%s)", m.SnoozeReason)
			}
			b.WriteString(".")
		}
		b.WriteString("\n")
		if e.opts.Weeks != nil {
			this := digest.WeekOf(now, loc)
			weeks, err := e.opts.Weeks.WeekStats(a.Team, a.User, this.Add(-digest.KeepWeeks), this.Add(1))
			if err != nil {
				return "", err
			}
			when := "on Mondays from 09:00 your time, at your first working hour"
			if m.KindOff(people.KindDigest) {
				when = "switched off (`/trustnudge digest` still sends one when you ask)"
			}
			fmt.Fprintf(&b, "• *Weekly digest:* %s. For it trustnudge keeps %s of counts (numbers only: no messages, no names), each deleted after %d weeks.\n",
				when, plural(len(weeks), "week"), digest.KeepWeeks)
		}
	}

	h, source, err := e.EffectiveHours(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "• *Working hours:* %s (%s).\n", h, source)

	managers, err := e.store.ManagersOf(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if len(managers) > 0 {
		fmt.Fprintf(&b, "• *On teams:* you're on %s, so questions you ask them and messages you send outside your hours are noted (metadata only).\n",
			plural(len(managers), "manager's team"))
	}
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if p.Excluded {
		b.WriteString("• *Counting:* you're left out of all counting (`/trustnudge include-me` to undo).\n")
	} else {
		b.WriteString("• *Counting:* you're counted like everyone else (`/trustnudge exclude-me` to be left out).\n")
	}
	n, err := e.recordsAbout(a.Team, a.User)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "• *Message records:* %s that involve you (who, where, when; never text), each deleted after %s.\n",
		plural(n, "record"), days(e.opts.Retention))
	b.WriteString("`/trustnudge forget-me` deletes all of it at once.")
	return b.String(), nil
}

// recordsAbout counts kept observations written by or mentioning user.
func (e *Engine) recordsAbout(team activity.TeamID, user activity.UserID) (int, error) {
	n := 0
	now := e.clock.Now()
	err := e.store.Observations(team, now.Add(-e.opts.Retention-24*time.Hour), now.Add(24*time.Hour), func(o activity.Observation) bool {
		if o.User == user || o.ParentUser == user || slices.Contains(o.Mentions, user) {
			n++
		}
		return true
	})
	return n, err
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "day")
	}
	return d.String()
}

// AdminStatus is workspace health for admins: never any one manager's data.
func (e *Engine) AdminStatus(ctx context.Context, a Actor) (string, error) {
	if err := e.requireAdmin(ctx, a); err != nil {
		return "", err
	}
	h := e.opts.Health()
	managers, err := e.store.Managers(a.Team)
	if err != nil {
		return "", err
	}
	members := map[activity.UserID]bool{}
	withTeam := 0
	for _, m := range managers {
		if len(m.Members) > 0 {
			withTeam++
		}
		for _, u := range m.Members {
			members[u] = true
		}
	}
	conn := "connected"
	if !h.Connected {
		conn = "*not connected*"
	}
	def, err := e.defaultHours(a.Team)
	if err != nil {
		return "", err
	}
	up := "unknown"
	if !h.Started.IsZero() {
		up = e.clock.Now().Sub(h.Started).Round(time.Minute).String()
	}
	return fmt.Sprintf("*trustnudge %s*: up %s, %s to Slack.\n"+
		"• %s opted in, %s with a team; %s on teams in all.\n"+
		"• Default working hours: %s. Raw metadata is kept %s.\n"+
		"Admins see only these workspace numbers, never any one manager's nudges or data.",
		h.Version, up, conn,
		plural(len(managers), "manager"), plural(withTeam, "manager"), plural(len(members), "person"),
		def, days(e.opts.Retention)), nil
}

// AdminShowHours shows the workspace default hours.
func (e *Engine) AdminShowHours(ctx context.Context, a Actor) (string, error) {
	if err := e.requireAdmin(ctx, a); err != nil {
		return "", err
	}
	def, err := e.defaultHours(a.Team)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Workspace default hours: *%s* (in each person's own time zone unless the spec names one).", def), nil
}

// AdminSetHours sets the workspace default hours.
func (e *Engine) AdminSetHours(ctx context.Context, a Actor, spec string) (string, error) {
	if err := e.requireAdmin(ctx, a); err != nil {
		return "", err
	}
	h, err := workhours.Parse(spec)
	if err != nil {
		return "", refuse("I couldn't read those hours: %v.", err)
	}
	w, err := e.store.Workspace(a.Team)
	if err != nil {
		return "", err
	}
	w.Team, w.DefaultHours = a.Team, h.String()
	if err := e.store.PutWorkspace(w); err != nil {
		return "", err
	}
	return fmt.Sprintf("Saved: the workspace default hours are now *%s*. People with their own hours keep them.", h), nil
}

func (e *Engine) requireAdmin(ctx context.Context, a Actor) error {
	ok, err := e.isAdmin(ctx, a.Team, a.User)
	if err != nil {
		return err
	}
	if !ok {
		return refuse("Sorry, `/trustnudge admin` is only for workspace owners and admins.")
	}
	return nil
}

// HomeState is what the App Home shows a person.
type HomeState struct {
	User           activity.UserID
	Now            time.Time
	Location       *time.Location
	OptedIn        bool
	Members        []activity.UserID
	SnoozedUntil   time.Time
	SnoozeReason   people.SnoozeReason
	OwnHours       string
	EffectiveHours string
	HoursSource    string
	Excluded       bool
	OnTeamsOf      int
	IsAdmin        bool
	KindsOff       []string
	// Digest is an opted-in manager's numbers of this week so far, with
	// the weeks before for the trend; nil for others.
	Digest *digest.Report
}

// Home gathers the App Home state for a person.
func (e *Engine) Home(ctx context.Context, a Actor) (HomeState, error) {
	now := e.clock.Now()
	loc, err := e.location(ctx, a.Team, a.User)
	if err != nil {
		return HomeState{}, err
	}
	st := HomeState{User: a.User, Now: now, Location: loc}
	m, err := e.managerOrNil(a.Team, a.User)
	if err != nil {
		return HomeState{}, err
	}
	if m != nil {
		st.OptedIn = true
		st.Members = m.Members
		st.KindsOff = m.KindsOff
		if m.Snoozed(now) {
			st.SnoozedUntil, st.SnoozeReason = m.SnoozedUntil, m.SnoozeReason
		}
		if e.opts.Weeks != nil {
			r, err := e.digestReport(ctx, *m, loc, digest.WeekOf(now, loc), true)
			if err != nil {
				return HomeState{}, err
			}
			st.Digest = &r
		}
	}
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return HomeState{}, err
	}
	st.OwnHours, st.Excluded = p.Hours, p.Excluded
	h, source, err := e.EffectiveHours(ctx, a.Team, a.User)
	if err != nil {
		return HomeState{}, err
	}
	st.EffectiveHours, st.HoursSource = h.String(), source
	ms, err := e.store.ManagersOf(a.Team, a.User)
	if err != nil {
		return HomeState{}, err
	}
	st.OnTeamsOf = len(ms)
	// A team norm adopted by one of their managers (or by themselves, for
	// their own team) is what the detectors use, so that is what they see.
	ids := []activity.UserID{}
	if st.OptedIn {
		ids = append(ids, a.User)
	}
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	for _, id := range ids {
		norm, ok, err := e.teamNorm(a.Team, id)
		if err != nil {
			return HomeState{}, err
		}
		if ok {
			if !norm.HasZone() {
				norm = norm.In(h.Location())
			}
			st.EffectiveHours, st.HoursSource = norm.String(), SourceNorm
			break
		}
	}
	if st.IsAdmin, err = e.isAdmin(ctx, a.Team, a.User); err != nil {
		return HomeState{}, err
	}
	return st, nil
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Actor is the person asking.
type Actor struct {
	Team activity.TeamID
	User activity.UserID
}

// Refusal is a request the engine declined, with the reason to show the
// person. It is not a failure of the app.
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

func refuse(format string, args ...any) error { return &Refusal{Msg: fmt.Sprintf(format, args...)} }

const optInFirst = "You haven't opted in as a manager yet. Start with `/trustnudge optin`."

// OptIn starts nudges for the actor as a manager.
func (e *Engine) OptIn(ctx context.Context, a Actor) (string, error) {
	m, err := e.managerOrNil(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if m != nil {
		return "You're already opted in. " + teamLine(m.Members), nil
	}
	if err := e.store.PutManager(people.Manager{Team: a.Team, ID: a.User, OptedInAt: e.clock.Now()}); err != nil {
		return "", err
	}
	return "You're in. Next, name your team: `/trustnudge team @alice @bob`. " +
		"From now on trustnudge notes the metadata of your messages (when and where, never what you wrote) to spot patterns worth a nudge. " +
		"Only you will see your nudges.", nil
}

// OptOut stops nudges and deletes what served only the actor's nudges.
func (e *Engine) OptOut(ctx context.Context, a Actor) (string, error) {
	existed, err := e.store.DeleteManager(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if !existed {
		return "You weren't opted in, so there was nothing to stop.", nil
	}
	n, err := e.pruneUnserved(a.Team)
	if err != nil {
		return "", err
	}
	weeks := 0
	if e.opts.Weeks != nil {
		if weeks, err = e.opts.Weeks.ForgetWeeks(a.Team, a.User); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("You're opted out: no more nudges or weekly digests. I deleted your team list, %s kept only for your nudges, and %s of counts for your digest. "+
		"Your own working hours stay set; `/trustnudge forget-me` deletes those too.", plural(n, "message record"), plural(weeks, "week")), nil
}

// ShowTeam describes the actor's team.
func (e *Engine) ShowTeam(ctx context.Context, a Actor) (string, error) {
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	return teamLine(m.Members), nil
}

// SetTeam replaces the actor's team.
func (e *Engine) SetTeam(ctx context.Context, a Actor, users []activity.UserID) (string, error) {
	return e.changeTeam(ctx, a, users, func(m *people.Manager) string {
		m.SetMembers(users)
		return "Saved. " + teamLine(m.Members)
	})
}

// AddToTeam adds people to the actor's team.
func (e *Engine) AddToTeam(ctx context.Context, a Actor, users []activity.UserID) (string, error) {
	return e.changeTeam(ctx, a, users, func(m *people.Manager) string {
		added := m.AddMembers(users)
		if len(added) == 0 {
			return "They're already on your team. " + teamLine(m.Members)
		}
		return fmt.Sprintf("Added %s. %s", mentions(added), teamLine(m.Members))
	})
}

// RemoveFromTeam removes people from the actor's team.
func (e *Engine) RemoveFromTeam(ctx context.Context, a Actor, users []activity.UserID) (string, error) {
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	removed := m.RemoveMembers(users)
	if len(removed) == 0 {
		return "None of them were on your team. " + teamLine(m.Members), nil
	}
	if err := e.store.PutManager(m); err != nil {
		return "", err
	}
	if _, err := e.pruneUnserved(a.Team); err != nil {
		return "", err
	}
	return fmt.Sprintf("Removed %s. %s", mentions(removed), teamLine(m.Members)), nil
}

func (e *Engine) changeTeam(ctx context.Context, a Actor, users []activity.UserID, change func(*people.Manager) string) (string, error) {
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	if err := e.checkMembers(ctx, a, users); err != nil {
		return "", err
	}
	msg := change(&m)
	if err := e.store.PutManager(m); err != nil {
		return "", err
	}
	if _, err := e.pruneUnserved(a.Team); err != nil {
		return "", err
	}
	return msg, nil
}

// MaxTeam bounds a team's size; Slack's multi-select allows 100 too.
const MaxTeam = 100

// checkMembers refuses people who can't be on a team: the manager, bots,
// this app, deactivated or unknown users.
func (e *Engine) checkMembers(ctx context.Context, a Actor, users []activity.UserID) error {
	if len(users) == 0 {
		return refuse("Name at least one person, e.g. `/trustnudge team @alice @bob`.")
	}
	if len(users) > MaxTeam {
		return refuse("A team can have at most %d people.", MaxTeam)
	}
	for _, u := range users {
		if u == a.User {
			return refuse("You can't be on your own team; name the people who report to you.")
		}
		if e.dir == nil {
			continue
		}
		p, err := e.dir.Profile(ctx, a.Team, u)
		if errors.Is(err, ErrNotFound) {
			return refuse("I couldn't find <@%s> in this workspace.", u)
		}
		if err != nil {
			return err
		}
		switch {
		case p.IsAppBot:
			return refuse("trustnudge itself can't be on a team.")
		case p.IsBot:
			return refuse("<@%s> is a bot; a team is made of people.", u)
		case p.Deleted:
			return refuse("<@%s> has been deactivated.", u)
		}
	}
	return nil
}

func (e *Engine) requireManager(a Actor) (people.Manager, error) {
	m, err := e.managerOrNil(a.Team, a.User)
	if err != nil {
		return people.Manager{}, err
	}
	if m == nil {
		return people.Manager{}, refuse(optInFirst)
	}
	return *m, nil
}

// ShowHours tells the actor their hours and where they come from.
func (e *Engine) ShowHours(ctx context.Context, a Actor) (string, error) {
	h, source, err := e.EffectiveHours(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("Your working hours are *%s* (%s).", h, source)
	if source != SourceOwn {
		msg += " Set your own with `/trustnudge hours Mon-Fri 09:00-17:30`."
	}
	return msg, nil
}

// SetHours sets the actor's own working hours from a spec.
func (e *Engine) SetHours(ctx context.Context, a Actor, spec string) (string, error) {
	h, err := workhours.Parse(spec)
	if err != nil {
		return "", refuse("I couldn't read those hours: %v. Example: `%s`, optionally followed by a time zone like Europe/Berlin.", err, workhours.Default)
	}
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return "", err
	}
	p.Team, p.ID, p.Hours = a.Team, a.User, h.String()
	if err := e.store.PutPerson(p); err != nil {
		return "", err
	}
	eff, _, err := e.EffectiveHours(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Saved: your working hours are now *%s*.", eff), nil
}

// ClearHours returns the actor to the workspace default hours.
func (e *Engine) ClearHours(ctx context.Context, a Actor) (string, error) {
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return "", err
	}
	p.Team, p.ID, p.Hours = a.Team, a.User, ""
	if err := e.store.PutPerson(p); err != nil {
		return "", err
	}
	return e.ShowHours(ctx, a)
}

// Snooze pauses the actor's nudges for d.
func (e *Engine) Snooze(ctx context.Context, a Actor, d time.Duration, reason people.SnoozeReason) (string, error) {
	if d < people.MinSnooze || d > people.MaxSnooze {
		return "", refuse("A snooze lasts from 1 hour to 90 days.")
	}
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	m.SnoozedUntil = e.clock.Now().Add(d)
	m.SnoozeReason = reason
	if err := e.store.PutManager(m); err != nil {
		return "", err
	}
	loc, err := e.location(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	msg := "Snoozed until " + formatTime(m.SnoozedUntil, loc)
	if reason != "" {
		msg += " (" + string(reason) + ")"
	}
	return msg + ". `/trustnudge snooze off` resumes nudges sooner.", nil
}

// Unsnooze resumes the actor's nudges.
func (e *Engine) Unsnooze(ctx context.Context, a Actor) (string, error) {
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	if !m.Snoozed(e.clock.Now()) {
		return "You weren't snoozed; nudges are on.", nil
	}
	m.SnoozedUntil, m.SnoozeReason = time.Time{}, ""
	if err := e.store.PutManager(m); err != nil {
		return "", err
	}
	return "Nudges are back on.", nil
}

// Exclude leaves the actor out of all counting, for every manager, and
// deletes what was already recorded about them.
func (e *Engine) Exclude(ctx context.Context, a Actor) (string, error) {
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return "", err
	}
	p.Team, p.ID, p.Excluded = a.Team, a.User, true
	if err := e.store.PutPerson(p); err != nil {
		return "", err
	}
	n, err := e.store.ForgetObservationsOf(a.Team, a.User)
	if n > 0 {
		e.recent.reset(e.clock.Now())
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Done: you're left out of all counting, for every manager, from now on. I removed you from %s. `/trustnudge include-me` undoes this.",
		plural(n, "message record")), nil
}

// Include counts the actor again.
func (e *Engine) Include(ctx context.Context, a Actor) (string, error) {
	p, err := e.store.Person(a.Team, a.User)
	if err != nil {
		return "", err
	}
	if !p.Excluded {
		return "You're already counted like everyone else.", nil
	}
	p.Excluded = false
	if err := e.store.PutPerson(p); err != nil {
		return "", err
	}
	return "You're counted again from now on. Nothing from the time you were left out was recorded.", nil
}

// Forget deletes everything about the actor and says what it deleted.
func (e *Engine) Forget(ctx context.Context, a Actor) (string, error) {
	f, err := e.store.ForgetUser(a.Team, a.User)
	if f.Observations > 0 {
		e.recent.reset(e.clock.Now())
	}
	if err != nil {
		return "", err
	}
	pruned, err := e.pruneUnserved(a.Team)
	if err != nil {
		return "", err
	}
	var parts []string
	if f.ManagerRecord {
		parts = append(parts, fmt.Sprintf("your opt-in and your team list (%s)", plural(f.TeamMembers, "person")))
	}
	if f.OnTeamsOf > 0 {
		parts = append(parts, fmt.Sprintf("your place on %s", plural(f.OnTeamsOf, "manager's team")))
	}
	if f.Settings {
		parts = append(parts, "your working hours and privacy settings")
	}
	if n := f.Observations + pruned; n > 0 {
		parts = append(parts, plural(n, "message record"))
	}
	if f.Requests > 0 {
		parts = append(parts, plural(f.Requests, "waiting question")+" you asked or that waited for you")
	}
	if f.Nudges > 0 {
		parts = append(parts, "the record of "+plural(f.Nudges, "nudge")+" sent to you")
	}
	if f.Votes > 0 {
		parts = append(parts, plural(f.Votes, "vote")+" in open polls")
	}
	if f.Norm {
		parts = append(parts, "your team's adopted messaging norm")
	}
	if f.Weeks > 0 {
		parts = append(parts, plural(f.Weeks, "week")+" of counts for your weekly digest")
	}
	if f.Digests > 0 {
		parts = append(parts, "the record of "+plural(f.Digests, "weekly digest")+" sent to you")
	}
	if len(parts) == 0 {
		return "trustnudge held nothing about you, so there was nothing to delete.", nil
	}
	return "Deleted everything trustnudge held about you: " + strings.Join(parts, "; ") + ". Nothing is left.", nil
}

func teamLine(members []activity.UserID) string {
	if len(members) == 0 {
		return "Your team is empty; add people with `/trustnudge team @alice @bob`."
	}
	return fmt.Sprintf("Your team (%s): %s.", plural(len(members), "person"), mentions(members))
}

func mentions(us []activity.UserID) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = "<@" + string(u) + ">"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case noun == "person":
		return fmt.Sprintf("%d people", n)
	case strings.HasSuffix(noun, "'s team"):
		return fmt.Sprintf("%d %ss' teams", n, strings.TrimSuffix(noun, "'s team"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func formatTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}

// SetKind switches one nudge kind on or off for the actor ("Stop these").
// A kind switched off stays off until switched on again.
func (e *Engine) SetKind(ctx context.Context, a Actor, kind string, on bool) (string, error) {
	words, ok := people.Kinds[kind]
	if !ok {
		return "", refuse("There is no nudge kind %q.", kind)
	}
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	was := m.KindOff(kind)
	m.KindsOff = slices.DeleteFunc(m.KindsOff, func(k string) bool { return k == kind })
	if !on {
		m.KindsOff = append(m.KindsOff, kind)
		slices.Sort(m.KindsOff)
	}
	what := "Nudges about " + words + "s"
	if kind == people.KindDigest {
		what = "Weekly digests"
	}
	if was == !on {
		if on {
			return what + " are already on.", nil
		}
		return what + " are already off.", nil
	}
	if err := e.store.PutManager(m); err != nil {
		return "", err
	}
	if on {
		return what + " are back on.", nil
	}
	if kind == people.KindDigest {
		return "Done: no more weekly digests. Turn them back on from the App Home; `/trustnudge digest` still sends one when you ask.", nil
	}
	return fmt.Sprintf("Done: no more nudges about %ss. Turn them back on from the App Home.", words), nil
}

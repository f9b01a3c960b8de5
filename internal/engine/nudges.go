package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Delivery is one nudge the adapter must send: what it is about and the
// record that was committed before sending.
type Delivery struct {
	Record     policy.Record
	AfterHours *detect.AfterHours
	Waiting    []detect.Slow
	ManagerLoc *time.Location
	// MemberLoc is the zone of the members an after-hours message reached,
	// when they share one; nil otherwise.
	MemberLoc *time.Location
	// Digest is the weekly digest to send, for Record.Kind
	// people.KindDigest (whose Record is not stored: digests keep a
	// digest.Record of their own).
	Digest *digest.Report
}

// Deliverer sends nudges to Slack (the Slack adapter implements it).
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery) error
}

// Variants lists the nudge library's entry ids per kind, for rotation.
type Variants func(kind string) []string

// Outcome counts what became of findings, for logs and metrics.
type Outcome struct {
	Kind, Result, Reason string
}

// afterOwnMessage runs the detectors for a message by an opted-in manager:
// after-hours reach, and answers to waiting requests.
func (e *Engine) afterManagerMessage(ctx context.Context, m people.Manager, o activity.Observation) error {
	if err := e.resolveAnswered(ctx, m, o); err != nil {
		return err
	}
	members, err := e.concernedMembers(ctx, m, o)
	if err != nil || len(members) == 0 {
		return err
	}
	f, ok := detect.CheckAfterHours(o, members)
	if !ok {
		return nil
	}
	f.Team, f.Manager = o.Team, m.ID
	// Counted for the digest whether or not a nudge goes out, once per
	// message however often it is delivered.
	e.count(ctx, o.Team, m.ID, o.Time(), digest.Event{Kind: digest.AfterHours, Once: string(o.Channel) + "/" + string(o.TS)})
	// One nudge per message, whatever the cooldown: a message processed
	// twice (a redelivery whose event ID was lost in a crash) must not
	// nudge twice.
	past, err := e.store.NudgesOf(m.Team, m.ID, e.clock.Now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	for _, r := range past {
		if r.Kind == people.KindAfterHours && r.Channel == o.Channel && r.TS == o.TS {
			return nil
		}
	}
	return e.nudge(ctx, m, people.KindAfterHours, func(rec *policy.Record, d *Delivery) {
		rec.Channel, rec.TS = o.Channel, o.TS
		d.AfterHours = &f
		d.MemberLoc = sharedZone(members, f)
	})
}

// concernedMembers are the manager's team members present in the
// conversation or mentioned, who have not excluded themselves, with their
// hours and their own last out-of-hours message there.
func (e *Engine) concernedMembers(ctx context.Context, m people.Manager, o activity.Observation) ([]detect.Member, error) {
	if len(m.Members) == 0 {
		return nil, nil
	}
	present := map[activity.UserID]bool{}
	for _, u := range o.Mentions {
		present[u] = true
	}
	if e.dir != nil {
		in, err := e.dir.ChannelMembers(ctx, o.Team, o.Channel)
		if err != nil {
			return nil, fmt.Errorf("engine: members of %s: %w", o.Channel, err)
		}
		for _, u := range in {
			present[u] = true
		}
	}
	lastOutside, err := e.lastPostsIn(o.Team, o.Channel, m.ID, o.Time())
	if err != nil {
		return nil, err
	}
	var out []detect.Member
	for _, u := range m.Members {
		if !present[u] {
			continue
		}
		p, err := e.store.Person(o.Team, u)
		if err != nil {
			return nil, err
		}
		if p.Excluded {
			continue
		}
		h, _, err := e.EffectiveHours(ctx, o.Team, u)
		if err != nil {
			return nil, err
		}
		// The team's adopted norm wins over personal settings, read in the
		// member's own zone unless the norm names one.
		if norm, ok, err := e.teamNorm(o.Team, m.ID); err != nil {
			return nil, err
		} else if ok {
			if !norm.HasZone() {
				norm = norm.In(h.Location())
			}
			h = norm
		}
		last := lastOutside[u]
		if !last.IsZero() && h.Contains(last) {
			last = time.Time{} // their message was inside their hours
		}
		out = append(out, detect.Member{ID: u, Hours: h, LastOwnOutside: last})
	}
	return out, nil
}

// sharedZone is the zone of the members in the conversation, if they all
// share one, so the nudge can say "09:00 for them". The suggested time fits
// all of them, so all of them count.
func sharedZone(members []detect.Member, _ detect.AfterHours) *time.Location {
	var loc *time.Location
	for _, mb := range members {
		l := mb.Hours.Location()
		if loc != nil && loc.String() != l.String() {
			return nil
		}
		loc = l
	}
	return loc
}

// trackRequests records the requests a team member's message makes to
// each of their managers, and counts each for the manager's digest.
func (e *Engine) trackRequests(ctx context.Context, o activity.Observation) error {
	managers, err := e.store.ManagersOf(o.Team, o.User)
	if err != nil {
		return err
	}
	for _, m := range managers {
		if r, ok := detect.RequestFrom(o, m.ID); ok {
			r.Team = o.Team
			if err := e.store.PutRequest(r); err != nil {
				return err
			}
			e.count(ctx, o.Team, m.ID, r.Since, digest.Event{Kind: digest.Request, Once: r.Key()})
		}
	}
	return nil
}

// resolveAnswered removes the manager's requests that o answers, and
// counts each answer with its reply time.
func (e *Engine) resolveAnswered(ctx context.Context, m people.Manager, o activity.Observation) error {
	pending, err := e.store.PendingRequestsIn(o.Team, m.ID, o.Channel)
	if err != nil {
		return err
	}
	for _, r := range pending {
		if detect.Answers(o, r) {
			got, ok, err := e.store.ResolveRequest(o.Team, r.Key())
			if err != nil {
				return err
			}
			if ok {
				e.countAnswer(ctx, got, o.Time())
			}
		}
	}
	return nil
}

// React resolves requests a manager answered with a reaction.
func (e *Engine) React(ctx context.Context, rx activity.Reaction) error {
	if rx.Removed || rx.User == "" {
		return nil
	}
	if _, err := e.store.Manager(rx.Team, rx.User); errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	pending, err := e.store.PendingRequestsIn(rx.Team, rx.User, rx.Channel)
	if err != nil {
		return err
	}
	for _, r := range pending {
		if detect.AnsweredByReaction(rx, r) {
			got, ok, err := e.store.ResolveRequest(rx.Team, r.Key())
			if err != nil {
				return err
			}
			if ok {
				at := rx.At
				if at.IsZero() || at.Before(got.Since) {
					at = e.clock.Now()
				}
				e.countAnswer(ctx, got, at)
			}
		}
	}
	return nil
}

// Sweep looks for requests that have waited too long and nudges their
// managers by DM, only inside each manager's own working hours (a held
// nudge goes out at the first sweep of their next working period).
func (e *Engine) Sweep(ctx context.Context) error {
	teams, err := e.store.Teams()
	if err != nil {
		return err
	}
	var errs []error
	for _, team := range teams {
		managers, err := e.store.RequestManagers(team)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, id := range managers {
			if err := e.sweepManager(ctx, team, id); err != nil {
				errs = append(errs, fmt.Errorf("sweep %s: %w", id, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) sweepManager(ctx context.Context, team activity.TeamID, id activity.UserID) error {
	m, err := e.managerOrNil(team, id)
	if err != nil || m == nil {
		return err
	}
	pending, err := e.store.PendingRequests(team, id)
	if err != nil {
		return err
	}
	hours, err := e.teamHours(ctx, team, id)
	if err != nil {
		return err
	}
	slow := detect.Overdue(pending, e.clock.Now(), hours, e.opts.SlowAfter)
	if len(slow) == 0 {
		return nil
	}
	return e.nudge(ctx, *m, people.KindSlowReply, func(_ *policy.Record, d *Delivery) {
		d.Waiting = slow
	})
}

// nudge runs the policy for one finding and, if it says send, commits the
// record before delivering it: a crash between the two never sends twice.
func (e *Engine) nudge(ctx context.Context, m people.Manager, kind string, fill func(*policy.Record, *Delivery)) error {
	now := e.clock.Now()
	past, err := e.store.NudgesOf(m.Team, m.ID, now.Add(-8*24*time.Hour))
	if err != nil {
		return err
	}
	hours, _, err := e.EffectiveHours(ctx, m.Team, m.ID)
	if err != nil {
		return err
	}
	dec := policy.Decide(kind, &m, past, hours, now, e.opts.Policy)
	if dec.Action != policy.Send {
		e.outcome(Outcome{Kind: kind, Result: dec.Action.String(), Reason: dec.Reason})
		e.log.Debug("nudge not sent", "kind", kind, "manager", m.ID, "action", dec.Action.String(), "reason", dec.Reason)
		return nil
	}
	rec := policy.Record{ID: newID(), Team: m.Team, Manager: m.ID, Kind: kind, Created: now, State: policy.Sending}
	if e.opts.Variants != nil {
		rec.VariantID = policy.NextVariant(e.opts.Variants(kind), past, kind)
	}
	loc, err := e.location(ctx, m.Team, m.ID)
	if err != nil {
		return err
	}
	d := Delivery{ManagerLoc: loc}
	fill(&rec, &d)
	d.Record = rec
	if err := e.store.PutNudge(rec); err != nil {
		return err
	}
	if e.opts.Deliverer == nil {
		return errors.New("engine: no deliverer for nudges")
	}
	state := policy.Sent
	derr := e.opts.Deliverer.Deliver(ctx, d)
	if derr != nil {
		state = policy.Failed
	}
	if err := e.store.SetNudgeState(m.Team, rec.ID, state, e.clock.Now()); err != nil {
		return errors.Join(derr, err)
	}
	e.outcome(Outcome{Kind: kind, Result: string(state)})
	if derr != nil {
		return fmt.Errorf("engine: deliver %s nudge %s: %w", kind, rec.ID, derr)
	}
	e.countIn(m.Team, m.ID, digest.WeekOf(now, loc), digest.Event{Kind: digest.Nudge, Once: rec.ID})
	e.log.Info("nudge sent", "kind", kind, "manager", m.ID, "nudge", rec.ID, "variant", rec.VariantID)
	return nil
}

func (e *Engine) outcome(o Outcome) {
	if e.opts.OnOutcome != nil {
		e.opts.OnOutcome(o)
	}
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Feedback records "helpful" or "not helpful" on a nudge, from its manager.
func (e *Engine) Feedback(ctx context.Context, a Actor, nudgeID, feedback string) (string, error) {
	rec, err := e.store.Nudge(a.Team, nudgeID)
	if errors.Is(err, ErrNotFound) || (err == nil && rec.Manager != a.User) {
		return "", refuse("That nudge is no longer on record.")
	}
	if err != nil {
		return "", err
	}
	if !slices.Contains([]string{policy.Helpful, policy.NotHelpful}, feedback) {
		return "", refuse("Unknown feedback.")
	}
	if err := e.store.SetFeedback(a.Team, nudgeID, feedback); err != nil {
		return "", err
	}
	if feedback == policy.Helpful {
		return "Thanks, noted: glad it helped.", nil
	}
	return "Thanks, noted. If this kind of nudge isn't useful to you, *Stop these* switches it off.", nil
}

// teamHours are the hours a manager's waiting time is counted in: the
// team's adopted norm when there is one (in the manager's zone), else the
// manager's own.
func (e *Engine) teamHours(ctx context.Context, team activity.TeamID, manager activity.UserID) (workhours.Hours, error) {
	h, _, err := e.EffectiveHours(ctx, team, manager)
	if err != nil {
		return workhours.Hours{}, err
	}
	norm, ok, err := e.teamNorm(team, manager)
	if err != nil || !ok {
		return h, err
	}
	if !norm.HasZone() {
		norm = norm.In(h.Location())
	}
	return norm, nil
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
)

// WeekStore keeps the weekly counts behind the digest and a record of each
// scheduled digest (the store implements it). Counts hold numbers only.
type WeekStore interface {
	// CountWeek counts e in manager's week, once per e.Once.
	CountWeek(team activity.TeamID, manager activity.UserID, week digest.Week, e digest.Event) error
	// WeekStats returns manager's counted weeks in [from, to], oldest first.
	WeekStats(team activity.TeamID, manager activity.UserID, from, to digest.Week) ([]digest.Stats, error)
	// DigestRecord returns the record of manager's digest about week.
	DigestRecord(team activity.TeamID, manager activity.UserID, week digest.Week) (digest.Record, bool, error)
	// ClaimDigest commits r unless there is a record for its week already,
	// and reports whether it did.
	ClaimDigest(team activity.TeamID, manager activity.UserID, r digest.Record) (bool, error)
	SetDigestState(team activity.TeamID, manager activity.UserID, week digest.Week, state digest.State, at time.Time) error
	// ForgetWeeks deletes manager's counts and digest records.
	ForgetWeeks(team activity.TeamID, manager activity.UserID) (int, error)
}

// Digest triggers, for DigestOutcome.
const (
	DigestWeekly   = "weekly"
	DigestOnDemand = "on_demand"
)

// DigestOutcome is what became of one digest, for metrics: its trigger
// (DigestWeekly or DigestOnDemand) and result (digest.Sent or
// digest.Failed).
type DigestOutcome struct {
	Trigger string
	Result  digest.State
}

// count adds ev to manager's week that at falls in, in the manager's zone.
// Counting never stops detection or a nudge: a failure is logged.
func (e *Engine) count(ctx context.Context, team activity.TeamID, manager activity.UserID, at time.Time, ev digest.Event) {
	if e.opts.Weeks == nil {
		return
	}
	loc, err := e.location(ctx, team, manager)
	if err != nil {
		e.log.Warn("weekly count skipped: no time zone", "manager", manager, "kind", ev.Kind.String(), "err", err)
		return
	}
	e.countIn(team, manager, digest.WeekOf(at, loc), ev)
}

func (e *Engine) countIn(team activity.TeamID, manager activity.UserID, week digest.Week, ev digest.Event) {
	if e.opts.Weeks == nil {
		return
	}
	if err := e.opts.Weeks.CountWeek(team, manager, week, ev); err != nil {
		e.log.Error("weekly count failed", "manager", manager, "kind", ev.Kind.String(), "week", week.String(), "err", err)
	}
}

// countAnswer counts an answered request with its reply time, in the
// working minutes of the hours the manager's replies are measured in.
func (e *Engine) countAnswer(ctx context.Context, r detect.Request, at time.Time) {
	if e.opts.Weeks == nil {
		return
	}
	hours, err := e.teamHours(ctx, r.Team, r.Manager)
	if err != nil {
		e.log.Warn("weekly count skipped: no hours", "manager", r.Manager, "err", err)
		return
	}
	e.count(ctx, r.Team, r.Manager, at, digest.Event{Kind: digest.Answer, Once: r.Key(), WorkingMinutes: detect.Waited(r, at, hours)})
}

// Digests sends every opted-in manager their weekly digest when it is due
// (digest.Due): from 09:00 on Monday in their time zone, at the first run
// inside their working hours, about the week that just ended, once. The
// digest's record is committed before it is sent, so a crash or a second
// instance never sends it twice; a failed send is not retried. Nothing goes
// to a manager who is snoozed (it follows later that week if the snooze
// ends), who switched digests off, who has no team, or who opted in too
// late in the week to have numbers for it. Run it every 15 minutes on the
// quarter hour: every zone's Monday 09:00 is a quarter hour in UTC, so each
// manager's 09:00 is a run.
func (e *Engine) Digests(ctx context.Context) error {
	if e.opts.Weeks == nil {
		return nil
	}
	teams, err := e.store.Teams()
	if err != nil {
		return err
	}
	var errs []error
	for _, team := range teams {
		managers, err := e.store.Managers(team)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range managers {
			if ctx.Err() != nil {
				return errors.Join(append(errs, ctx.Err())...)
			}
			if err := e.weeklyDigest(ctx, m); err != nil {
				errs = append(errs, fmt.Errorf("digest for %s: %w", m.ID, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) weeklyDigest(ctx context.Context, m people.Manager) error {
	now := e.clock.Now()
	if m.Snoozed(now) || m.KindOff(people.KindDigest) || len(m.Members) == 0 {
		return nil
	}
	loc, err := e.location(ctx, m.Team, m.ID)
	if err != nil {
		return err
	}
	week := digest.ReportedWeek(now, loc)
	if now.Before(week.SendAt(loc)) || !digest.Counted(week, loc, m.OptedInAt) {
		return nil
	}
	_, sent, err := e.opts.Weeks.DigestRecord(m.Team, m.ID, week)
	if err != nil || sent {
		return err
	}
	hours, _, err := e.EffectiveHours(ctx, m.Team, m.ID)
	if err != nil {
		return err
	}
	if !digest.Due(now, loc, hours, sent) {
		return nil
	}
	report, err := e.digestReport(ctx, m, loc, week, false)
	if err != nil {
		return err
	}
	rec := digest.Record{Week: week, State: digest.Sending, Created: now, VariantID: e.digestVariant(m.ID, week)}
	claimed, err := e.opts.Weeks.ClaimDigest(m.Team, m.ID, rec)
	if err != nil || !claimed {
		return err // not claimed: another run got there first
	}
	derr := e.deliverDigest(ctx, m, loc, "weekly-"+week.String(), rec.VariantID, report)
	state := digest.Sent
	if derr != nil {
		state = digest.Failed
	}
	if err := e.opts.Weeks.SetDigestState(m.Team, m.ID, week, state, e.clock.Now()); err != nil {
		derr = errors.Join(derr, err)
	}
	e.digestOutcome(DigestOutcome{Trigger: DigestWeekly, Result: state})
	if derr != nil {
		return fmt.Errorf("engine: deliver digest of week %s: %w", week, derr)
	}
	e.log.Info("weekly digest sent", "manager", m.ID, "week", week.String(), "variant", rec.VariantID)
	return nil
}

// DigestNow sends the actor their digest of this week so far, as a DM, at
// once. It is not the weekly one: Monday's digest still comes.
func (e *Engine) DigestNow(ctx context.Context, a Actor) (string, error) {
	m, err := e.requireManager(a)
	if err != nil {
		return "", err
	}
	if e.opts.Weeks == nil || e.opts.Deliverer == nil {
		return "", errors.New("engine: no weekly counts or deliverer for digests")
	}
	loc, err := e.location(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	week := digest.WeekOf(e.clock.Now(), loc)
	report, err := e.digestReport(ctx, m, loc, week, true)
	if err != nil {
		return "", err
	}
	derr := e.deliverDigest(ctx, m, loc, newID(), e.digestVariant(m.ID, week), report)
	result := digest.Sent
	if derr != nil {
		result = digest.Failed
	}
	e.digestOutcome(DigestOutcome{Trigger: DigestOnDemand, Result: result})
	if derr != nil {
		return "", fmt.Errorf("engine: deliver digest on demand: %w", derr)
	}
	e.log.Info("digest sent on demand", "manager", m.ID, "week", week.String())
	return "Sent: your digest of this week so far is in your direct messages with trustnudge. " +
		"It doesn't replace the weekly one, which comes on Monday morning.", nil
}

// digestReport gathers a manager's numbers for week and composes them.
func (e *Engine) digestReport(ctx context.Context, m people.Manager, loc *time.Location, week digest.Week, partial bool) (digest.Report, error) {
	now := e.clock.Now()
	stats, err := e.opts.Weeks.WeekStats(m.Team, m.ID, week.Add(-(digest.KeepWeeks - 1)), week)
	if err != nil {
		return digest.Report{}, err
	}
	pending, err := e.store.PendingRequests(m.Team, m.ID)
	if err != nil {
		return digest.Report{}, err
	}
	hours, err := e.teamHours(ctx, m.Team, m.ID)
	if err != nil {
		return digest.Report{}, err
	}
	norm, hasNorm, err := e.teamNorm(m.Team, m.ID)
	if err != nil {
		return digest.Report{}, err
	}
	spec := ""
	if hasNorm {
		if !norm.HasZone() {
			norm = norm.In(loc)
		}
		spec = norm.String()
	}
	return digest.Compose(digest.Input{
		Week: week, Partial: partial, Now: now, Loc: loc, OptedIn: m.OptedInAt,
		Stats: stats, Waiting: len(pending), Slow: len(detect.Overdue(pending, now, hours, e.opts.SlowAfter)),
		Norm: spec,
	}), nil
}

func (e *Engine) deliverDigest(ctx context.Context, m people.Manager, loc *time.Location, id, variant string, report digest.Report) error {
	if e.opts.Deliverer == nil {
		return errors.New("engine: no deliverer for digests")
	}
	return e.opts.Deliverer.Deliver(ctx, Delivery{
		Record: policy.Record{
			ID: id, Team: m.Team, Manager: m.ID, Kind: people.KindDigest,
			Created: e.clock.Now(), State: policy.Sending, VariantID: variant,
		},
		Digest:     &report,
		ManagerLoc: loc,
	})
}

// digestVariant is the library entry of manager's digest about week: the
// entries take turns week by week.
func (e *Engine) digestVariant(manager activity.UserID, week digest.Week) string {
	if e.opts.Variants == nil {
		return ""
	}
	return digest.Variant(e.opts.Variants(people.KindDigest), string(manager), week)
}

func (e *Engine) digestOutcome(o DigestOutcome) {
	if e.opts.OnDigest != nil {
		e.opts.OnDigest(o)
	}
}

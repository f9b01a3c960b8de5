package engine

import (
	"context"
	"errors"
	"slices"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/people"
)

// Observe records what opted-in managers' patterns need, and nothing else:
//   - messages by an opted-in manager;
//   - messages by a member of an opted-in manager's team that mention that
//     manager or reply in a thread the manager started (requests);
//   - messages by a team member outside their own working hours (so a
//     manager's reply to them is not counted against the manager).
//
// Nothing is recorded about people who excluded themselves, and mentions
// are kept only for people on a team.
//
// It then runs the detectors: a manager's message may reach members after
// hours or answer their requests; a member's message may be a request.
func (e *Engine) Observe(ctx context.Context, o activity.Observation) error {
	if o.IsBot || o.User == "" || o.Team == "" {
		return nil
	}
	keep, err := e.relevant(ctx, o)
	if err != nil || !keep {
		return err
	}
	// Detectors see the message before it is recorded, so the "they
	// started it" lookback finds only earlier messages.
	m, err := e.managerOrNil(o.Team, o.User)
	if err != nil {
		return err
	}
	if m != nil {
		if err := e.afterManagerMessage(ctx, *m, o); err != nil {
			e.log.Error("detectors failed on a manager message", "channel", o.Channel, "ts", o.TS, "err", err)
		}
	}
	if err := e.trackRequests(ctx, o); err != nil {
		return err
	}
	o.Mentions, err = e.countedMentions(o.Team, o.Mentions)
	if err != nil {
		return err
	}
	if o.ParentUser != "" {
		if ok, err := e.counted(o.Team, o.ParentUser); err != nil {
			return err
		} else if !ok {
			o.ParentUser = ""
		}
	}
	if err := e.store.RecordObservation(o); err != nil {
		return err
	}
	e.recent.add(o.Team, o.Channel, o.User, o.Time())
	return nil
}

func (e *Engine) relevant(ctx context.Context, o activity.Observation) (bool, error) {
	author, err := e.store.Person(o.Team, o.User)
	if err != nil {
		return false, err
	}
	if author.Excluded {
		return false, nil
	}
	if _, err := e.store.Manager(o.Team, o.User); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	managers, err := e.store.ManagersOf(o.Team, o.User)
	if err != nil || len(managers) == 0 {
		return false, err
	}
	for _, m := range managers {
		if o.ParentUser == m.ID || slices.Contains(o.Mentions, m.ID) {
			return true, nil
		}
	}
	hours, _, err := e.EffectiveHours(ctx, o.Team, o.User)
	if err != nil {
		return false, err
	}
	return !hours.Contains(o.Time()), nil
}

// counted reports whether u is someone trustnudge may count: a manager or a
// team member, who has not excluded themselves.
func (e *Engine) counted(team activity.TeamID, u activity.UserID) (bool, error) {
	p, err := e.store.Person(team, u)
	if err != nil || p.Excluded {
		return false, err
	}
	if _, err := e.store.Manager(team, u); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	ms, err := e.store.ManagersOf(team, u)
	return len(ms) > 0, err
}

func (e *Engine) countedMentions(team activity.TeamID, ms []activity.UserID) ([]activity.UserID, error) {
	var out []activity.UserID
	for _, m := range ms {
		ok, err := e.counted(team, m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// pruneUnserved deletes observations that no opted-in manager needs any
// more, after someone opted out or left a team.
func (e *Engine) pruneUnserved(team activity.TeamID) (int, error) {
	managers, err := e.store.Managers(team)
	if err != nil {
		return 0, err
	}
	isManager := map[activity.UserID]bool{}
	onTeam := map[activity.UserID]bool{}
	for _, m := range managers {
		isManager[m.ID] = true
		for _, u := range m.Members {
			onTeam[u] = true
		}
	}
	n, err := e.store.PruneObservations(team, func(o activity.Observation) bool {
		return isManager[o.User] || onTeam[o.User]
	})
	if n > 0 {
		e.recent.reset(e.clock.Now())
	}
	if err != nil {
		return n, err
	}
	// A request waits only while its manager has its asker on the team.
	teams := map[activity.UserID]map[activity.UserID]bool{}
	for _, m := range managers {
		teams[m.ID] = map[activity.UserID]bool{}
		for _, u := range m.Members {
			teams[m.ID][u] = true
		}
	}
	r, err := e.store.PruneRequests(team, func(r detect.Request) bool { return teams[r.Manager][r.Asker] })
	return n + r, err
}

// managerOrNil returns the manager record, or nil if user has not opted in.
func (e *Engine) managerOrNil(team activity.TeamID, user activity.UserID) (*people.Manager, error) {
	m, err := e.store.Manager(team, user)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/poll"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// PollStore is what the norms poll keeps. Votes are stored under a keyed
// hash of the voter, never the user ID.
type PollStore interface {
	PutPoll(p poll.Poll) error
	Poll(team activity.TeamID, id string) (poll.Poll, error)
	AllOpenPolls() ([]poll.Poll, error)
	RecordVote(team activity.TeamID, pollID string, user activity.UserID, option int, at time.Time) (bool, error)
	Votes(team activity.TeamID, pollID string) ([]poll.Vote, error)
	ForgetVotes(team activity.TeamID, user activity.UserID) (int, error)
	SetNorm(team activity.TeamID, manager activity.UserID, spec, pollID string, at time.Time) error
	Norm(team activity.TeamID, manager activity.UserID) (spec, pollID string, ok bool, err error)
}

// PollState is a poll with what may be shown about it.
type PollState struct {
	Poll   poll.Poll
	Result poll.Result
	Quorum int
	Loc    *time.Location // the creator's zone, for times
}

// PollDraftDefaults are the modal's starting values for a manager.
func (e *Engine) PollDraftDefaults(ctx context.Context, a Actor) (question string, options []poll.Option, deadline time.Time, err error) {
	if _, err := e.requireManager(a); err != nil {
		return "", nil, time.Time{}, err
	}
	h, _, err := e.EffectiveHours(ctx, a.Team, a.User)
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return poll.DefaultQuestion, poll.DefaultOptions(), poll.DefaultDeadline(e.clock.Now(), h), nil
}

// CreatePoll validates a draft from the modal and stores the poll. It
// returns field errors for the modal, or the poll to post.
func (e *Engine) CreatePoll(ctx context.Context, a Actor, d poll.Draft) (poll.Poll, []poll.FieldError, error) {
	if _, err := e.requireManager(a); err != nil {
		return poll.Poll{}, nil, err
	}
	now := e.clock.Now()
	if errs := poll.Validate(d, now); len(errs) > 0 {
		return poll.Poll{}, errs, nil
	}
	var opts []poll.Option
	for _, o := range d.Options {
		if strings.TrimSpace(o.Label) == "" {
			continue
		}
		if o.Hours != "" {
			h, err := workhours.Parse(o.Hours)
			if err != nil {
				return poll.Poll{}, []poll.FieldError{{Field: "options", Msg: err.Error()}}, nil
			}
			o.Hours = h.String()
		}
		opts = append(opts, poll.Option{Label: strings.TrimSpace(o.Label), Hours: o.Hours})
	}
	p := poll.Poll{
		ID: newID(), Team: a.Team, Creator: a.User, Channel: d.Channel,
		Question: strings.TrimSpace(d.Question), Options: opts,
		Created: now, Deadline: d.Deadline, Live: d.Live, Adopted: -1,
	}
	if err := e.polls().PutPoll(p); err != nil {
		return poll.Poll{}, nil, err
	}
	return p, nil, nil
}

// SetPollMessage remembers where the poll was posted, so it can be updated.
func (e *Engine) SetPollMessage(team activity.TeamID, id string, ts activity.TS) error {
	p, err := e.polls().Poll(team, id)
	if err != nil {
		return err
	}
	p.MessageTS = ts
	return e.polls().PutPoll(p)
}

// Vote records a's vote (anonymously) and says what they chose.
func (e *Engine) Vote(ctx context.Context, a Actor, pollID string, option int) (string, error) {
	p, err := e.polls().Poll(a.Team, pollID)
	if errors.Is(err, ErrNotFound) {
		return "", refuse("That poll no longer exists.")
	}
	if err != nil {
		return "", err
	}
	member := true
	if e.dir != nil {
		ms, err := e.dir.ChannelMembers(ctx, a.Team, p.Channel)
		if err != nil {
			return "", err
		}
		member = false
		for _, u := range ms {
			member = member || u == a.User
		}
	}
	loc, err := e.location(ctx, a.Team, a.User)
	if err != nil {
		return "", err
	}
	now := e.clock.Now()
	if msg := poll.CheckVote(p, option, member, now, loc); msg != "" {
		return "", refuse("%s", msg)
	}
	if _, err := e.polls().RecordVote(a.Team, pollID, a.User, option, now); err != nil {
		return "", err
	}
	return fmt.Sprintf("You chose “%s”. Your vote is anonymous; you can change it until %s.",
		p.Options[option].Label, formatTime(p.Deadline, loc)), nil
}

// PollState gathers a poll with what may be shown of it.
func (e *Engine) PollState(ctx context.Context, team activity.TeamID, id string) (PollState, error) {
	p, err := e.polls().Poll(team, id)
	if err != nil {
		return PollState{}, err
	}
	votes, err := e.polls().Votes(team, id)
	if err != nil {
		return PollState{}, err
	}
	loc, err := e.location(ctx, team, p.Creator)
	if err != nil {
		return PollState{}, err
	}
	return PollState{Poll: p, Result: poll.Outcome(p, votes, e.quorum()), Quorum: e.quorum(), Loc: loc}, nil
}

// Quorum is how many must vote before counts are shown.
func (e *Engine) Quorum() int { return e.quorum() }

func (e *Engine) quorum() int {
	if e.opts.PollQuorum > 0 {
		return e.opts.PollQuorum
	}
	return poll.DefaultQuorum
}

// ClosePoll closes a poll for its creator or an admin.
func (e *Engine) ClosePoll(ctx context.Context, a Actor, id string) (PollState, error) {
	p, err := e.polls().Poll(a.Team, id)
	if errors.Is(err, ErrNotFound) {
		return PollState{}, refuse("That poll no longer exists.")
	}
	if err != nil {
		return PollState{}, err
	}
	if !p.Closed.IsZero() {
		return PollState{}, refuse("This poll is already closed.")
	}
	admin, err := e.isAdmin(ctx, a.Team, a.User)
	if err != nil {
		return PollState{}, err
	}
	if msg := poll.CanClose(p, a.User, admin); msg != "" {
		return PollState{}, refuse("%s", msg)
	}
	return e.closePoll(ctx, p, a.User)
}

func (e *Engine) closePoll(ctx context.Context, p poll.Poll, by activity.UserID) (PollState, error) {
	// poll.Close records the deadline, not the sweep's time, for a poll
	// closed because its time was up.
	p = poll.Close(p, by, e.clock.Now())
	if err := e.polls().PutPoll(p); err != nil {
		return PollState{}, err
	}
	return e.PollState(ctx, p.Team, p.ID)
}

// PollsDue closes every poll past its deadline and marks those due a
// halfway reminder. The adapter updates the messages and tells people.
func (e *Engine) PollsDue(ctx context.Context) (closed, remind []PollState, err error) {
	open, err := e.polls().AllOpenPolls()
	if err != nil {
		return nil, nil, err
	}
	now := e.clock.Now()
	var errs []error
	for _, p := range open {
		switch {
		case !now.Before(p.Deadline):
			st, err := e.closePoll(ctx, p, "")
			if err != nil {
				errs = append(errs, err)
				continue
			}
			closed = append(closed, st)
		case !p.Reminded && !now.Before(p.Halfway()):
			p.Reminded = true
			if err := e.polls().PutPoll(p); err != nil {
				errs = append(errs, err)
				continue
			}
			st, err := e.PollState(ctx, p.Team, p.ID)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			remind = append(remind, st)
		}
	}
	return closed, remind, errors.Join(errs...)
}

// AdoptPoll makes the winning option the creator's team norm.
func (e *Engine) AdoptPoll(ctx context.Context, a Actor, id string) (PollState, string, error) {
	p, err := e.polls().Poll(a.Team, id)
	if errors.Is(err, ErrNotFound) {
		return PollState{}, "", refuse("That poll no longer exists.")
	}
	if err != nil {
		return PollState{}, "", err
	}
	votes, err := e.polls().Votes(a.Team, id)
	if err != nil {
		return PollState{}, "", err
	}
	option, spec, msg := poll.Adopt(p, votes, e.quorum(), a.User)
	if msg != "" {
		return PollState{}, "", refuse("%s", msg)
	}
	p.Adopted = option
	if err := e.polls().PutPoll(p); err != nil {
		return PollState{}, "", err
	}
	if err := e.polls().SetNorm(a.Team, a.User, spec, id, e.clock.Now()); err != nil {
		return PollState{}, "", err
	}
	st, err := e.PollState(ctx, a.Team, id)
	return st, spec, err
}

// teamNorm is the hours a manager's team adopted, if any.
func (e *Engine) teamNorm(team activity.TeamID, manager activity.UserID) (workhours.Hours, bool, error) {
	if e.opts.Polls == nil {
		return workhours.Hours{}, false, nil
	}
	spec, _, ok, err := e.opts.Polls.Norm(team, manager)
	if err != nil || !ok || spec == "" {
		return workhours.Hours{}, false, err
	}
	h, err := workhours.Parse(spec)
	if err != nil {
		e.log.Warn("adopted norm no longer parses", "manager", manager, "err", err)
		return workhours.Hours{}, false, nil
	}
	return h, true, nil
}

func (e *Engine) polls() PollStore {
	if e.opts.Polls == nil {
		panic("engine: no poll store configured")
	}
	return e.opts.Polls
}

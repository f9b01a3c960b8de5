package engine

import (
	"sync"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
)

// recentPosts remembers when each person last posted in each conversation,
// of the messages the engine recorded, so that the "they started it" rule
// does not scan the conversation's stored messages on every manager
// message (in a busy channel that scan made a burst quadratic).
//
// It knows every message recorded with a timestamp from complete on; for
// an earlier window, or when a later message was already seen (events out
// of order), the store is asked instead, so answers are the same either
// way. Anything that deletes stored messages resets it.
type recentPosts struct {
	mu       sync.Mutex
	complete time.Time
	last     map[recentConv]map[activity.UserID]time.Time
}

type recentConv struct {
	team    activity.TeamID
	channel activity.ChannelID
}

// recentMargin allows for Slack's clock running ahead of ours: a message
// stamped just after a reset may have been recorded just before it.
const recentMargin = 2 * time.Minute

// recentKeep is how long an entry is kept: twice the window it serves.
const recentKeep = 2 * detect.StartedItWindow

// reset forgets everything and trusts only messages stamped from now on.
// It is called after stored messages were deleted; an entry added late
// for a message deleted before is older than any window it could serve.
func (r *recentPosts) reset(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.complete = now.Add(recentMargin)
	r.last = map[recentConv]map[activity.UserID]time.Time{}
}

// trustFrom says every message stamped from t on is known.
func (r *recentPosts) trustFrom(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.complete = t
}

// add notes a recorded message.
func (r *recentPosts) add(team activity.TeamID, channel activity.ChannelID, user activity.UserID, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := recentConv{team, channel}
	users := r.last[k]
	if users == nil {
		users = map[activity.UserID]time.Time{}
		r.last[k] = users
	}
	if at.After(users[user]) {
		users[user] = at
	}
	if len(users) > 32 {
		for u, t := range users {
			if at.Sub(t) > recentKeep {
				delete(users, u)
			}
		}
	}
}

// window returns, for everyone but except, their last recorded message in
// the conversation in [from, to), as the store's scan would; ok is false
// when it can't know and the store must be asked.
func (r *recentPosts) window(team activity.TeamID, channel activity.ChannelID, except activity.UserID, from, to time.Time) (map[activity.UserID]time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if from.Before(r.complete) {
		return nil, false
	}
	out := map[activity.UserID]time.Time{}
	for u, t := range r.last[recentConv{team, channel}] {
		if !t.Before(to) {
			return nil, false // seen a message at or after to: earlier ones are not kept
		}
		if u != except && !t.Before(from) {
			out[u] = t
		}
	}
	return out, true
}

// loadRecent fills the index from the store's recent messages, so it
// serves from the start rather than half an hour after it. On any error
// it stays empty and the store is asked until it knows enough.
func (e *Engine) loadRecent() {
	now := e.clock.Now()
	e.recent.reset(now)
	if e.store == nil {
		return
	}
	teams, err := e.store.Teams()
	if err != nil {
		e.log.Warn("recent messages not loaded; asking the store instead", "err", err)
		return
	}
	from := now.Add(-recentMargin - detect.StartedItWindow)
	type post struct {
		team activity.TeamID
		o    activity.Observation
	}
	var posts []post
	for _, team := range teams {
		// Up to a day ahead: Slack's clock may run ahead of ours.
		err := e.store.Observations(team, from, now.Add(24*time.Hour), func(o activity.Observation) bool {
			posts = append(posts, post{team, o})
			return true
		})
		if err != nil {
			e.log.Warn("recent messages not loaded; asking the store instead", "team", team, "err", err)
			return
		}
	}
	for _, p := range posts {
		e.recent.add(p.team, p.o.Channel, p.o.User, p.o.Time())
	}
	e.recent.trustFrom(from)
}

// lastPostsIn is everyone's (but except's) last recorded message in the
// conversation within the "they started it" window before at.
func (e *Engine) lastPostsIn(team activity.TeamID, channel activity.ChannelID, except activity.UserID, at time.Time) (map[activity.UserID]time.Time, error) {
	from := at.Add(-detect.StartedItWindow)
	if out, ok := e.recent.window(team, channel, except, from, at); ok {
		return out, nil
	}
	out := map[activity.UserID]time.Time{}
	err := e.store.ObservationsIn(team, channel, from, at, func(prev activity.Observation) bool {
		if prev.User != except {
			out[prev.User] = prev.Time()
		}
		return true
	})
	return out, err
}

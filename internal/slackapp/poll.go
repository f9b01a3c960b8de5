package slackapp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/poll"
	"github.com/trustnudge/trustnudge/internal/slackui"
)

// openPollModal opens the norms poll form for a manager, with channel
// preselected when known. A trigger_id is good for 3 seconds: open at once.
func (a *App) openPollModal(ctx context.Context, actor engine.Actor, triggerID string, channel activity.ChannelID) error {
	q, opts, deadline, err := a.core.PollDraftDefaults(ctx, actor)
	if err != nil {
		return err
	}
	if strings.HasPrefix(string(channel), "D") {
		channel = "" // from a DM (the weekly digest): a poll goes to a team channel
	}
	view := slackui.PollModal(q, opts, channel, deadline, a.core.Quorum())
	return a.call(ctx, "views.open", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, triggerID, view)
		return err
	})
}

// submitPoll handles the poll form: field errors stay in the modal; a valid
// poll is stored and posted in its channel.
func (a *App) submitPoll(ctx context.Context, actor engine.Actor, v slack.View) (map[string]any, string) {
	d, err := slackui.ParsePollSubmission(v)
	if err != nil {
		return a.submissionError(slackui.PollQuestionBlock, v, err), ""
	}
	draft := poll.Draft{Question: d.Question, Options: d.Options, Channel: d.Channel, Deadline: d.Deadline, Live: d.Live}
	if errs := poll.Validate(draft, a.clock.Now()); len(errs) > 0 {
		return pollErrors(d, errs), ""
	}
	members, err := a.dir.ChannelMembers(ctx, actor.Team, d.Channel)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "channel_not_found" || se.Err == "not_in_channel") {
			return slackui.ErrorsResponse(slackui.PollChannelBlock, "trustnudge can't see that channel. Add it first: type /invite @trustnudge in the channel."), ""
		}
		a.log.Error("poll: channel members", "channel", d.Channel, "err", err)
		return slackui.ErrorsResponse(slackui.PollChannelBlock, engine.Failed()), ""
	}
	if !slices.Contains(members, activity.UserID(a.self.BotUserID)) {
		return slackui.ErrorsResponse(slackui.PollChannelBlock, "trustnudge isn't in that channel yet. Add it first: type /invite @trustnudge in the channel, then submit again."), ""
	}
	p, fieldErrs, err := a.core.CreatePoll(ctx, actor, draft)
	var r *engine.Refusal
	switch {
	case errors.As(err, &r):
		return slackui.ErrorsResponse(slackui.PollQuestionBlock, truncate(r.Msg, 150)), ""
	case err != nil:
		a.log.Error("poll: create", "err", err)
		return slackui.ErrorsResponse(slackui.PollQuestionBlock, engine.Failed()), ""
	case len(fieldErrs) > 0:
		return pollErrors(d, fieldErrs), ""
	}
	st, err := a.core.PollState(ctx, p.Team, p.ID)
	if err != nil {
		a.log.Error("poll: state", "poll", p.ID, "err", err)
		return slackui.ErrorsResponse(slackui.PollQuestionBlock, engine.Failed()), ""
	}
	view := pollView(st)
	var ts string
	err = a.call(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, t, err := a.api.PostMessageContext(ctx, string(p.Channel), slack.MsgOptionText(slackui.PollText(view), false), slack.MsgOptionBlocks(slackui.PollMessage(view)...))
		ts = t
		return err
	})
	if err != nil {
		a.log.Error("poll: post", "poll", p.ID, "err", err)
		return slackui.ErrorsResponse(slackui.PollChannelBlock, "Slack refused the poll message; check that trustnudge may post in that channel."), ""
	}
	if err := a.core.SetPollMessage(p.Team, p.ID, activity.TS(ts)); err != nil {
		a.log.Error("poll: remember message", "poll", p.ID, "err", err)
	}
	return nil, fmt.Sprintf("Your poll is up in <#%s>. Votes are anonymous; you'll get the results when it closes.", p.Channel)
}

// pollErrors shows each field error on its modal row (blank rows were
// dropped, so option N may sit on a later row).
func pollErrors(d slackui.PollDraft, errs []poll.FieldError) map[string]any {
	out := map[string]string{}
	for _, fe := range errs {
		b := d.FieldBlock(fe.Field)
		if _, dup := out[b]; !dup {
			out[b] = truncate(fe.Msg, 150)
		}
	}
	return map[string]any{"response_action": "errors", "errors": out}
}

func pollView(st engine.PollState) slackui.PollView {
	v := slackui.PollView{Poll: st.Poll, Voters: st.Result.Voters, Closed: !st.Poll.Closed.IsZero(), Winner: st.Result.Winner, Loc: st.Loc, Quorum: st.Quorum}
	if v.Closed || st.Poll.Live {
		v.Counts = st.Result.Counts
	}
	return v
}

// pollAction handles a vote, Close or Adopt button.
func (a *App) pollAction(ctx context.Context, actor engine.Actor, channel, actionID, value, responseURL string) {
	switch actionID {
	case slackui.ActionVote:
		id, option, err := slackui.ParseVoteValue(value)
		if err != nil {
			a.log.Warn("poll: malformed vote value", "user", actor.User)
			return
		}
		msg, err := a.core.Vote(ctx, actor, id, option)
		a.tellPrivately(ctx, channel, actor.User, noticeFor(msg, err, a), responseURL)
		if err == nil {
			a.opts.Metrics.PollVote()
			a.pollUpdates.request(a, actor.Team, id)
		}
	case slackui.ActionClosePoll:
		st, err := a.core.ClosePoll(ctx, actor, value)
		if err != nil {
			a.tellPrivately(ctx, channel, actor.User, noticeFor("", err, a))
			return
		}
		a.announceClosed(ctx, st)
	case slackui.ActionAdopt:
		st, spec, err := a.core.AdoptPoll(ctx, actor, value)
		if err != nil {
			a.tellPrivately(ctx, channel, actor.User, noticeFor("", err, a))
			return
		}
		opt := st.Poll.Options[st.Poll.Adopted]
		line := fmt.Sprintf("This team agreed on its messaging norm: *%s*.", opt.Label)
		if spec != "" {
			line += fmt.Sprintf(" trustnudge now reads the team's working hours as `%s`.", spec)
		}
		a.post(ctx, string(st.Poll.Channel), line)
		a.tellPrivately(ctx, channel, actor.User, "Adopted: "+opt.Label+". Your nudges now follow it.")
		a.publishHome(ctx, actor, "Your team's norm is now: "+opt.Label)
	}
}

// announceClosed shows the results in the poll message and sends the
// creator the adopt option.
func (a *App) announceClosed(ctx context.Context, st engine.PollState) {
	a.updatePollMessage(ctx, st)
	blocks := slackui.AdoptMessage(pollView(st))
	if err := a.dm(ctx, st.Poll.Creator, "Your poll closed: "+st.Poll.Question, blocks); err != nil {
		a.log.Error("poll: tell creator", "poll", st.Poll.ID, "err", err)
	}
}

func (a *App) updatePollMessage(ctx context.Context, st engine.PollState) {
	if st.Poll.MessageTS == "" {
		return
	}
	view := pollView(st)
	err := a.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, string(st.Poll.Channel), string(st.Poll.MessageTS),
			slack.MsgOptionText(slackui.PollText(view), false), slack.MsgOptionBlocks(slackui.PollMessage(view)...))
		return err
	})
	if err != nil {
		a.log.Error("poll: update message", "poll", st.Poll.ID, "err", err)
	}
}

// PollJobs closes polls at their deadline and posts halfway reminders.
func (a *App) PollJobs(ctx context.Context) error {
	closed, remind, err := a.core.PollsDue(ctx)
	for _, st := range closed {
		a.announceClosed(ctx, st)
	}
	for _, st := range remind {
		a.post(ctx, string(st.Poll.Channel), fmt.Sprintf("Reminder: the poll “%s” closes %s. Votes are anonymous; %s voted so far.",
			st.Poll.Question, st.Poll.Deadline.In(st.Loc).Format("Mon 2 Jan 15:04 MST"), peopleCount(st.Result.Voters)))
	}
	return err
}

func peopleCount(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

func (a *App) post(ctx context.Context, channel, text string) {
	err := a.call(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false))
		return err
	})
	if err != nil {
		a.log.Error("post message", "channel", channel, "err", err)
	}
}

// tellPrivately answers a click with an ephemeral message. Someone outside
// the channel (who can still click in a public channel) can't get one, so
// the interaction's response_url is used for them.
func (a *App) tellPrivately(ctx context.Context, channel string, user activity.UserID, text string, responseURL ...string) {
	if channel == "" || text == "" {
		return
	}
	err := a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, string(user), slack.MsgOptionText(text, false))
		return err
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "user_not_in_channel" && len(responseURL) > 0 && responseURL[0] != "" {
		err = a.call(ctx, "response_url", func(ctx context.Context) error {
			return slack.PostWebhookContext(ctx, responseURL[0], &slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false})
		})
	}
	if err != nil {
		a.log.Error("ephemeral reply", "user", user, "err", err)
	}
}

// pollUpdater coalesces vote-count updates: at most one chat.update per
// poll per second, however fast votes come, and never a lost last update.
type pollUpdater struct {
	mu      sync.Mutex
	pending map[string]bool      // an update is scheduled
	last    map[string]time.Time // last update sent (real time)
}

const pollUpdateEvery = time.Second

func (u *pollUpdater) request(a *App, team activity.TeamID, id string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pending == nil {
		u.pending, u.last = map[string]bool{}, map[string]time.Time{}
	}
	if u.pending[id] {
		return
	}
	u.pending[id] = true
	wait := pollUpdateEvery - time.Since(u.last[id])
	if wait < 0 {
		wait = 0
	}
	a.inflight.Add(1)
	time.AfterFunc(wait, func() {
		defer a.inflight.Done()
		u.mu.Lock()
		u.pending[id] = false
		u.last[id] = time.Now()
		u.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := a.core.PollState(ctx, team, id)
		if err != nil {
			a.log.Error("poll: state for update", "poll", id, "err", err)
			return
		}
		a.updatePollMessage(ctx, st)
	})
}

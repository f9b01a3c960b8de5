package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/command"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/metrics"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/slackui"
)

// ackBudget is how long a command or modal submission may take before its
// answer goes out in the ack: Slack shows an error after 3 seconds.
const ackBudget = 2500 * time.Millisecond

// handleCommand answers a slash command in its ack, then refreshes the
// person's App Home if the command changed something.
func (a *App) handleCommand(ctx context.Context, client *socketmode.Client, envelopeID string, cmd slack.SlashCommand) {
	received := time.Now()
	ack := func(payload any) { a.ack(ctx, client, envelopeID, payload, metrics.KindSlashCommands, received) }
	if a.core == nil {
		ack(a.commandReply(cmd))
		return
	}
	actor := engine.Actor{Team: activity.TeamID(cmd.TeamID), User: activity.UserID(cmd.UserID)}
	if c, err := command.Parse(cmd.Text); err == nil && c.Kind == command.Poll {
		// The form needs the command's trigger_id, good for 3 seconds.
		if err := a.openPollModal(ctx, actor, cmd.TriggerID, activity.ChannelID(cmd.ChannelID)); err != nil {
			ack(ephemeral(noticeFor("", err, a)))
			return
		}
		ack(nil)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, ackBudget)
	reply := a.core.Command(cctx, engine.Request{Team: actor.Team, User: actor.User, Channel: activity.ChannelID(cmd.ChannelID), Text: cmd.Text})
	cancel()
	a.log.Debug("slash command answered", "user", cmd.UserID, "channel", cmd.ChannelID, "changed", reply.HomeChanged)
	ack(ephemeral(reply.Text))
	if reply.HomeChanged {
		a.publishHome(ctx, actor, "")
	}
}

// publishHome renders the person's App Home and publishes it.
func (a *App) publishHome(ctx context.Context, actor engine.Actor, notice string) {
	if a.core == nil {
		return
	}
	st, err := a.core.Home(ctx, actor)
	if err != nil {
		a.log.Error("app home: gather state", "user", actor.User, "err", err)
		return
	}
	view := slackui.HomeView(homeOf(st, notice))
	err = a.call(ctx, "views.publish", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: string(actor.User), View: view})
		return err
	})
	if err != nil {
		a.log.Error("app home: publish", "user", actor.User, "err", err)
	}
}

func homeOf(st engine.HomeState, notice string) slackui.Home {
	return slackui.Home{
		User: st.User, Now: st.Now, Location: st.Location, OptedIn: st.OptedIn, Members: st.Members,
		SnoozedUntil: st.SnoozedUntil, SnoozeReason: st.SnoozeReason, OwnHours: st.OwnHours,
		EffectiveHours: st.EffectiveHours, HoursSource: st.HoursSource, Excluded: st.Excluded,
		OnTeamsOf: st.OnTeamsOf, IsAdmin: st.IsAdmin, KindsOff: st.KindsOff, Notice: notice,
		Digest: st.Digest,
	}
}

// handleInteraction routes App Home buttons and modal submissions. Button
// clicks are acked at once (Slack ignores their ack payload); a modal
// submission is answered in its ack, so validation errors show in the modal.
func (a *App) handleInteraction(ctx context.Context, client *socketmode.Client, envelopeID string, cb slack.InteractionCallback) {
	received := time.Now()
	ack := func(payload any) { a.ack(ctx, client, envelopeID, payload, metrics.KindInteractive, received) }
	actor := engine.Actor{Team: activity.TeamID(cb.Team.ID), User: activity.UserID(cb.User.ID)}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		ack(nil)
		if a.core == nil {
			return
		}
		for _, act := range cb.ActionCallback.BlockActions {
			if isPollAction(act.ActionID) || act.ActionID == nudge.ActionAskTeam {
				channel := cb.Channel.ID
				if channel == "" {
					channel = cb.Container.ChannelID
				}
				if act.ActionID == slackui.ActionStartPoll || act.ActionID == nudge.ActionAskTeam {
					if err := a.openPollModal(ctx, actor, cb.TriggerID, activity.ChannelID(channel)); err != nil {
						a.publishHome(ctx, actor, noticeFor("", err, a))
					}
					continue
				}
				a.pollAction(ctx, actor, channel, act.ActionID, act.Value, cb.ResponseURL)
				continue
			}
			if isNudgeAction(act.ActionID) {
				channel := cb.Channel.ID
				if channel == "" {
					channel = cb.Container.ChannelID
				}
				a.nudgeAction(ctx, actor, channel, act.ActionID, act.Value)
				continue
			}
			a.blockAction(ctx, actor, cb.TriggerID, act.ActionID, act.Value)
		}
	case slack.InteractionTypeViewSubmission:
		if a.core == nil {
			ack(nil)
			return
		}
		cctx, cancel := context.WithTimeout(ctx, ackBudget)
		resp, notice := a.viewSubmission(cctx, actor, cb.View)
		cancel()
		ack(resp)
		if resp == nil {
			a.publishHome(ctx, actor, notice)
		}
	default:
		ack(nil)
		a.log.Debug("interaction not handled", "type", cb.Type, "user", cb.User.ID)
	}
}

// blockAction performs one App Home button.
func (a *App) blockAction(ctx context.Context, actor engine.Actor, triggerID, actionID, value string) {
	var msg string
	var err error
	switch actionID {
	case slackui.ActionOptIn:
		msg, err = a.core.OptIn(ctx, actor)
	case slackui.ActionOptOut:
		msg, err = a.core.OptOut(ctx, actor)
	case slackui.ActionClearHours:
		msg, err = a.core.ClearHours(ctx, actor)
	case slackui.ActionUnsnooze:
		msg, err = a.core.Unsnooze(ctx, actor)
	case slackui.ActionExclude:
		msg, err = a.core.Exclude(ctx, actor)
	case slackui.ActionInclude:
		msg, err = a.core.Include(ctx, actor)
	case slackui.ActionForget:
		msg, err = a.core.Forget(ctx, actor)
	case slackui.ActionKindOn:
		msg, err = a.core.SetKind(ctx, actor, value, true)
	case slackui.ActionDigest:
		msg, err = a.core.DigestNow(ctx, actor)
	case slackui.ActionEditTeam, slackui.ActionEditHours, slackui.ActionSnooze:
		a.openModal(ctx, actor, triggerID, actionID)
		return
	default:
		a.log.Warn("unknown app home action", "action_id", actionID, "user", actor.User)
		return
	}
	a.publishHome(ctx, actor, noticeFor(msg, err, a))
}

func noticeFor(msg string, err error, a *App) string {
	var r *engine.Refusal
	switch {
	case errors.As(err, &r):
		return r.Msg
	case err != nil:
		a.log.Error("app home action failed", "err", err)
		return engine.Failed()
	}
	return msg
}

// openModal opens a modal right away: a trigger_id is good for 3 seconds.
func (a *App) openModal(ctx context.Context, actor engine.Actor, triggerID, actionID string) {
	st, err := a.core.Home(ctx, actor)
	if err != nil {
		a.log.Error("open modal: gather state", "user", actor.User, "err", err)
		return
	}
	var view slack.ModalViewRequest
	switch actionID {
	case slackui.ActionEditTeam:
		view = slackui.TeamModal(st.Members)
	case slackui.ActionEditHours:
		view = slackui.HoursModal(st.OwnHours, st.EffectiveHours)
	case slackui.ActionSnooze:
		view = slackui.SnoozeModal()
	}
	err = a.call(ctx, "views.open", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, triggerID, view)
		return err
	})
	if err != nil {
		a.log.Error("open modal", "user", actor.User, "action_id", actionID, "err", err)
	}
}

// viewSubmission handles a submitted modal. It returns the ack payload
// (nil closes the modal) and, on success, the notice for App Home.
func (a *App) viewSubmission(ctx context.Context, actor engine.Actor, v slack.View) (map[string]any, string) {
	var msg string
	var err error
	blockID := ""
	switch v.CallbackID {
	case slackui.CallbackTeam:
		blockID = slackui.TeamBlockID
		users, perr := slackui.ParseTeamSubmission(v)
		if perr != nil {
			return a.submissionError(blockID, v, perr), ""
		}
		msg, err = a.core.SetTeam(ctx, actor, users)
	case slackui.CallbackHours:
		blockID = slackui.HoursBlockID
		spec, perr := slackui.ParseHoursSubmission(v)
		if perr != nil {
			return a.submissionError(blockID, v, perr), ""
		}
		msg, err = a.core.SetHours(ctx, actor, spec)
	case slackui.CallbackPoll:
		return a.submitPoll(ctx, actor, v)
	case slackui.CallbackSnooze:
		blockID = slackui.SnoozeBlockID
		d, reason, perr := slackui.ParseSnoozeSubmission(v)
		if perr != nil {
			return a.submissionError(blockID, v, perr), ""
		}
		msg, err = a.core.Snooze(ctx, actor, d, reason)
	default:
		a.log.Warn("unknown modal submitted", "callback_id", v.CallbackID, "user", actor.User)
		return nil, ""
	}
	var r *engine.Refusal
	switch {
	case errors.As(err, &r):
		return slackui.ErrorsResponse(blockID, truncate(r.Msg, 150)), ""
	case err != nil:
		a.log.Error("modal submission failed", "callback_id", v.CallbackID, "user", actor.User, "err", err)
		return slackui.ErrorsResponse(blockID, engine.Failed()), ""
	}
	return nil, msg
}

// submissionError shows a person's mistake on its field; a malformed view
// (an old modal, a bug) is logged and shown as the app's failure.
func (a *App) submissionError(blockID string, v slack.View, err error) map[string]any {
	var fe *slackui.FieldError
	if errors.As(err, &fe) {
		return slackui.ErrorsResponse(fe.BlockID, fe.Msg)
	}
	a.log.Warn("malformed modal submission", "callback_id", v.CallbackID, "err", err)
	return slackui.ErrorsResponse(blockID, engine.Failed())
}

// homeOpened is an app_home_opened event.
type homeOpened struct {
	Team activity.TeamID
	User activity.UserID
	Tab  string
}

func decodeHomeOpened(cb callback) (homeOpened, error) {
	var ev struct {
		User string `json:"user"`
		Tab  string `json:"tab"`
	}
	if err := json.Unmarshal(cb.Event, &ev); err != nil {
		return homeOpened{}, malformed("app_home_opened does not decode: %s", describeJSONError(err))
	}
	if !activity.ValidID(ev.User) {
		return homeOpened{}, malformed("app_home_opened without a valid user")
	}
	return homeOpened{Team: activity.TeamID(cb.TeamID), User: activity.UserID(ev.User), Tab: ev.Tab}, nil
}

func isPollAction(id string) bool {
	switch id {
	case slackui.ActionVote, slackui.ActionClosePoll, slackui.ActionAdopt, slackui.ActionStartPoll:
		return true
	}
	return false
}

package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
)

// Deliver sends one nudge: after-hours ones as an ephemeral message to the
// manager in the conversation, slow-reply ones as a DM from the app with a
// link to each waiting message, and weekly digests as a DM.
func (a *App) Deliver(ctx context.Context, d engine.Delivery) error {
	// A nudge is committed before it is sent and never sent again, so it
	// must not be lost to a rate limit longer than the per-event budget:
	// it gets a budget of its own, long enough for Slack's longest wait.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverBudget)
	defer cancel()
	lib := a.library()
	entry, ok := lib.Entry(d.Record.VariantID)
	if !ok {
		vs := lib.Variants(d.Record.Kind)
		if len(vs) == 0 {
			return fmt.Errorf("deliver: no nudge text for kind %q", d.Record.Kind)
		}
		entry = vs[0]
	}
	now := a.clock.Now()
	switch d.Record.Kind {
	case people.KindAfterHours:
		f := d.AfterHours
		if f == nil {
			return errors.New("deliver: after-hours nudge without its finding")
		}
		msg := nudge.RenderAfterHours(nudge.AfterHoursView{
			Entry: entry, NudgeID: d.Record.ID, Reached: f.Reached, SuggestAt: f.SuggestAt, SuggestForReachedOnly: f.SuggestForReachedOnly,
			ManagerLoc: d.ManagerLoc, MemberLoc: d.MemberLoc, Now: now,
			// The norms poll is the nudge's best next step: ask the team.
			PollButton: true,
		})
		return a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
			_, err := a.api.PostEphemeralContext(ctx, string(f.Channel), string(d.Record.Manager),
				slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
			return err
		})
	case people.KindSlowReply:
		items := make([]nudge.WaitingItem, 0, len(d.Waiting))
		for _, s := range d.Waiting {
			link, err := a.permalink(ctx, s.Channel, s.TS)
			if err != nil {
				return err
			}
			items = append(items, nudge.WaitingItem{Permalink: link, Asker: s.Asker, Since: s.Since, WaitedMinutes: s.WaitedMinutes})
		}
		msg := nudge.RenderSlowReply(nudge.SlowReplyView{Entry: entry, NudgeID: d.Record.ID, Items: items, ManagerLoc: d.ManagerLoc, Now: now})
		return a.sendDM(ctx, d.Record.Manager, msg)
	case people.KindDigest:
		if d.Digest == nil {
			return errors.New("deliver: digest without its numbers")
		}
		msg := nudge.RenderDigest(nudge.DigestView{
			Entry: entry, DigestID: d.Record.ID, Report: *d.Digest,
			// Without an agreed norm, asking the team is the next step.
			PollButton: d.Digest.Norm == "",
		})
		return a.sendDM(ctx, d.Record.Manager, msg)
	}
	return fmt.Errorf("deliver: unknown nudge kind %q", d.Record.Kind)
}

func (a *App) library() *nudge.Library {
	if a.opts.Library != nil {
		return a.opts.Library
	}
	return nudge.Default()
}

// sendDM posts a nudge in the app's DM with user.
func (a *App) sendDM(ctx context.Context, user activity.UserID, msg nudge.Message) error {
	return a.dm(ctx, user, msg.Text, msg.Blocks)
}

// dm opens (or reuses) the app's DM with user and posts there; links are
// not unfurled, so a list of message links stays a list.
func (a *App) dm(ctx context.Context, user activity.UserID, text string, blocks []slack.Block) error {
	var channel string
	err := a.call(ctx, "conversations.open", func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{string(user)}, ReturnIM: true})
		if err == nil {
			channel = ch.ID
		}
		return err
	})
	if err != nil {
		return err
	}
	return a.call(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionDisableLinkUnfurl())
		return err
	})
}

func (a *App) permalink(ctx context.Context, channel activity.ChannelID, ts activity.TS) (string, error) {
	var link string
	err := a.call(ctx, "chat.getPermalink", func(ctx context.Context) error {
		var err error
		link, err = a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: string(channel), Ts: string(ts)})
		return err
	})
	return link, err
}

// membersTTL is how long a conversation's member list is trusted.
const membersTTL = 10 * time.Minute

type memberCache struct {
	mu sync.Mutex
	m  map[activity.ChannelID]cachedMembers
}

type cachedMembers struct {
	ids     []activity.UserID
	fetched time.Time
}

// ChannelMembers lists a conversation's members from conversations.members
// (all pages), cached for ten minutes.
func (d *directory) ChannelMembers(ctx context.Context, _ activity.TeamID, channel activity.ChannelID) ([]activity.UserID, error) {
	a := d.app
	now := a.clock.Now()
	a.members.mu.Lock()
	c, ok := a.members.m[channel]
	a.members.mu.Unlock()
	if ok && now.Sub(c.fetched) < membersTTL && now.Sub(c.fetched) >= 0 {
		return c.ids, nil
	}
	var ids []activity.UserID
	cursor := ""
	for page := 0; page < 100; page++ {
		var got []string
		var next string
		err := a.call(ctx, "conversations.members", func(ctx context.Context) (err error) {
			got, next, err = a.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: string(channel), Cursor: cursor, Limit: 200})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, u := range got {
			ids = append(ids, activity.UserID(u))
		}
		if next == "" {
			break
		}
		cursor = next
	}
	a.members.mu.Lock()
	a.members.m[channel] = cachedMembers{ids: ids, fetched: now}
	a.members.mu.Unlock()
	return ids, nil
}

// nudgeAction handles a button on a nudge and answers the manager privately
// where the nudge was.
func (a *App) nudgeAction(ctx context.Context, actor engine.Actor, channel, actionID, value string) {
	id, kind, err := nudge.ParseButtonValue(value)
	if err != nil {
		a.log.Warn("nudge button with a malformed value", "action_id", actionID, "user", actor.User)
		return
	}
	var msg string
	switch actionID {
	case nudge.ActionHelpful:
		msg, err = a.core.Feedback(ctx, actor, id, policy.Helpful)
	case nudge.ActionNotHelpful:
		msg, err = a.core.Feedback(ctx, actor, id, policy.NotHelpful)
	case nudge.ActionSnoozeWeek:
		msg, err = a.core.Snooze(ctx, actor, 7*24*time.Hour, people.SnoozeNoReason)
	case nudge.ActionStop:
		msg, err = a.core.SetKind(ctx, actor, kind, false)
	default:
		return
	}
	text := noticeFor(msg, err, a)
	if channel == "" {
		return
	}
	err = a.call(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, string(actor.User), slack.MsgOptionText(text, false))
		return err
	})
	if err != nil {
		a.log.Error("answer nudge button", "action_id", actionID, "user", actor.User, "err", err)
	}
	if actionID == nudge.ActionSnoozeWeek || actionID == nudge.ActionStop {
		a.publishHome(ctx, actor, text)
	}
}

func isNudgeAction(id string) bool { return strings.HasPrefix(id, "nudge_") }

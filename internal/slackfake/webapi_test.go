package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/trustnudge/trustnudge/internal/clock"
)

// slackErr returns the Slack error code in err, or "".
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestAuthTest(t *testing.T) {
	srv := newServer(t, Options{})
	o := srv.Options()
	resp, err := apiClient(srv, o.BotToken).AuthTestContext(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != "https://acme.slack.com/" || resp.TeamID != "T0TEAM" || resp.UserID != "U0BOT" || resp.BotID != "B0BOT" || resp.User != "trustnudge" {
		t.Errorf("auth.test = %+v", resp)
	}
	for _, tc := range []struct{ token, want string }{
		{"", "not_authed"},
		{"xoxb-wrong", "invalid_auth"},
		{o.AppToken, "not_allowed_token_type"},
	} {
		_, err := apiClient(srv, tc.token).AuthTestContext(ctxT(t))
		if got := slackErr(err); got != tc.want {
			t.Errorf("auth.test with %q: %q; want %q", tc.token, got, tc.want)
		}
	}
	calls := srv.CallsTo("auth.test")
	if len(calls) != 4 || !calls[0].TokenValid || calls[1].TokenValid || calls[2].Token != "xoxb-…" || calls[0].Status != 200 {
		t.Errorf("auth.test calls = %+v", calls)
	}
}

func TestUsersInfo(t *testing.T) {
	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	srv := newServer(t, Options{Clock: clock.NewFake(now)})
	api := apiClient(srv, srv.Options().BotToken)
	u, err := api.GetUserInfoContext(ctxT(t), alice)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != alice || u.Name != "alice" || u.RealName != "Alice Liddell" || u.TZ != "Europe/Berlin" || !u.IsAdmin || u.Profile.RealName != "Alice Liddell" || u.Deleted {
		t.Errorf("users.info(alice) = %+v", u)
	}
	if _, err := time.LoadLocation("Europe/Berlin"); err == nil && (u.TZOffset != 7200 || u.TZLabel != "Central European Summer Time") {
		t.Errorf("alice tz_offset, tz_label = %d, %q; want 7200 in July, CEST label", u.TZOffset, u.TZLabel)
	}
	b, err := api.GetUserInfoContext(ctxT(t), bob)
	if err != nil || b.TZOffset != -18000 {
		t.Errorf("users.info(bob) tz_offset = %v, %v; want the explicit -18000", b, err)
	}
	botUser, err := api.GetUserInfoContext(ctxT(t), "U0BOT")
	if err != nil || !botUser.IsBot || botUser.Profile.BotID != "B0BOT" {
		t.Errorf("users.info(bot) = %+v, %v", botUser, err)
	}
	if _, err := api.GetUserInfoContext(ctxT(t), "U0NOBODY"); slackErr(err) != "user_not_found" {
		t.Errorf("users.info(unknown) = %v; want user_not_found", err)
	}
}

func TestConversationsInfo(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	c, err := api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: general, IncludeNumMembers: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != general || c.Name != "general" || !c.IsChannel || c.IsPrivate || !c.IsMember || c.NumMembers != 3 {
		t.Errorf("conversations.info(general) = %+v", c)
	}
	c, err = api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: random})
	if err != nil || c.IsMember {
		t.Errorf("conversations.info(random) = %+v, %v; want visible, not a member", c, err)
	}
	c, err = api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: aliceDM})
	if err != nil || !c.IsIM || c.User != alice {
		t.Errorf("conversations.info(IM) = %+v, %v; want IM with alice", c, err)
	}
	c, err = api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: team})
	if err != nil || !c.IsPrivate || !c.IsMember {
		t.Errorf("conversations.info(private, bot in it) = %+v, %v", c, err)
	}
	for _, id := range []string{"C0NONE", privateCh, humansDM} {
		if _, err := api.GetConversationInfoContext(ctxT(t), &slack.GetConversationInfoInput{ChannelID: id}); slackErr(err) != "channel_not_found" {
			t.Errorf("conversations.info(%s) = %v; want channel_not_found", id, err)
		}
	}
}

func TestConversationsMembers_Paginates(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	var all []string
	cursor, pages := "", 0
	for {
		m, next, err := api.GetUsersInConversationContext(ctxT(t), &slack.GetUsersInConversationParameters{ChannelID: general, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, m...)
		if next == "" {
			break
		}
		cursor = next
	}
	if strings.Join(all, ",") != "U0ALICE,U0BOB,U0BOT" || pages != 2 {
		t.Errorf("members = %v in %d pages; want 3 in 2", all, pages)
	}
	if _, _, err := api.GetUsersInConversationContext(ctxT(t), &slack.GetUsersInConversationParameters{ChannelID: privateCh}); slackErr(err) != "channel_not_found" {
		t.Errorf("members(private, bot not in it) = %v; want channel_not_found", err)
	}
	if _, _, err := api.GetUsersInConversationContext(ctxT(t), &slack.GetUsersInConversationParameters{ChannelID: general, Cursor: "bogus"}); slackErr(err) != "invalid_cursor" {
		t.Errorf("members(bad cursor) = %v; want invalid_cursor", err)
	}
}

func TestConversationsOpen_ReusesTheIM(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	c, noOp, already, err := api.OpenConversationContext(ctxT(t), &slack.OpenConversationParameters{Users: []string{bob}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ID, "D") || noOp || already {
		t.Errorf("first open = %+v no_op %v already_open %v; want new D…", c, noOp, already)
	}
	c2, _, already, err := api.OpenConversationContext(ctxT(t), &slack.OpenConversationParameters{Users: []string{bob}, ReturnIM: true})
	if err != nil || c2.ID != c.ID || !already || !c2.IsIM || c2.User != bob {
		t.Errorf("second open = %+v already_open %v, %v; want the same IM in full", c2, already, err)
	}
	c3, _, _, err := api.OpenConversationContext(ctxT(t), &slack.OpenConversationParameters{Users: []string{alice}})
	if err != nil || c3.ID != aliceDM {
		t.Errorf("open with alice = %+v, %v; want the existing %s", c3, err, aliceDM)
	}
	if _, _, _, err := api.OpenConversationContext(ctxT(t), &slack.OpenConversationParameters{Users: []string{"U0NOBODY"}}); slackErr(err) != "user_not_found" {
		t.Errorf("open with unknown user = %v; want user_not_found", err)
	}
}

func TestChatPostMessage_EchoesAsBotMessageEvent(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	blocks := slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hi*", false, false), nil, nil))
	ch, ts, msg, err := h.api.PostMessageWithResponseContext(ctxT(t), general, slack.MsgOptionText("hi", false), blocks)
	if err != nil {
		t.Fatal(err)
	}
	if ch != general || ts == "" || msg.BotID != "B0BOT" || msg.User != "U0BOT" || msg.Text != "hi" {
		t.Errorf("chat.postMessage = %s %s %+v", ch, ts, msg.Msg)
	}
	e := h.next(socketmode.EventTypeEventsAPI, func(e socketmode.Event) bool {
		m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
		return ok && m.TimeStamp == ts
	})
	m := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if m.BotID != "B0BOT" || m.User != "U0BOT" || m.SubType != "" || m.Channel != general || m.ChannelType != "channel" || len(m.Blocks.BlockSet) != 1 {
		t.Errorf("echo = %+v; want bot message, no subtype", m)
	}
	if got := srv.Messages(general); len(got) != 1 || got[0].TS != ts || got[0].BotID != "B0BOT" {
		t.Errorf("Messages(general) = %+v", got)
	}
}

func TestChatPostMessage_Errors(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	for _, tc := range []struct {
		name, channel string
		opts          []slack.MsgOption
		want          string
	}{
		{"unknown channel", "C0NONE", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"private without bot", privateCh, []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"IM of two humans", humansDM, []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"public without bot", random, []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"no text", general, nil, "no_text"},
		{"too long", general, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", 40001), false)}, "msg_too_long"},
		{"blocks not JSON", general, []slack.MsgOption{slack.MsgOptionText("x", false), rawParam(srv, "blocks", "[{")}, "invalid_blocks_format"},
		{"unknown block type", general, []slack.MsgOption{slack.MsgOptionText("x", false), rawParam(srv, "blocks", `[{"type":"banner"}]`)}, "invalid_blocks"},
		{"header too long", general, []slack.MsgOption{slack.MsgOptionBlocks(slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false)))}, "invalid_blocks"},
	} {
		_, _, err := api.PostMessageContext(ctxT(t), tc.channel, tc.opts...)
		if got := slackErr(err); got != tc.want {
			t.Errorf("%s: chat.postMessage = %q; want %q", tc.name, got, tc.want)
		}
	}
	if n := len(srv.Messages(general)); n != 0 {
		t.Errorf("failed posts stored %d messages", n)
	}
}

// rawParam sets a form field as is, to send what slack-go would not build.
func rawParam(srv *Server, k, v string) slack.MsgOption {
	return slack.UnsafeMsgOptionEndpoint(srv.APIURL()+"chat.postMessage", func(vals url.Values) { vals.Set(k, v) })
}

func TestChatPostMessage_ToUserIDPostsInTheIM(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	ch, _, err := api.PostMessageContext(ctxT(t), alice, slack.MsgOptionText("psst", false))
	if err != nil || ch != aliceDM {
		t.Errorf("post to %s = %s, %v; want the IM %s", alice, ch, err, aliceDM)
	}
	ch, _, err = api.PostMessageContext(ctxT(t), bob, slack.MsgOptionText("psst", false))
	if err != nil || !strings.HasPrefix(ch, "D") {
		t.Errorf("post to %s = %s, %v; want a new IM", bob, ch, err)
	}
}

func TestChatPostMessage_ThreadReply(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	parent, _ := srv.UserPost(general, alice, "question", "")
	_, ts, msg, err := h.api.PostMessageWithResponseContext(ctxT(t), general, slack.MsgOptionText("answer", false), slack.MsgOptionTS(parent))
	if err != nil || msg.ThreadTimestamp != parent {
		t.Fatalf("reply = %+v, %v; want thread_ts %s", msg.Msg, err, parent)
	}
	link, err := h.api.GetPermalinkContext(ctxT(t), &slack.PermalinkParameters{Channel: general, Ts: ts})
	want := "https://acme.slack.com/archives/C0GENERAL/p" + strings.ReplaceAll(ts, ".", "") + "?thread_ts=" + parent + "&cid=C0GENERAL"
	if err != nil || link != want {
		t.Errorf("permalink = %q, %v; want %q", link, err, want)
	}
	// Slack posts a reply to a missing parent at the top level.
	_, _, msg, err = h.api.PostMessageWithResponseContext(ctxT(t), general, slack.MsgOptionText("orphan", false), slack.MsgOptionTS("1.000001"))
	if err != nil || msg.ThreadTimestamp != "" {
		t.Errorf("reply to missing parent = %+v, %v; want unthreaded", msg.Msg, err)
	}
}

func TestChatGetPermalink(t *testing.T) {
	srv := newServer(t, Options{Clock: clock.NewFake(time.Unix(1700000000, 100_000))})
	api := apiClient(srv, srv.Options().BotToken)
	ts, _ := srv.UserPost(general, alice, "hello", "")
	if ts != "1700000000.000100" {
		t.Fatalf("ts = %s; want 1700000000.000100", ts)
	}
	link, err := api.GetPermalinkContext(ctxT(t), &slack.PermalinkParameters{Channel: general, Ts: ts})
	if err != nil || link != "https://acme.slack.com/archives/C0GENERAL/p1700000000000100" {
		t.Errorf("permalink = %q, %v", link, err)
	}
	if _, err := api.GetPermalinkContext(ctxT(t), &slack.PermalinkParameters{Channel: general, Ts: "1.000002"}); slackErr(err) != "message_not_found" {
		t.Errorf("permalink of missing message = %v; want message_not_found", err)
	}
	if _, err := api.GetPermalinkContext(ctxT(t), &slack.PermalinkParameters{Channel: "C0NONE", Ts: ts}); slackErr(err) != "channel_not_found" {
		t.Errorf("permalink in unknown channel = %v; want channel_not_found", err)
	}
}

func TestChatPostEphemeral_StoredNotEchoed(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	ts, err := h.api.PostEphemeralContext(ctxT(t), general, alice, slack.MsgOptionText("just you", false))
	if err != nil || ts == "" {
		t.Fatalf("chat.postEphemeral = %q, %v", ts, err)
	}
	if _, err := h.api.PostEphemeralContext(ctxT(t), general, carol, slack.MsgOptionText("x", false)); slackErr(err) != "user_not_in_channel" {
		t.Errorf("ephemeral to non-member = %v; want user_not_in_channel", err)
	}
	_, visible, err := h.api.PostMessageContext(ctxT(t), general, slack.MsgOptionText("everyone", false))
	if err != nil {
		t.Fatal(err)
	}
	// The first message event must be the visible post: ephemerals are not echoed.
	e := h.next(socketmode.EventTypeEventsAPI, nil)
	if m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); !ok || m.TimeStamp != visible {
		t.Errorf("first event = %+v; want the echo of %s", e.Data, visible)
	}
	msgs := srv.Messages(general)
	if len(msgs) != 2 || !msgs[0].Ephemeral || msgs[0].ForUser != alice || msgs[0].TS != ts || msgs[1].Ephemeral {
		t.Errorf("Messages = %+v", msgs)
	}
}

func TestChatUpdate_EchoesMessageChanged(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	_, ts, err := h.api.PostMessageContext(ctxT(t), general, slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	_, uts, text, err := h.api.UpdateMessageContext(ctxT(t), general, ts, slack.MsgOptionText("v2", false))
	if err != nil || uts != ts || text != "v2" {
		t.Fatalf("chat.update = %s %q, %v", uts, text, err)
	}
	e := h.next(socketmode.EventTypeEventsAPI, func(e socketmode.Event) bool {
		m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
		return ok && m.SubType == "message_changed"
	})
	m := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if m.Message == nil || m.Message.Text != "v2" || m.PreviousMessage == nil || m.PreviousMessage.Text != "v1" || m.Message.Timestamp != ts {
		t.Errorf("message_changed = %+v", m)
	}
	if got := srv.Messages(general)[0]; got.Text != "v2" || got.Updated != 1 {
		t.Errorf("stored = %+v", got)
	}
	if _, _, _, err := h.api.UpdateMessageContext(ctxT(t), general, "1.000001", slack.MsgOptionText("x", false)); slackErr(err) != "message_not_found" {
		t.Errorf("update missing = %v; want message_not_found", err)
	}
	userTS, _ := srv.UserPost(general, alice, "mine", "")
	if _, _, _, err := h.api.UpdateMessageContext(ctxT(t), general, userTS, slack.MsgOptionText("x", false)); slackErr(err) != "cant_update_message" {
		t.Errorf("update someone else's = %v; want cant_update_message", err)
	}
}

func TestUserPost_MessageEventShape(t *testing.T) {
	fc := clock.NewFake(time.Unix(1700000000, 0))
	srv := newServer(t, Options{Clock: fc})
	h := startClient(t, srv, clientOpts{autoAck: true})
	ts1, env1 := srv.UserPost(general, alice, "hey <@U0BOB> &amp; you", "")
	ts2, env2 := srv.UserPost(general, bob, "yes?", ts1)
	if ts2 <= ts1 {
		t.Errorf("ts %s then %s with a stopped clock; want strictly increasing", ts1, ts2)
	}
	m1 := h.next(socketmode.EventTypeEventsAPI, envelopeIs(env1)).Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if m1.User != alice || m1.ClientMsgID == "" || m1.ChannelType != "channel" || m1.ThreadTimeStamp != "" {
		t.Errorf("message = %+v", m1)
	}
	rt, ok := m1.Blocks.BlockSet[0].(*slack.RichTextBlock)
	if !ok {
		t.Fatalf("block = %T; want rich_text", m1.Blocks.BlockSet[0])
	}
	sec := rt.Elements[0].(*slack.RichTextSection)
	if len(sec.Elements) != 3 || sec.Elements[1].(*slack.RichTextSectionUserElement).UserID != bob || sec.Elements[2].(*slack.RichTextSectionTextElement).Text != " & you" {
		t.Errorf("rich text elements = %+v", sec.Elements)
	}
	m2 := h.next(socketmode.EventTypeEventsAPI, envelopeIs(env2)).Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if m2.ThreadTimeStamp != ts1 {
		t.Errorf("reply thread_ts = %q; want %s", m2.ThreadTimeStamp, ts1)
	}
	if _, env := srv.UserPost(random, alice, "bot can't see this", ""); env != "" {
		t.Errorf("post where the bot is not = envelope %q; want none", env)
	}
	if _, env := srv.UserPost(aliceDM, alice, "dm", ""); env == "" {
		t.Error("post in the bot's IM sent no event")
	}
}

func TestUserPost_ReplyCarriesParentUser(t *testing.T) {
	srv := newServer(t, Options{})
	ws, _ := dialRaw(t, srv)
	readFrame(t, ws)
	parent, _ := srv.UserPost(general, alice, "q", "")
	readFrame(t, ws)
	srv.UserPost(general, bob, "a", parent)
	f := readFrame(t, ws)
	ev := f["payload"].(map[string]any)["event"].(map[string]any)
	if ev["parent_user_id"] != alice || ev["thread_ts"] != parent || ev["team"] != "T0TEAM" {
		t.Errorf("reply event = %v", ev)
	}
}

func TestViews_PublishOpenUpdate(t *testing.T) {
	// Not a test of expiry (TestViewsOpen_TriggerExpires is): a loaded machine
	// must not make the trigger expire.
	srv := newServer(t, Options{TriggerTTL: time.Minute})
	h := startClient(t, srv, clientOpts{autoAck: true})
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	v, err := h.api.PublishViewContext(ctxT(t), slack.PublishViewContextRequest{UserID: alice, View: home})
	if err != nil || !strings.HasPrefix(v.ID, "V") || v.Type != slack.VTHomeTab {
		t.Fatalf("views.publish = %+v, %v", v, err)
	}
	if got := srv.HomeView(alice); !bytes.Contains(got, []byte(`"divider"`)) {
		t.Errorf("HomeView = %s", got)
	}
	call := srv.CallsTo("views.publish")[0]
	if call.Params.Get("user_id") != alice || !strings.HasPrefix(call.Params.Get("view"), "{") {
		t.Errorf("JSON params flattened to %v", call.Params)
	}
	if _, err := h.api.PublishViewContext(ctxT(t), slack.PublishViewContextRequest{UserID: alice}); slackErr(err) != "invalid_arguments" {
		t.Errorf("views.publish without a view = %v; want invalid_arguments", err)
	}

	id := srv.SendSlashCommand(alice, general, "/nudge", "settings")
	cmd := h.next(socketmode.EventTypeSlashCommand, envelopeIs(id)).Data.(slack.SlashCommand)
	if cmd.UserID != alice || cmd.ChannelName != "general" || cmd.Command != "/nudge" || cmd.Text != "settings" || cmd.TriggerID == "" || cmd.APIAppID != "A0APP" {
		t.Errorf("slash command = %+v", cmd)
	}
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "Settings", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	opened, err := h.api.OpenViewContext(ctxT(t), cmd.TriggerID, modal)
	if err != nil || !strings.HasPrefix(opened.ID, "V") || opened.Close == nil || opened.Close.Text != "Cancel" {
		t.Fatalf("views.open = %+v, %v", opened, err)
	}
	if _, err := h.api.OpenViewContext(ctxT(t), cmd.TriggerID, modal); slackErr(err) != "exchanged_trigger_id" {
		t.Errorf("views.open with a used trigger = %v; want exchanged_trigger_id", err)
	}
	if _, err := h.api.OpenViewContext(ctxT(t), "1.2.abc", modal); slackErr(err) != "invalid_trigger_id" {
		t.Errorf("views.open with an unknown trigger = %v; want invalid_trigger_id", err)
	}
	if len(srv.OpenViews()) != 1 {
		t.Errorf("OpenViews() = %d views; want 1", len(srv.OpenViews()))
	}

	modal.Title = slack.NewTextBlockObject("plain_text", "Saved", false, false)
	up, err := h.api.UpdateViewContext(ctxT(t), modal, "", opened.Hash, opened.ID)
	if err != nil || up.Title.Text != "Saved" || up.ID != opened.ID {
		t.Errorf("views.update = %+v, %v", up, err)
	}
	if _, err := h.api.UpdateViewContext(ctxT(t), modal, "", opened.Hash, opened.ID); slackErr(err) != "hash_conflict" {
		t.Errorf("views.update with a stale hash = %v; want hash_conflict", err)
	}
	if _, err := h.api.UpdateViewContext(ctxT(t), modal, "", "", "V0NONE"); slackErr(err) != "not_found" {
		t.Errorf("views.update of unknown view = %v; want not_found", err)
	}
	if !bytes.Contains(srv.View(opened.ID), []byte("Saved")) || bytes.Contains(srv.OpenViews()[0], []byte("Saved")) {
		t.Error("View(id) should show the update and OpenViews the view as opened")
	}
}

func TestViewsOpen_TriggerExpires(t *testing.T) {
	srv := newServer(t, Options{})
	id := srv.SendInteractive(map[string]any{"type": "block_actions", "user": map[string]any{"id": alice}, "actions": []any{}})
	srv.mu.Lock()
	var trig string
	_ = json.Unmarshal(srv.envelopes[id].payload, &struct {
		T *string `json:"trigger_id"`
	}{&trig})
	srv.triggers[trig].issued = time.Now().Add(-4 * time.Second)
	srv.mu.Unlock()
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject("plain_text", "x", false, false)}
	if _, err := apiClient(srv, srv.Options().BotToken).OpenViewContext(ctxT(t), trig, modal); slackErr(err) != "expired_trigger_id" {
		t.Errorf("views.open after 4s = %v; want expired_trigger_id", err)
	}
}

func TestSlashCommand_AckPayloadAndResponseURLReply(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{})
	id := srv.SendSlashCommand(bob, general, "/nudge", "")
	e := h.next(socketmode.EventTypeSlashCommand, envelopeIs(id))
	if !e.Request.AcceptsResponsePayload {
		t.Error("slash command should accept a response payload")
	}
	_ = h.sm.Ack(*e.Request, map[string]any{"response_type": "ephemeral", "text": "got it"})
	if _, err := srv.WaitAck(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	cmd := e.Data.(slack.SlashCommand)
	body := []byte(`{"text":"done","response_type":"ephemeral"}`)
	resp, err := http.Post(cmd.ResponseURL, "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST response_url = %v, %v", resp, err)
	}
	resp.Body.Close()
	msgs := srv.Messages(general)
	if len(msgs) != 2 || msgs[0].Text != "got it" || msgs[1].Text != "done" || !msgs[1].Ephemeral || msgs[1].ForUser != bob {
		t.Errorf("Messages = %+v; want two ephemeral replies to bob", msgs)
	}
}

func TestFaults(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)

	srv.RateLimit("chat.postMessage", 1500*time.Millisecond, 1)
	_, _, err := api.PostMessageContext(ctxT(t), general, slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Errorf("rate limited post = %v; want RateLimitedError after 2s", err)
	}
	if _, _, err := api.PostMessageContext(ctxT(t), general, slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("post after the limit = %v", err)
	}

	srv.ServerError("auth.test", 1)
	var sc slack.StatusCodeError
	if _, err := api.AuthTestContext(ctxT(t)); !errors.As(err, &sc) || sc.Code != 500 {
		t.Errorf("auth.test with server error = %v; want StatusCodeError 500", err)
	}

	srv.FailMethod("users.info", "fatal_error", 2)
	for range 2 {
		if _, err := api.GetUserInfoContext(ctxT(t), alice); slackErr(err) != "fatal_error" {
			t.Errorf("users.info = %v; want fatal_error", err)
		}
	}
	if _, err := api.GetUserInfoContext(ctxT(t), alice); err != nil {
		t.Errorf("users.info after faults = %v", err)
	}

	srv.SetUnreachable(true)
	if _, err := api.AuthTestContext(ctxT(t)); err == nil {
		t.Error("auth.test while unreachable succeeded")
	}
	srv.SetUnreachable(false)
	if _, err := api.AuthTestContext(ctxT(t)); err != nil {
		t.Errorf("auth.test after reachable again = %v", err)
	}
	calls := srv.CallsTo("auth.test")
	if len(calls) != 3 || calls[0].Status != 500 || calls[1].Status != 0 || calls[2].Status != 200 {
		t.Errorf("auth.test calls statuses = %+v", calls)
	}
}

func TestUnknownMethodIsRecorded(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	_, err := api.GetConversationHistoryContext(ctxT(t), &slack.GetConversationHistoryParameters{ChannelID: general})
	if slackErr(err) != "unknown_method" {
		t.Errorf("conversations.history = %v; want unknown_method", err)
	}
	if got := srv.UnknownMethods(); len(got) != 1 || got[0] != "conversations.history" {
		t.Errorf("UnknownMethods() = %v", got)
	}
}

func TestWaitCall_SeesPastAndFutureCalls(t *testing.T) {
	srv := newServer(t, Options{})
	api := apiClient(srv, srv.Options().BotToken)
	if _, err := api.AuthTestContext(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitCall(ctxT(t), "auth.test", nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan Call, 1)
	go func() {
		c, _ := srv.WaitCall(ctxT(t), "chat.postMessage", func(c Call) bool { return c.Params.Get("text") == "second" })
		done <- c
	}()
	for _, text := range []string{"first", "second"} {
		if _, _, err := api.PostMessageContext(ctxT(t), general, slack.MsgOptionText(text, false)); err != nil {
			t.Fatal(err)
		}
	}
	if c := <-done; c.Params.Get("channel") != general || c.Params.Has("token") || !c.TokenValid {
		t.Errorf("WaitCall = %+v", c)
	}
}

// The package runs inside the demo binary, so it must not pull in testing.
func TestPackageDoesNotImportTesting(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if regexp.MustCompile(`^"testing(/|")`).MatchString(imp.Path.Value) {
				t.Errorf("%s imports %s", f, imp.Path.Value)
			}
		}
	}
}

func TestInteractive_ResponseURLReplacesOriginalAndEchoes(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	_, ts, err := h.api.PostMessageContext(ctxT(t), general, slack.MsgOptionText("vote?", false))
	if err != nil {
		t.Fatal(err)
	}
	id := srv.SendInteractive(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": alice},
		"channel":      map[string]any{"id": general},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": general},
		"response_url": "",
		"actions":      []any{map[string]any{"action_id": "yes", "type": "button"}},
	})
	e := h.next(socketmode.EventTypeInteractive, envelopeIs(id))
	cb := e.Data.(slack.InteractionCallback)
	if e.Request.AcceptsResponsePayload || cb.TriggerID == "" || cb.ResponseURL == "" || cb.APIAppID != "A0APP" || cb.Team.ID != "T0TEAM" {
		t.Errorf("block_actions = %+v accepts %v", cb, e.Request.AcceptsResponsePayload)
	}
	resp, err := http.Post(cb.ResponseURL, "application/json", strings.NewReader(`{"replace_original":true,"text":"thanks"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST response_url = %v, %v", resp, err)
	}
	resp.Body.Close()
	h.next(socketmode.EventTypeEventsAPI, func(e socketmode.Event) bool {
		m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
		return ok && m.SubType == "message_changed" && m.Message.Text == "thanks"
	})
	if got := srv.Messages(general); len(got) != 1 || got[0].Text != "thanks" || got[0].Updated != 1 {
		t.Errorf("Messages = %+v", got)
	}

	sub := srv.SendInteractive(map[string]any{"type": "view_submission", "user": map[string]any{"id": alice}, "view": map[string]any{"id": "V0X"}})
	if e := h.next(socketmode.EventTypeInteractive, envelopeIs(sub)); !e.Request.AcceptsResponsePayload {
		t.Error("view_submission should accept a response payload")
	}
}

func TestChatDelete_EchoesMessageDeleted(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	_, ts, err := h.api.PostMessageContext(ctxT(t), team, slack.MsgOptionText("oops", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.api.DeleteMessageContext(ctxT(t), team, ts); err != nil {
		t.Fatal(err)
	}
	e := h.next(socketmode.EventTypeEventsAPI, func(e socketmode.Event) bool {
		m, ok := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
		return ok && m.SubType == "message_deleted"
	})
	if m := e.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); m.DeletedTimeStamp != ts || m.ChannelType != "group" {
		t.Errorf("message_deleted = %+v", m)
	}
	if _, _, err := h.api.DeleteMessageContext(ctxT(t), team, ts); slackErr(err) != "message_not_found" {
		t.Errorf("second delete = %v; want message_not_found", err)
	}
}

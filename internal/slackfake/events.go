package slackfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"
)

// verificationToken is the (deprecated) token Slack puts in every payload.
const verificationToken = "slackfake-verification-token"

// toObject turns a map, struct or raw JSON into a JSON object, or panics:
// a test that builds an event that is not an object has a bug.
func toObject(v any) map[string]any {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			panic(fmt.Sprintf("slackfake: cannot marshal %T: %v", v, err))
		}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		panic(fmt.Sprintf("slackfake: not a JSON object: %.200s", b))
	}
	return m
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slackfake: marshal: " + err.Error())
	}
	return b
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	if o == nil {
		return map[string]any{}
	}
	return o
}

// SendEvent delivers an Events API event (the inner "event" object) wrapped
// in Slack's event_callback, and returns the envelope ID. It is delivered as
// given, even where Slack would not send it (UserPost models that). Missing
// event_ts, and channel_type of a message in a known channel, are filled
// in. A message event
// (no subtype, with channel and ts) is also stored in the channel's history,
// since it stands for a message that now exists in Slack.
func (s *Server) SendEvent(event any) string { return s.SendEventWithID(event, "") }

// SendEventWithID is SendEvent with a chosen event_id. Sending an event_id
// again is how Slack redelivers an event after a failed delivery: a new
// envelope carrying the same event.
func (s *Server) SendEventWithID(event any, eventID string) string {
	ev := toObject(event)
	if str(ev, "type") == "" {
		panic("slackfake: event has no type")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := ev["event_ts"]; !ok {
		if ts := str(ev, "ts"); ts != "" {
			ev["event_ts"] = ts
		} else {
			ev["event_ts"], _ = s.nextTSLocked()
		}
	}
	ch := s.channels[str(ev, "channel")]
	if str(ev, "type") == "message" && ch != nil {
		if _, ok := ev["channel_type"]; !ok {
			ev["channel_type"] = channelType(ch)
		}
		if str(ev, "subtype") == "" && str(ev, "ts") != "" && s.findMsgLocked(ch.ID, str(ev, "ts")) == nil {
			blocks, _ := json.Marshal(ev["blocks"])
			if ev["blocks"] == nil {
				blocks = nil
			}
			m := &msg{Message: Message{Channel: ch.ID, TS: str(ev, "ts"), ThreadTS: str(ev, "thread_ts"), User: str(ev, "user"),
				BotID: str(ev, "bot_id"), Text: str(ev, "text"), Blocks: blocks, PostedAt: s.opts.Clock.Now()}, parentUser: str(ev, "parent_user_id")}
			s.addMsgLocked(ch.ID, m)
		}
	}
	return s.sendEventLocked(mustJSON(ev), str(ev, "type"), str(ev, "channel"), eventID)
}

// sendEventLocked wraps an inner event in event_callback and enqueues it.
func (s *Server) sendEventLocked(inner json.RawMessage, typ, channelID, evID string) string {
	if evID == "" {
		evID = eventID()
	}
	type authorization struct {
		EnterpriseID        *string `json:"enterprise_id"`
		TeamID              string  `json:"team_id"`
		UserID              string  `json:"user_id"`
		IsBot               bool    `json:"is_bot"`
		IsEnterpriseInstall bool    `json:"is_enterprise_install"`
	}
	type callback struct {
		Token               string          `json:"token"`
		TeamID              string          `json:"team_id"`
		ContextTeamID       string          `json:"context_team_id"`
		ContextEnterpriseID *string         `json:"context_enterprise_id"`
		APIAppID            string          `json:"api_app_id"`
		Event               json.RawMessage `json:"event"`
		Type                string          `json:"type"`
		EventID             string          `json:"event_id"`
		EventTime           int64           `json:"event_time"`
		Authorizations      []authorization `json:"authorizations"`
		IsExtSharedChannel  bool            `json:"is_ext_shared_channel"`
		EventContext        string          `json:"event_context"`
	}
	ctx := map[string]string{"et": typ, "tid": s.opts.TeamID, "aid": s.opts.AppID}
	if channelID != "" {
		ctx["cid"] = channelID
	}
	payload := mustJSON(callback{
		Token: verificationToken, TeamID: s.opts.TeamID, ContextTeamID: s.opts.TeamID,
		APIAppID: s.opts.AppID, Event: inner, Type: "event_callback", EventID: evID,
		EventTime:      s.opts.Clock.Now().Unix(),
		Authorizations: []authorization{{TeamID: s.opts.TeamID, UserID: s.opts.BotUserID, IsBot: true}},
		EventContext:   "4-" + base64.RawURLEncoding.EncodeToString(mustJSON(ctx)),
	})
	return s.newEnvelopeLocked(&envelope{typ: "events_api", payload: payload})
}

// newEnvelopeLocked registers e under a fresh envelope ID and sends it.
func (s *Server) newEnvelopeLocked(e *envelope) string {
	e.id = newUUID()
	s.envelopes[e.id] = e
	s.enqueueLocked(e)
	return e.id
}

// UserPost posts a message as a user would in the Slack client: a fresh ts,
// stored in the channel's history, and a message event (with rich_text
// blocks, client_msg_id, and thread fields for replies) sent if the bot is in
// the channel. Slack sends nothing for channels the bot is not in, so then
// the envelope ID is "". It panics on an unknown channel or user, a user
// posting where they are not a member, or a threadTS with no message.
func (s *Server) UserPost(channelID, userID, text string, threadTS string) (ts string, envelopeID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		panic(fmt.Sprintf("slackfake: UserPost: unknown channel %q", channelID))
	}
	if u := s.userLocked(userID); u == nil || u.Deleted {
		panic(fmt.Sprintf("slackfake: UserPost: unknown or deactivated user %q", userID))
	}
	if !ch.has(userID) {
		panic(fmt.Sprintf("slackfake: UserPost: %s is not a member of %s", userID, channelID))
	}
	if text == "" {
		panic("slackfake: UserPost: empty text")
	}
	var parentUser string
	if threadTS != "" {
		parent := s.findMsgLocked(channelID, threadTS)
		if parent == nil {
			panic(fmt.Sprintf("slackfake: UserPost: no message %s in %s to reply to", threadTS, channelID))
		}
		if parent.ThreadTS != "" {
			threadTS = parent.ThreadTS // a reply to a reply goes to the thread
			if root := s.findMsgLocked(channelID, threadTS); root != nil {
				parent = root
			}
		}
		parentUser = parent.User
		if parent.ThreadTS == "" {
			parent.ThreadTS = parent.TS // it is a thread parent now
		}
	}
	ts, now := s.nextTSLocked()
	blocks := mustJSON(richTextBlocks(text))
	m := &msg{Message: Message{Channel: channelID, TS: ts, ThreadTS: threadTS, User: userID, Text: text, Blocks: blocks, PostedAt: now},
		parentUser: parentUser, clientMsgID: newUUID()}
	s.addMsgLocked(channelID, m)
	s.changedLocked()
	if !s.botIn(ch) {
		return ts, ""
	}
	ev := map[string]any{
		"client_msg_id": m.clientMsgID,
		"type":          "message",
		"text":          text,
		"user":          userID,
		"ts":            ts,
		"blocks":        blocks,
		"team":          s.opts.TeamID,
		"channel":       channelID,
		"event_ts":      ts,
		"channel_type":  channelType(ch),
	}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
		ev["parent_user_id"] = parentUser
	}
	return ts, s.sendEventLocked(mustJSON(ev), "message", channelID, "")
}

var mrkdwnToken = regexp.MustCompile(`<(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|![a-z]+|https?://[^|>]+)(\|[^>]*)?>`)

// richTextBlocks is the rich_text block the Slack client attaches to a typed
// message: text runs, with mentions, channels, broadcasts and links as their
// own elements.
func richTextBlocks(text string) []any {
	var elems []any
	addText := func(t string) {
		if t != "" {
			elems = append(elems, map[string]any{"type": "text", "text": html.UnescapeString(t)})
		}
	}
	last := 0
	for _, loc := range mrkdwnToken.FindAllStringSubmatchIndex(text, -1) {
		addText(text[last:loc[0]])
		last = loc[1]
		tok := text[loc[2]:loc[3]]
		label := ""
		if loc[4] >= 0 {
			label = text[loc[4]+1 : loc[5]]
		}
		switch {
		case strings.HasPrefix(tok, "@"):
			elems = append(elems, map[string]any{"type": "user", "user_id": tok[1:]})
		case strings.HasPrefix(tok, "#"):
			elems = append(elems, map[string]any{"type": "channel", "channel_id": tok[1:]})
		case strings.HasPrefix(tok, "!"):
			elems = append(elems, map[string]any{"type": "broadcast", "range": tok[1:]})
		default:
			l := map[string]any{"type": "link", "url": tok}
			if label != "" {
				l["text"] = label
			}
			elems = append(elems, l)
		}
	}
	addText(text[last:])
	return []any{map[string]any{
		"type":     "rich_text",
		"block_id": blockID(),
		"elements": []any{map[string]any{"type": "rich_text_section", "elements": elems}},
	}}
}

// SendSlashCommand delivers a slash command as a user typing it in a
// channel. The payload is what Slack sends in Socket Mode, string-typed
// is_enterprise_install included; response_url points back at the emulator
// and trigger_id can be exchanged once within Options.TriggerTTL. An ack
// payload with text or blocks becomes the command's reply: ephemeral unless
// response_type is "in_channel".
func (s *Server) SendSlashCommand(userID, channelID, command, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(userID)
	if u == nil {
		panic(fmt.Sprintf("slackfake: SendSlashCommand: unknown user %q", userID))
	}
	ch := s.channels[channelID]
	if ch == nil {
		panic(fmt.Sprintf("slackfake: SendSlashCommand: unknown channel %q", channelID))
	}
	if !strings.HasPrefix(command, "/") {
		panic(fmt.Sprintf("slackfake: SendSlashCommand: command %q does not start with /", command))
	}
	name := ch.Name
	if ch.IsIM {
		name = "directmessage"
	}
	type slashPayload struct {
		Token               string `json:"token"`
		TeamID              string `json:"team_id"`
		TeamDomain          string `json:"team_domain"`
		ChannelID           string `json:"channel_id"`
		ChannelName         string `json:"channel_name"`
		UserID              string `json:"user_id"`
		UserName            string `json:"user_name"`
		Command             string `json:"command"`
		Text                string `json:"text"`
		APIAppID            string `json:"api_app_id"`
		IsEnterpriseInstall string `json:"is_enterprise_install"`
		ResponseURL         string `json:"response_url"`
		TriggerID           string `json:"trigger_id"`
	}
	p := slashPayload{
		Token: verificationToken, TeamID: s.opts.TeamID, TeamDomain: s.opts.TeamDomain,
		ChannelID: channelID, ChannelName: name, UserID: userID, UserName: u.Name,
		Command: command, Text: text, APIAppID: s.opts.AppID, IsEnterpriseInstall: "false",
		ResponseURL: s.newResponseURLLocked("commands", &responseTarget{channel: channelID, user: userID}),
		TriggerID:   s.newTriggerLocked(),
	}
	return s.newEnvelopeLocked(&envelope{typ: "slash_commands", payload: mustJSON(p), accepts: true, cmdUser: userID, cmdChannel: channelID})
}

// SendInteractive delivers an interactivity payload (block_actions,
// view_submission, …) as given, filling in what Slack always sends: a fresh
// trigger_id when it is missing or "", a response_url when the key is
// present but "", and token, api_app_id and team when missing. A trigger_id
// the test chose is registered as issued now. Slack lets view_submission be
// answered in the ack (accepts_response_payload true); other types not.
func (s *Server) SendInteractive(payload any) string {
	p := toObject(payload)
	typ := str(p, "type")
	if typ == "" {
		panic("slackfake: SendInteractive: payload has no type")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := str(p, "trigger_id"); t == "" {
		p["trigger_id"] = s.newTriggerLocked()
	} else if s.triggers[t] == nil {
		s.triggers[t] = &trigger{issued: time.Now()}
	}
	if u, ok := p["response_url"]; ok && u == "" {
		container := obj(p, "container")
		target := &responseTarget{
			channel:   str(obj(p, "channel"), "id"),
			user:      str(obj(p, "user"), "id"),
			messageTS: str(container, "message_ts"),
		}
		if target.channel == "" {
			target.channel = str(container, "channel_id")
		}
		if target.messageTS == "" {
			target.messageTS = str(obj(p, "message"), "ts")
		}
		target.ephemeral, _ = container["is_ephemeral"].(bool)
		p["response_url"] = s.newResponseURLLocked("actions", target)
	}
	if _, ok := p["token"]; !ok {
		p["token"] = verificationToken
	}
	if _, ok := p["api_app_id"]; !ok {
		p["api_app_id"] = s.opts.AppID
	}
	if _, ok := p["team"]; !ok {
		p["team"] = map[string]any{"id": s.opts.TeamID, "domain": s.opts.TeamDomain}
	}
	return s.newEnvelopeLocked(&envelope{typ: "interactive", payload: mustJSON(p), accepts: typ == "view_submission"})
}

// SendRaw writes frame as a text frame to one socket (or the next to
// connect), for malformed-input tests. If the frame has a string envelope_id
// its acks are tracked, but it is never redelivered.
func (s *Server) SendRaw(frame []byte) {
	var f struct {
		EnvelopeID string `json:"envelope_id"`
	}
	e := &envelope{raw: append([]byte(nil), frame...)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if json.Unmarshal(frame, &f) == nil && f.EnvelopeID != "" {
		if s.envelopes[f.EnvelopeID] == nil {
			e.id = f.EnvelopeID
			s.envelopes[e.id] = e
		}
	}
	s.enqueueLocked(e)
}

// applyAckPayloadLocked does what Slack does with an ack's payload: a slash
// command's becomes its reply. Other payloads are only recorded (in Acks).
func (s *Server) applyAckPayloadLocked(e *envelope, payload json.RawMessage) {
	if e.typ != "slash_commands" || payload == nil {
		return
	}
	var r struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		s.protoErrLocked("slash command ack payload for %s is not an object (%d bytes)", e.id, len(payload))
		return
	}
	if r.Text == "" && (len(r.Blocks) == 0 || string(r.Blocks) == "null") {
		return
	}
	s.replyLocked(e.cmdChannel, e.cmdUser, r.ResponseType == "in_channel", r.Text, r.Blocks, "")
}

// replyLocked posts an app's reply to a command or action: ephemeral for the
// user, or a bot message in the channel.
func (s *Server) replyLocked(channelID, userID string, inChannel bool, text string, blocks json.RawMessage, threadTS string) {
	if len(blocks) == 0 || string(blocks) == "null" {
		blocks = nil
	}
	ts, now := s.nextTSLocked()
	m := &msg{Message: Message{Channel: channelID, TS: ts, ThreadTS: threadTS, User: s.opts.BotUserID, BotID: s.opts.BotID,
		Text: text, Blocks: blocks, PostedAt: now, Ephemeral: !inChannel}}
	if !inChannel {
		m.ForUser = userID
	}
	s.addMsgLocked(channelID, m)
	s.changedLocked()
	if ch := s.channels[channelID]; inChannel && ch != nil && s.botIn(ch) {
		s.echoPostLocked(ch, m)
	}
}

// botProfile is the bot_profile Slack attaches to the app's messages.
func (s *Server) botProfile() map[string]any {
	return map[string]any{
		"id":      s.opts.BotID,
		"deleted": false,
		"name":    s.opts.BotName,
		"updated": 1700000000,
		"app_id":  s.opts.AppID,
		"icons": map[string]any{
			"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png",
			"image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png",
			"image_72": "https://a.slack-edge.com/80588/img/plugins/app/service_72.png",
		},
		"team_id": s.opts.TeamID,
	}
}

// botMessageJSON is the message object Slack returns for (and echoes of) a
// bot post: user, bot_id, app_id and bot_profile, no subtype.
func (s *Server) botMessageJSON(m *msg) map[string]any {
	o := map[string]any{
		"user":        s.opts.BotUserID,
		"type":        "message",
		"ts":          m.TS,
		"bot_id":      s.opts.BotID,
		"app_id":      s.opts.AppID,
		"text":        m.Text,
		"team":        s.opts.TeamID,
		"bot_profile": s.botProfile(),
	}
	if m.Blocks != nil {
		o["blocks"] = m.Blocks
	}
	if m.attachments != nil {
		o["attachments"] = m.attachments
	}
	if m.ThreadTS != "" {
		o["thread_ts"] = m.ThreadTS
		if m.parentUser != "" {
			o["parent_user_id"] = m.parentUser
		}
	}
	if m.editedTS != "" {
		o["edited"] = map[string]any{"user": s.opts.BotUserID, "ts": m.editedTS}
	}
	return o
}

// echoPostLocked sends the message event Slack sends for the app's own post.
func (s *Server) echoPostLocked(ch *channelState, m *msg) string {
	ev := s.botMessageJSON(m)
	ev["channel"] = ch.ID
	ev["event_ts"] = m.TS
	ev["channel_type"] = channelType(ch)
	return s.sendEventLocked(mustJSON(ev), "message", ch.ID, "")
}

// echoChangeLocked sends message_changed for an edit of the app's message.
func (s *Server) echoChangeLocked(ch *channelState, prev, cur map[string]any, ts string) string {
	ev := map[string]any{
		"type":             "message",
		"subtype":          "message_changed",
		"message":          cur,
		"previous_message": prev,
		"channel":          ch.ID,
		"hidden":           true,
		"ts":               ts,
		"event_ts":         ts,
		"channel_type":     channelType(ch),
	}
	return s.sendEventLocked(mustJSON(ev), "message", ch.ID, "")
}

// echoDeleteLocked sends message_deleted for a deleted message.
func (s *Server) echoDeleteLocked(ch *channelState, prev map[string]any, deletedTS, ts string) string {
	ev := map[string]any{
		"type":             "message",
		"subtype":          "message_deleted",
		"hidden":           true,
		"deleted_ts":       deletedTS,
		"previous_message": prev,
		"channel":          ch.ID,
		"ts":               ts,
		"event_ts":         ts,
		"channel_type":     channelType(ch),
	}
	return s.sendEventLocked(mustJSON(ev), "message", ch.ID, "")
}

package slackfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // users.info derives tz_offset from tz; machines without a zone database must agree
	"unicode/utf8"
)

// maxTextRunes is the longest message text Slack accepts.
const maxTextRunes = 40000

func (s *Server) appsConnectionsOpen(*apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := secret()
	s.tickets[t] = true
	host := strings.TrimPrefix(s.base, "http://")
	return ok(map[string]any{"url": fmt.Sprintf("ws://%s/link/?ticket=%s&app_id=%s", host, t, s.opts.AppID)})
}

func (s *Server) authTest(*apiRequest) apiResult {
	return ok(map[string]any{
		"url":                   fmt.Sprintf("https://%s.slack.com/", s.opts.TeamDomain),
		"team":                  s.opts.TeamName,
		"user":                  s.opts.BotName,
		"team_id":               s.opts.TeamID,
		"user_id":               s.opts.BotUserID,
		"bot_id":                s.opts.BotID,
		"is_enterprise_install": false,
	})
}

func (s *Server) usersInfo(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	locale := q.get("include_locale") == "true"
	if q.has("users") {
		var out []any
		for id := range strings.SplitSeq(q.get("users"), ",") {
			u := s.users[strings.TrimSpace(id)]
			if u == nil {
				return fail("user_not_found")
			}
			out = append(out, s.userJSON(u, locale))
		}
		return ok(map[string]any{"users": out})
	}
	u := s.users[q.get("user")]
	if u == nil {
		return fail("user_not_found")
	}
	return ok(map[string]any{"user": s.userJSON(u, locale)})
}

// tzLabels names the zones Slack users are most often in, as Slack labels them.
var tzLabels = map[string]string{
	"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time", "BST": "British Summer Time",
	"CET": "Central European Time", "CEST": "Central European Summer Time",
	"EET": "Eastern European Time", "EEST": "Eastern European Summer Time",
	"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
	"CST": "Central Standard Time", "CDT": "Central Daylight Time",
	"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
	"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
	"IST": "India Standard Time", "JST": "Japan Standard Time",
	"AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}

// tzInfo is the user's tz, tz_label and tz_offset. Slack derives the offset
// from the zone at the current time (so it changes with DST); an explicit
// User.TZOffset wins.
func (s *Server) tzInfo(u *User) (string, string, int) {
	if u.TZ == "" {
		return "", "", u.TZOffset
	}
	loc, err := time.LoadLocation(u.TZ)
	if err != nil {
		return u.TZ, u.TZ, u.TZOffset
	}
	name, off := s.opts.Clock.Now().In(loc).Zone()
	if u.TZOffset != 0 {
		off = u.TZOffset
	}
	label := tzLabels[name]
	if label == "" {
		label = name
	}
	return u.TZ, label, off
}

func (s *Server) userJSON(u *User, locale bool) map[string]any {
	tz, label, off := s.tzInfo(u)
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            u.Name,
		"display_name_normalized": u.Name,
		"team":                    s.opts.TeamID,
		"avatar_hash":             "g0000000000",
		"status_text":             "",
		"status_emoji":            "",
		"image_48":                "https://secure.gravatar.com/avatar/0.jpg?s=48",
	}
	if u.IsBot {
		profile["bot_id"] = u.BotID
		profile["always_active"] = true
		if u.ID == s.opts.BotUserID {
			profile["api_app_id"] = s.opts.AppID
		}
	}
	o := map[string]any{
		"id":                  u.ID,
		"team_id":             s.opts.TeamID,
		"name":                u.Name,
		"deleted":             u.Deleted,
		"color":               "9f69e7",
		"real_name":           u.RealName,
		"tz":                  tz,
		"tz_label":            label,
		"tz_offset":           off,
		"profile":             profile,
		"is_admin":            u.IsAdmin,
		"is_owner":            u.IsOwner,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"updated":             1700000000,
		"is_email_confirmed":  !u.IsBot,
	}
	if locale {
		o["locale"] = "en-US"
	}
	return o
}

func (s *Server) channelJSON(c *channelState, numMembers bool) map[string]any {
	if c.IsIM {
		other := ""
		for _, m := range c.Members {
			if m != s.opts.BotUserID || other == "" {
				other = m
			}
		}
		deleted := false
		if u := s.users[other]; u != nil {
			deleted = u.Deleted
		}
		return map[string]any{
			"id": c.ID, "created": c.created.Unix(), "is_archived": false, "is_im": true,
			"is_org_shared": false, "context_team_id": s.opts.TeamID, "updated": c.created.UnixMilli(),
			"user": other, "is_user_deleted": deleted, "priority": 0,
		}
	}
	topic := map[string]any{"value": "", "creator": "", "last_set": 0}
	o := map[string]any{
		"id": c.ID, "name": c.Name, "is_channel": !c.IsMpIM, "is_group": c.IsMpIM, "is_im": false,
		"is_mpim": c.IsMpIM, "is_private": c.IsPrivate || c.IsMpIM, "created": c.created.Unix(),
		"is_archived": false, "is_general": false, "unlinked": 0, "name_normalized": c.Name,
		"is_shared": false, "is_org_shared": false, "is_pending_ext_shared": false, "pending_shared": []string{},
		"context_team_id": s.opts.TeamID, "updated": c.created.UnixMilli(), "parent_conversation": nil,
		"creator": "", "is_ext_shared": false, "shared_team_ids": []string{s.opts.TeamID},
		"pending_connected_team_ids": []string{}, "is_member": s.botIn(c),
		"topic": topic, "purpose": topic, "previous_names": []string{},
	}
	if numMembers {
		o["num_members"] = len(c.Members)
	}
	return o
}

func (s *Server) conversationsInfo(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.visibleLocked(q.get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	return ok(map[string]any{"channel": s.channelJSON(c, q.get("include_num_members") == "true")})
}

func (s *Server) conversationsMembers(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.visibleLocked(q.get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	limit := 100
	if q.get("limit") != "" {
		n, err := strconv.Atoi(q.get("limit"))
		if err != nil || n < 1 {
			return fail("invalid_limit")
		}
		limit = min(n, 1000)
	}
	start := 0
	if cur := q.get("cursor"); cur != "" {
		b, err := base64.StdEncoding.DecodeString(cur)
		id, found := strings.CutPrefix(string(b), "user:")
		start = slices.Index(c.Members, id)
		if err != nil || !found || start < 0 {
			return fail("invalid_cursor")
		}
	}
	end := min(start+limit, len(c.Members))
	next := ""
	if end < len(c.Members) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + c.Members[end]))
	}
	return ok(map[string]any{
		"members":           slices.Clone(c.Members[start:end]),
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

// imWithLocked returns the bot's IM with user, creating it if asked.
func (s *Server) imWithLocked(user string, create bool) (c *channelState, existed bool) {
	for _, c := range s.channels {
		if c.IsIM && s.botIn(c) && c.has(user) {
			return c, true
		}
	}
	if !create {
		return nil, false
	}
	c = &channelState{Channel: Channel{ID: slackID("D"), IsIM: true, Members: []string{user, s.opts.BotUserID}}, created: s.opts.Clock.Now()}
	s.channels[c.ID] = c
	s.changedLocked()
	return c, false
}

func (s *Server) conversationsOpen(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := q.get("return_im") == "true"
	if id := q.get("channel"); id != "" {
		c := s.visibleLocked(id)
		if c == nil || !(c.IsIM || c.IsMpIM) {
			return fail("channel_not_found")
		}
		return s.openResult(c, true, full)
	}
	if q.get("users") == "" {
		return fail("users_list_not_supplied")
	}
	var users []string
	for id := range strings.SplitSeq(q.get("users"), ",") {
		id = strings.TrimSpace(id)
		u := s.users[id]
		switch {
		case u == nil:
			return fail("user_not_found")
		case u.Deleted:
			return fail("user_disabled")
		}
		if id != s.opts.BotUserID && !slices.Contains(users, id) {
			users = append(users, id)
		}
	}
	switch {
	case len(users) == 0:
		return fail("cannot_dm_bot")
	case len(users) == 1:
		c, existed := s.imWithLocked(users[0], true)
		return s.openResult(c, existed, full)
	case len(users) > 8:
		return fail("too_many_users")
	}
	members := append(slices.Clone(users), s.opts.BotUserID)
	for _, c := range s.channels {
		if c.IsMpIM && len(c.Members) == len(members) && !slices.ContainsFunc(members, func(m string) bool { return !c.has(m) }) {
			return s.openResult(c, true, true)
		}
	}
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = s.users[m].Name
	}
	c := &channelState{Channel: Channel{ID: slackID("C"), Name: "mpdm-" + strings.Join(names, "--") + "-1", IsMpIM: true, IsPrivate: true, Members: members}, created: s.opts.Clock.Now()}
	s.channels[c.ID] = c
	s.changedLocked()
	return s.openResult(c, false, true)
}

func (s *Server) openResult(c *channelState, existed, full bool) apiResult {
	ch := map[string]any{"id": c.ID}
	if full {
		ch = s.channelJSON(c, false)
	}
	r := map[string]any{"channel": ch}
	if existed {
		r["no_op"] = true
		r["already_open"] = true
	}
	return ok(r)
}

// resolveChannelLocked turns chat.* channel arguments into a channel: an ID,
// a user ID (the bot's IM with them, opened if need be, as Slack does), or a
// public channel's name.
func (s *Server) resolveChannelLocked(arg string) *channelState {
	if u := s.users[arg]; u != nil && !u.Deleted && arg != s.opts.BotUserID {
		c, _ := s.imWithLocked(arg, true)
		return c
	}
	if c := s.visibleLocked(arg); c != nil {
		return c
	}
	name := strings.TrimPrefix(arg, "#")
	for _, c := range s.channels {
		if !c.IsIM && !c.IsMpIM && c.Name == name && name != "" {
			return s.visibleLocked(c.ID)
		}
	}
	return nil
}

// blockTypes are the Block Kit blocks Slack accepts in messages and views.
var blockTypes = map[string]bool{
	"actions": true, "context": true, "divider": true, "file": true, "header": true, "image": true,
	"input": true, "markdown": true, "rich_text": true, "section": true, "video": true, "table": true,
	"context_actions": true, "call": true,
}

// parseBlocks checks a blocks argument the way Slack does: unparsable or
// not an array is invalid_blocks_format; a block Slack would reject is
// invalid_blocks, with messages saying where.
func parseBlocks(raw string, maxBlocks int) (json.RawMessage, string, []string) {
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, "invalid_blocks_format", nil
	}
	var msgs []string
	if len(blocks) > maxBlocks {
		msgs = append(msgs, fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:/blocks]", maxBlocks))
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		at := fmt.Sprintf("[json-pointer:/blocks/%d", i)
		typ, _ := b["type"].(string)
		switch {
		case b == nil:
			msgs = append(msgs, "[ERROR] must provide an object "+at+"]")
			continue
		case typ == "":
			msgs = append(msgs, "[ERROR] missing required field: type "+at+"]")
			continue
		case !blockTypes[typ]:
			msgs = append(msgs, fmt.Sprintf("[ERROR] unsupported type: %s %s/type]", typ, at))
			continue
		}
		if id, _ := b["block_id"].(string); id != "" {
			if seen[id] {
				msgs = append(msgs, fmt.Sprintf("[ERROR] duplicate block_id %s/block_id]", at))
			}
			seen[id] = true
		}
		textLen := func(o any) int {
			t, _ := o.(map[string]any)
			s, _ := t["text"].(string)
			return utf8.RuneCountInString(s)
		}
		switch typ {
		case "section":
			if n := textLen(b["text"]); n > 3000 {
				msgs = append(msgs, fmt.Sprintf("[ERROR] must be less than 3001 characters %s/text/text]", at))
			}
			if b["text"] == nil && b["fields"] == nil {
				msgs = append(msgs, "[ERROR] must provide either text or fields "+at+"]")
			}
			if f, _ := b["fields"].([]any); len(f) > 10 {
				msgs = append(msgs, fmt.Sprintf("[ERROR] no more than 10 items allowed %s/fields]", at))
			}
		case "header":
			if n := textLen(b["text"]); n == 0 || n > 150 {
				msgs = append(msgs, fmt.Sprintf("[ERROR] must be between 1 and 150 characters %s/text/text]", at))
			}
		case "context":
			if e, _ := b["elements"].([]any); len(e) == 0 || len(e) > 10 {
				msgs = append(msgs, fmt.Sprintf("[ERROR] must have between 1 and 10 items %s/elements]", at))
			}
		case "actions":
			if e, _ := b["elements"].([]any); len(e) == 0 || len(e) > 25 {
				msgs = append(msgs, fmt.Sprintf("[ERROR] must have between 1 and 25 items %s/elements]", at))
			}
		}
	}
	if len(msgs) > 0 {
		return nil, "invalid_blocks", msgs
	}
	return json.RawMessage(raw), "", nil
}

// messageContent validates text, blocks and attachments for chat.* methods.
func messageContent(q *apiRequest) (text string, blocks, attachments json.RawMessage, res *apiResult) {
	text = q.get("text")
	if b := q.get("blocks"); b != "" {
		var code string
		var msgs []string
		if blocks, code, msgs = parseBlocks(b, 50); code != "" {
			r := fail(code, msgs...)
			return "", nil, nil, &r
		}
		if string(blocks) == "[]" && q.method != "chat.update" {
			blocks = nil
		}
	}
	if a := q.get("attachments"); a != "" {
		var arr []any
		if json.Unmarshal([]byte(a), &arr) != nil {
			r := fail("invalid_attachments")
			return "", nil, nil, &r
		}
		if len(arr) > 100 {
			r := fail("too_many_attachments")
			return "", nil, nil, &r
		}
		if len(arr) > 0 {
			attachments = json.RawMessage(a)
		}
	}
	if text == "" && blocks == nil && attachments == nil {
		r := fail("no_text")
		return "", nil, nil, &r
	}
	if utf8.RuneCountInString(text) > maxTextRunes {
		r := fail("msg_too_long")
		return "", nil, nil, &r
	}
	return text, blocks, attachments, nil
}

func (s *Server) chatPostMessage(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveChannelLocked(q.get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	if !s.botIn(c) {
		return fail("not_in_channel")
	}
	text, blocks, attachments, bad := messageContent(q)
	if bad != nil {
		return *bad
	}
	threadTS, parentUser := "", ""
	if t := q.get("thread_ts"); t != "" {
		// Slack posts a reply to a missing parent as a top-level message,
		// and a reply to a reply into that reply's thread.
		if parent := s.findMsgLocked(c.ID, t); parent != nil && !parent.Deleted {
			if parent.ThreadTS != "" && parent.ThreadTS != parent.TS {
				if root := s.findMsgLocked(c.ID, parent.ThreadTS); root != nil {
					parent = root
				}
			}
			parent.ThreadTS = parent.TS
			threadTS, parentUser = parent.TS, parent.User
		}
	}
	ts, now := s.nextTSLocked()
	m := &msg{Message: Message{Channel: c.ID, TS: ts, ThreadTS: threadTS, User: s.opts.BotUserID, BotID: s.opts.BotID,
		Text: text, Blocks: blocks, PostedAt: now}, parentUser: parentUser, attachments: attachments}
	s.addMsgLocked(c.ID, m)
	s.changedLocked()
	r := ok(map[string]any{"channel": c.ID, "ts": ts, "message": s.botMessageJSON(m)})
	r.after = func() { s.locked(func() { s.echoPostLocked(c, m) }) }
	return r
}

func (s *Server) chatPostEphemeral(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveChannelLocked(q.get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	if !s.botIn(c) {
		return fail("not_in_channel")
	}
	user := q.get("user")
	if u := s.users[user]; u == nil || !c.has(user) {
		return fail("user_not_in_channel")
	}
	text, blocks, attachments, bad := messageContent(q)
	if bad != nil {
		return *bad
	}
	ts, now := s.nextTSLocked()
	m := &msg{Message: Message{Channel: c.ID, TS: ts, ThreadTS: q.get("thread_ts"), User: s.opts.BotUserID, BotID: s.opts.BotID,
		Text: text, Blocks: blocks, PostedAt: now, Ephemeral: true, ForUser: user}, attachments: attachments}
	s.addMsgLocked(c.ID, m)
	s.changedLocked()
	return ok(map[string]any{"message_ts": ts})
}

// editableLocked finds the app's own message for chat.update/chat.delete.
func (s *Server) editableLocked(q *apiRequest, notMine string) (*channelState, *msg, *apiResult) {
	c := s.resolveChannelLocked(q.get("channel"))
	if c == nil {
		r := fail("channel_not_found")
		return nil, nil, &r
	}
	m := s.findMsgLocked(c.ID, q.get("ts"))
	if m == nil || m.Deleted {
		r := fail("message_not_found")
		return nil, nil, &r
	}
	if m.BotID != s.opts.BotID {
		r := fail(notMine)
		return nil, nil, &r
	}
	return c, m, nil
}

func (s *Server) chatUpdate(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, bad := s.editableLocked(q, "cant_update_message")
	if bad != nil {
		return *bad
	}
	text, blocks, attachments, bad := messageContent(q)
	if bad != nil {
		return *bad
	}
	prev := s.botMessageJSON(m)
	editTS, _ := s.nextTSLocked()
	if q.has("text") {
		m.Text = text
	}
	if q.has("blocks") {
		m.Blocks = blocks
		if string(blocks) == "[]" {
			m.Blocks = nil
		}
	}
	if q.has("attachments") {
		m.attachments = attachments
	}
	m.Updated++
	m.editedTS = editTS
	s.changedLocked()
	cur := s.botMessageJSON(m)
	r := ok(map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": cur})
	r.after = func() { s.locked(func() { s.echoChangeLocked(c, prev, cur, editTS) }) }
	return r
}

func (s *Server) chatDelete(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, bad := s.editableLocked(q, "cant_delete_message")
	if bad != nil {
		return *bad
	}
	prev := s.botMessageJSON(m)
	ts, _ := s.nextTSLocked()
	m.Deleted = true
	s.changedLocked()
	r := ok(map[string]any{"channel": c.ID, "ts": m.TS})
	r.after = func() { s.locked(func() { s.echoDeleteLocked(c, prev, m.TS, ts) }) }
	return r
}

func (s *Server) chatGetPermalink(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.visibleLocked(q.get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	m := s.findMsgLocked(c.ID, q.get("message_ts"))
	if m == nil || m.Deleted {
		return fail("message_not_found")
	}
	return ok(map[string]any{"channel": c.ID, "permalink": s.permalink(c.ID, m)})
}

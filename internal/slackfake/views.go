package slackfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// trigger is an issued trigger_id. Slack lets one be exchanged once, within
// about three seconds of the interaction that made it.
type trigger struct {
	issued time.Time // real time
	used   bool
}

func (s *Server) newTriggerLocked() string {
	t := triggerID()
	s.triggers[t] = &trigger{issued: time.Now()}
	return t
}

var triggerShape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9a-zA-Z]+$`)

// checkTriggerLocked returns Slack's error for exchanging t now, or "".
func (s *Server) checkTriggerLocked(t string) string {
	if t == "" {
		return "invalid_arguments"
	}
	tr := s.triggers[t]
	switch {
	case !triggerShape.MatchString(t) || tr == nil:
		return "invalid_trigger_id"
	case tr.used:
		return "exchanged_trigger_id"
	case time.Since(tr.issued) > s.opts.TriggerTTL:
		return "expired_trigger_id"
	}
	return ""
}

// viewState is a view Slack holds: a user's Home tab or a modal.
type viewState struct {
	id, kind, user, externalID, hash, rootID string
	full                                     json.RawMessage
}

// View returns the current state of the view with the given ID (as
// views.open/push/update/publish last returned it), or nil.
func (s *Server) View(id string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.views[id]; v != nil {
		return slices.Clone(v.full)
	}
	return nil
}

// HomeView returns the user's Home tab as last published (the view object
// Slack returned), or nil.
func (s *Server) HomeView(userID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.views[s.homeViews[userID]]; v != nil {
		return slices.Clone(v.full)
	}
	return nil
}

// OpenViews returns the modals views.open opened, in order, each as it was
// when opened. View(id) gives a modal's current state after views.update.
func (s *Server) OpenViews() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]json.RawMessage, len(s.openViews))
	for i, v := range s.openViews {
		out[i] = slices.Clone(v)
	}
	return out
}

// parseView reads the view argument and checks it as Slack does, answering
// invalid_arguments with messages on failure.
func parseView(q *apiRequest, kind string) (map[string]any, *apiResult) {
	raw := q.get("view")
	if raw == "" {
		r := fail("invalid_arguments", "[ERROR] missing required field: view")
		return nil, &r
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil || v == nil {
		r := fail("invalid_arguments", "[ERROR] failed to match all allowed schemas [json-pointer:/view]")
		return nil, &r
	}
	var msgs []string
	if t, _ := v["type"].(string); t != kind {
		msgs = append(msgs, fmt.Sprintf("[ERROR] must be %q [json-pointer:/view/type]", kind))
	}
	blocks, _ := json.Marshal(v["blocks"])
	if v["blocks"] == nil {
		msgs = append(msgs, "[ERROR] missing required field: blocks [json-pointer:/view]")
	} else if _, code, bm := parseBlocks(string(blocks), 100); code != "" {
		if bm == nil {
			bm = []string{"[ERROR] must be an array [json-pointer:/view/blocks]"}
		}
		msgs = append(msgs, bm...)
	}
	plain := func(field string, required bool) {
		o, present := v[field].(map[string]any)
		if !present {
			if required {
				msgs = append(msgs, fmt.Sprintf("[ERROR] missing required field: %s [json-pointer:/view]", field))
			}
			return
		}
		t, _ := o["text"].(string)
		if n := utf8.RuneCountInString(t); o["type"] != "plain_text" || n == 0 || n > 24 {
			msgs = append(msgs, fmt.Sprintf("[ERROR] must be plain_text of 1 to 24 characters [json-pointer:/view/%s]", field))
		}
	}
	if kind == "modal" {
		plain("title", true)
		plain("close", false)
		hasInput := false
		bl, _ := v["blocks"].([]any)
		for _, b := range bl {
			if m, _ := b.(map[string]any); m["type"] == "input" {
				hasInput = true
			}
		}
		plain("submit", hasInput)
	}
	if pm, _ := v["private_metadata"].(string); len(pm) > 3000 {
		msgs = append(msgs, "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
	}
	if cb, _ := v["callback_id"].(string); len(cb) > 255 {
		msgs = append(msgs, "[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
	}
	if len(msgs) > 0 {
		r := fail("invalid_arguments", msgs...)
		return nil, &r
	}
	return v, nil
}

// fullViewLocked is the view object Slack returns: what the app sent plus
// Slack's own fields.
func (s *Server) fullViewLocked(vs *viewState, v map[string]any) json.RawMessage {
	get := func(k string) any { return v[k] }
	strOr := func(k string) string { x, _ := v[k].(string); return x }
	boolOf := func(k string) bool { x, _ := v[k].(bool); return x }
	full := map[string]any{
		"id":                    vs.id,
		"team_id":               s.opts.TeamID,
		"type":                  vs.kind,
		"blocks":                get("blocks"),
		"private_metadata":      strOr("private_metadata"),
		"callback_id":           strOr("callback_id"),
		"state":                 map[string]any{"values": map[string]any{}},
		"hash":                  vs.hash,
		"title":                 get("title"),
		"close":                 get("close"),
		"submit":                get("submit"),
		"clear_on_close":        boolOf("clear_on_close"),
		"notify_on_close":       boolOf("notify_on_close"),
		"root_view_id":          vs.rootID,
		"previous_view_id":      nil,
		"app_id":                s.opts.AppID,
		"external_id":           vs.externalID,
		"app_installed_team_id": s.opts.TeamID,
		"bot_id":                s.opts.BotID,
	}
	if vs.kind == "modal" && v["close"] == nil {
		full["close"] = map[string]any{"type": "plain_text", "text": "Cancel", "emoji": true}
	}
	return mustJSON(full)
}

// externalIDTakenLocked reports whether another view uses ext.
func (s *Server) externalIDTakenLocked(ext, except string) bool {
	if ext == "" {
		return false
	}
	for _, v := range s.views {
		if v.externalID == ext && v.id != except {
			return true
		}
	}
	return false
}

func (s *Server) viewsPublish(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	user := q.get("user_id")
	if user == "" {
		return fail("invalid_arguments", "[ERROR] missing required field: user_id")
	}
	if s.users[user] == nil {
		return fail("user_not_found")
	}
	v, bad := parseView(q, "home")
	if bad != nil {
		return *bad
	}
	vs := s.views[s.homeViews[user]]
	if vs != nil && q.get("hash") != "" && q.get("hash") != vs.hash {
		return fail("hash_conflict")
	}
	ext, _ := v["external_id"].(string)
	if vs == nil {
		vs = &viewState{id: slackID("V"), kind: "home", user: user}
		vs.rootID = vs.id
	}
	if s.externalIDTakenLocked(ext, vs.id) {
		return fail("duplicate_external_id")
	}
	vs.externalID = ext
	vs.hash = viewHash(s.opts.Clock.Now().Unix())
	vs.full = s.fullViewLocked(vs, v)
	s.views[vs.id] = vs
	s.homeViews[user] = vs.id
	s.changedLocked()
	return ok(map[string]any{"view": vs.full})
}

// newModalLocked exchanges trigger t for a new modal.
func (s *Server) newModalLocked(q *apiRequest) (*viewState, *apiResult) {
	if code := s.checkTriggerLocked(q.get("trigger_id")); code != "" {
		r := fail(code)
		return nil, &r
	}
	v, bad := parseView(q, "modal")
	if bad != nil {
		return nil, bad
	}
	ext, _ := v["external_id"].(string)
	if s.externalIDTakenLocked(ext, "") {
		r := fail("duplicate_external_id")
		return nil, &r
	}
	s.triggers[q.get("trigger_id")].used = true
	vs := &viewState{id: slackID("V"), kind: "modal", externalID: ext, hash: viewHash(s.opts.Clock.Now().Unix())}
	vs.rootID = vs.id
	vs.full = s.fullViewLocked(vs, v)
	s.views[vs.id] = vs
	s.changedLocked()
	return vs, nil
}

func (s *Server) viewsOpen(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs, bad := s.newModalLocked(q)
	if bad != nil {
		return *bad
	}
	s.openViews = append(s.openViews, vs.full)
	return ok(map[string]any{"view": vs.full})
}

// viewsPush opens a modal on top of the current one. The emulator does not
// track which modal a trigger came from, so the pushed view is its own root.
func (s *Server) viewsPush(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs, bad := s.newModalLocked(q)
	if bad != nil {
		return *bad
	}
	return ok(map[string]any{"view": vs.full})
}

func (s *Server) viewsUpdate(q *apiRequest) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ext := q.get("view_id"), q.get("external_id")
	if id == "" && ext == "" {
		return fail("invalid_arguments", "[ERROR] must provide view_id or external_id")
	}
	var vs *viewState
	for _, v := range s.views {
		if (id != "" && v.id == id) || (id == "" && v.externalID == ext) {
			vs = v
		}
	}
	if vs == nil {
		return fail("not_found")
	}
	if h := q.get("hash"); h != "" && h != vs.hash {
		return fail("hash_conflict")
	}
	v, bad := parseView(q, vs.kind)
	if bad != nil {
		return *bad
	}
	newExt, _ := v["external_id"].(string)
	if newExt == "" {
		newExt = vs.externalID
	}
	if s.externalIDTakenLocked(newExt, vs.id) {
		return fail("duplicate_external_id")
	}
	vs.externalID = newExt
	vs.hash = viewHash(s.opts.Clock.Now().Unix())
	vs.full = s.fullViewLocked(vs, v)
	s.changedLocked()
	return ok(map[string]any{"view": vs.full})
}

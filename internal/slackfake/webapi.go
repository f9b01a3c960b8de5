package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API request as the emulator saw it.
type Call struct {
	Method string
	// Params are the form fields and query, or a JSON body flattened: top-level
	// scalars as strings, objects and arrays as their JSON. The token is not
	// among them.
	Params     url.Values
	Body       []byte
	Token      string // redacted to its type, e.g. "xoxb-…"
	TokenValid bool   // whether it was the right token for the method
	Status     int    // HTTP status; 0 when the request was dropped (SetUnreachable)
	Response   []byte
	At         time.Time // Options.Clock
}

type faultKind int

const (
	faultSlackError faultKind = iota
	faultRateLimit
	faultServerError
)

type fault struct {
	kind       faultKind
	slackErr   string
	retryAfter time.Duration
}

// FailMethod makes the next `times` calls to method answer
// {"ok":false,"error":slackError}.
func (s *Server) FailMethod(method, slackError string, times int) {
	s.addFault(method, fault{kind: faultSlackError, slackErr: slackError}, times)
}

// RateLimit makes the next `times` calls to method answer HTTP 429 with a
// Retry-After of whole seconds (at least 1), as Slack does.
func (s *Server) RateLimit(method string, retryAfter time.Duration, times int) {
	s.addFault(method, fault{kind: faultRateLimit, retryAfter: retryAfter}, times)
}

// ServerError makes the next `times` calls to method answer HTTP 500 with an
// HTML body, as Slack's edge does when something behind it fails.
func (s *Server) ServerError(method string, times int) {
	s.addFault(method, fault{kind: faultServerError}, times)
}

func (s *Server) addFault(method string, f fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[method] = append(s.faults[method], f)
	}
}

// SetUnreachable makes every HTTP request (Web API calls, apps.connections.open
// and websocket dials) fail at the TCP level: the connection is closed with
// no response. Open sockets are left alone; use DropConnections for those.
func (s *Server) SetUnreachable(on bool) {
	s.mu.Lock()
	s.unreachable = on
	s.mu.Unlock()
}

// Calls returns every Web API call in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls to one method in order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall returns the first call to method, past or future, that match
// accepts (nil accepts any).
//
// match runs without the emulator's lock held, so it may call the Server.
func (s *Server) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	checked := 0
	for {
		s.mu.Lock()
		calls := s.calls[checked:len(s.calls):len(s.calls)]
		closed, ch := s.closed, s.notify
		s.mu.Unlock()
		for _, c := range calls {
			if c.Method == method && (match == nil || match(c)) {
				return c, nil
			}
		}
		checked += len(calls)
		if closed {
			return Call{}, errClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Call{}, ctx.Err()
		}
	}
}

// UnknownMethods lists methods called that the emulator does not implement,
// in call order, once each.
func (s *Server) UnknownMethods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unknown)
}

// apiRequest is a parsed Web API call.
type apiRequest struct {
	method string
	params url.Values
}

func (q *apiRequest) get(k string) string { return q.params.Get(k) }
func (q *apiRequest) has(k string) bool   { return q.params.Has(k) }

// apiResult is a handler's answer; after runs once the response is written,
// which is when Slack's echo events go out.
type apiResult struct {
	status int
	body   any
	after  func()
}

func ok(fields map[string]any) apiResult {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return apiResult{status: http.StatusOK, body: fields}
}

func fail(code string, messages ...string) apiResult {
	b := map[string]any{"ok": false, "error": code}
	if len(messages) > 0 {
		b["response_metadata"] = map[string]any{"messages": messages}
	}
	return apiResult{status: http.StatusOK, body: b}
}

type handler func(*Server, *apiRequest) apiResult

// handlers are the Web API methods the emulator implements. Each takes s.mu
// itself.
var handlers = map[string]handler{
	"apps.connections.open": (*Server).appsConnectionsOpen,
	"auth.test":             (*Server).authTest,
	"users.info":            (*Server).usersInfo,
	"conversations.info":    (*Server).conversationsInfo,
	"conversations.members": (*Server).conversationsMembers,
	"conversations.open":    (*Server).conversationsOpen,
	"chat.postMessage":      (*Server).chatPostMessage,
	"chat.postEphemeral":    (*Server).chatPostEphemeral,
	"chat.update":           (*Server).chatUpdate,
	"chat.delete":           (*Server).chatDelete,
	"chat.getPermalink":     (*Server).chatGetPermalink,
	"views.publish":         (*Server).viewsPublish,
	"views.open":            (*Server).viewsOpen,
	"views.push":            (*Server).viewsPush,
	"views.update":          (*Server).viewsUpdate,
}

// handleAPI serves https://slack.com/api/<method>.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return
	}
	params, parseErr := parseParams(r, body)
	token := bearer(r)
	if token == "" && !isJSON(r) {
		// Slack takes the token as a form field too, but not inside JSON.
		token = params.Get("token")
	}
	params.Del("token")
	call := Call{Method: method, Params: params, Body: body, Token: redactToken(token), At: s.opts.Clock.Now()}

	s.mu.Lock()
	call.TokenValid = s.authError(method, token) == ""
	if s.unreachable {
		s.calls = append(s.calls, call)
		s.changedLocked()
		s.mu.Unlock()
		dropHTTP(w)
		return
	}
	var f *fault
	if q := s.faults[method]; len(q) > 0 {
		f = &q[0]
		s.faults[method] = q[1:]
	}
	h, known := handlers[method]
	if !known && !slices.Contains(s.unknown, method) {
		s.unknown = append(s.unknown, method)
		s.log.Warn("slackfake: unknown Web API method", "method", method)
	}
	authErr := s.authError(method, token)
	s.mu.Unlock()

	var res apiResult
	switch {
	case f != nil && f.kind == faultRateLimit:
		secs := max(1, int(math.Ceil(f.retryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		res = apiResult{status: http.StatusTooManyRequests, body: map[string]any{"ok": false, "error": "ratelimited"}}
	case f != nil && f.kind == faultServerError:
		s.write(w, &call, http.StatusInternalServerError, "text/html; charset=utf-8",
			[]byte("<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n"))
		return
	case f != nil:
		res = fail(f.slackErr)
	case !known:
		res = apiResult{status: http.StatusOK, body: map[string]any{"ok": false, "error": "unknown_method", "req_method": method}}
	case parseErr != "":
		res = fail(parseErr)
	case authErr != "":
		res = fail(authErr)
	default:
		res = h(s, &apiRequest{method: method, params: params})
	}
	b, err := json.Marshal(res.body)
	if err != nil {
		panic("slackfake: marshal response: " + err.Error())
	}
	s.write(w, &call, res.status, "application/json; charset=utf-8", b)
	if res.after != nil {
		res.after()
	}
}

// write records the call and then sends the response, so that a caller
// that got the response always finds the call in Calls.
func (s *Server) write(w http.ResponseWriter, call *Call, status int, contentType string, body []byte) {
	call.Status, call.Response = status, body
	s.mu.Lock()
	s.calls = append(s.calls, *call)
	s.changedLocked()
	s.mu.Unlock()
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// authError says why Slack would refuse token for method, or "" if it would
// not. apps.connections.open wants the app-level token; everything else
// the bot token.
func (s *Server) authError(method, token string) string {
	want, other := s.opts.BotToken, s.opts.AppToken
	if method == "apps.connections.open" {
		want, other = other, want
	}
	switch token {
	case "":
		return "not_authed"
	case want:
		return ""
	case other:
		return "not_allowed_token_type"
	}
	return "invalid_auth"
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func isJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// redactToken keeps only a token's type ("xoxb-…").
func redactToken(t string) string {
	if t == "" {
		return ""
	}
	if i := strings.IndexByte(t, '-'); i > 0 {
		return t[:i] + "-…"
	}
	return "…"
}

// parseParams reads arguments the ways Slack accepts them: query string,
// form body, multipart, or a JSON object. It returns Slack's error code for
// a body it would refuse.
func parseParams(r *http.Request, body []byte) (url.Values, string) {
	vals := url.Values{}
	for k, v := range r.URL.Query() {
		vals[k] = append(vals[k], v...)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead || len(body) == 0 {
		return vals, ""
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return vals, "missing_post_type"
	}
	mt, mp, err := mime.ParseMediaType(ct)
	if err != nil {
		return vals, "invalid_post_type"
	}
	if cs := strings.ToLower(mp["charset"]); cs != "" && cs != "utf-8" && cs != "iso-8859-1" {
		return vals, "invalid_charset"
	}
	switch mt {
	case "application/x-www-form-urlencoded", "text/plain":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return vals, "invalid_form_data"
		}
		for k, v := range form {
			vals[k] = append(vals[k], v...)
		}
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mp["boundary"]).ReadForm(16 << 20)
		if err != nil {
			return vals, "invalid_form_data"
		}
		for k, v := range form.Value {
			vals[k] = append(vals[k], v...)
		}
	case "application/json":
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var raw any
		if err := d.Decode(&raw); err != nil {
			return vals, "invalid_json"
		}
		m, isObj := raw.(map[string]any)
		if !isObj {
			return vals, "json_not_object"
		}
		for k, v := range m {
			switch x := v.(type) {
			case nil:
			case string:
				vals.Set(k, x)
			case json.Number:
				vals.Set(k, x.String())
			case bool:
				vals.Set(k, strconv.FormatBool(x))
			default:
				vals.Set(k, string(mustJSON(x)))
			}
		}
	default:
		return vals, "invalid_post_type"
	}
	return vals, ""
}

// dropHTTP closes the request's TCP connection without answering.
func dropHTTP(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("slackfake: response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// responseTarget is where posts to a response_url go.
type responseTarget struct {
	channel, user, messageTS string
	ephemeral                bool
}

// newResponseURLLocked issues a response_url shaped like Slack's
// (…/commands/T…/<n>/<secret>) that points back at the emulator.
func (s *Server) newResponseURLLocked(kind string, t *responseTarget) string {
	sec := secret()
	s.responseURLs[sec] = t
	return fmt.Sprintf("%s/%s/%s/%d/%s", s.base, kind, s.opts.TeamID, 1_000_000_000+len(s.responseURLs), sec)
}

// handleResponseURL takes posts to a response_url: a reply (ephemeral by
// default, or in_channel), or with replace_original/delete_original an edit
// of the message an action came from. Recorded as Calls with Method
// "response_url".
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	params, _ := parseParams(r, body)
	call := Call{Method: "response_url", Params: params, Body: body, At: s.opts.Clock.Now(), TokenValid: true}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	s.mu.Lock()
	if s.unreachable {
		s.calls = append(s.calls, call)
		s.changedLocked()
		s.mu.Unlock()
		dropHTTP(w)
		return
	}
	t := s.responseURLs[parts[len(parts)-1]]
	if t == nil || r.Method != http.MethodPost {
		s.protoErrLocked("%s to unknown response_url %s", r.Method, r.URL.Path)
		s.mu.Unlock()
		s.write(w, &call, http.StatusNotFound, "text/plain; charset=utf-8", []byte("invalid_token"))
		return
	}
	var p struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		s.protoErrLocked("response_url body is not JSON (%d bytes)", len(body))
		s.mu.Unlock()
		s.write(w, &call, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("invalid_payload"))
		return
	}
	if string(p.Blocks) == "null" {
		p.Blocks = nil
	}
	var after func()
	switch {
	case p.DeleteOriginal || p.ReplaceOriginal:
		m := s.originalLocked(t)
		if m == nil {
			s.mu.Unlock()
			s.write(w, &call, http.StatusNotFound, "text/plain; charset=utf-8", []byte("message_not_found"))
			return
		}
		ch := s.channels[t.channel]
		prev := s.botMessageJSON(m)
		ts, _ := s.nextTSLocked()
		if p.DeleteOriginal {
			m.Deleted = true
			if !m.Ephemeral && ch != nil && s.botIn(ch) {
				after = func() { s.locked(func() { s.echoDeleteLocked(ch, prev, m.TS, ts) }) }
			}
		} else {
			m.Text, m.Blocks, m.editedTS = p.Text, p.Blocks, ts
			m.Updated++
			if !m.Ephemeral && ch != nil && s.botIn(ch) {
				cur := s.botMessageJSON(m)
				after = func() { s.locked(func() { s.echoChangeLocked(ch, prev, cur, ts) }) }
			}
		}
		s.changedLocked()
	case p.Text == "" && p.Blocks == nil:
		s.mu.Unlock()
		s.write(w, &call, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("no_text"))
		return
	default:
		s.replyLocked(t.channel, t.user, p.ResponseType == "in_channel", p.Text, p.Blocks, p.ThreadTS)
	}
	s.mu.Unlock()
	s.write(w, &call, http.StatusOK, "application/json; charset=utf-8", []byte(`{"ok":true}`))
	if after != nil {
		after()
	}
}

// originalLocked finds the message an action's response_url refers to,
// ephemeral ones included.
func (s *Server) originalLocked(t *responseTarget) *msg {
	for _, m := range s.messages[t.channel] {
		if m.TS == t.messageTS && !m.Deleted && m.Ephemeral == t.ephemeral {
			return m
		}
	}
	return nil
}

func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

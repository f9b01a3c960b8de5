package slackfake

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSocketMode_HelloThenConnected(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{})
	h.next(socketmode.EventTypeConnected, nil)
	hello := h.next(socketmode.EventTypeHello, nil)
	if got := hello.Request.NumConnections; got != 1 {
		t.Errorf("hello num_connections = %d; want 1", got)
	}
	if got := hello.Request.ConnectionInfo.AppID; got != "A0APP" {
		t.Errorf("hello app_id = %q; want A0APP", got)
	}
	if err := srv.WaitConnections(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	if got := srv.ConnectionsOpened(); got != 1 {
		t.Errorf("ConnectionsOpened() = %d; want 1", got)
	}
}

func TestSocketMode_EventDeliveredInCallbackWrapperAndAcked(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "channel": aliceDM, "tab": "home"})
	e := h.next(socketmode.EventTypeEventsAPI, envelopeIs(id))
	api := e.Data.(slackevents.EventsAPIEvent)
	cb := api.Data.(*slackevents.EventsAPICallbackEvent)
	if !strings.HasPrefix(cb.EventID, "Ev") || cb.TeamID != "T0TEAM" || cb.APIAppID != "A0APP" || cb.EventTime == 0 || cb.EventContext == "" {
		t.Errorf("callback wrapper = %+v; want Ev… event_id, team, app, event_time, event_context", cb)
	}
	if len(cb.Authorizations) != 1 || cb.Authorizations[0].UserID != "U0BOT" || !cb.Authorizations[0].IsBot {
		t.Errorf("authorizations = %+v; want the bot", cb.Authorizations)
	}
	if _, ok := api.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); !ok {
		t.Errorf("inner event is %T; want *AppHomeOpenedEvent", api.InnerEvent.Data)
	}
	if e.Request.RetryAttempt != 0 || e.Request.AcceptsResponsePayload {
		t.Errorf("request = %+v; want first attempt, no response payload", e.Request)
	}
	ack, err := srv.WaitAck(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Attempt != 0 {
		t.Errorf("ack.Attempt = %d; want 0", ack.Attempt)
	}
	if got := srv.Deliveries(id); got != 1 {
		t.Errorf("Deliveries = %d; want 1", got)
	}
	waitUntil(t, srv, "nothing pending", func() bool { return srv.pendingLocked() == 0 })
	if errs := srv.ProtocolErrors(); len(errs) > 0 {
		t.Errorf("ProtocolErrors() = %q", errs)
	}
}

func (s *Server) pendingLocked() int {
	n := 0
	for _, e := range s.envelopes {
		if !e.acked && !e.givenUp {
			n++
		}
	}
	return n
}

func TestSocketMode_UnackedEventIsRedeliveredWithRetryAttempt(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 200 * time.Millisecond})
	h := startClient(t, srv, clientOpts{})
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "channel": aliceDM, "tab": "home"})
	first := h.next(socketmode.EventTypeEventsAPI, envelopeIs(id))
	if first.Request.RetryAttempt != 0 || first.Request.RetryReason != "" {
		t.Errorf("first delivery retry = %d %q; want 0 \"\"", first.Request.RetryAttempt, first.Request.RetryReason)
	}
	second := h.next(socketmode.EventTypeEventsAPI, envelopeIs(id))
	if second.Request.RetryAttempt != 1 || second.Request.RetryReason != "timeout" {
		t.Errorf("redelivery retry = %d %q; want 1 \"timeout\"", second.Request.RetryAttempt, second.Request.RetryReason)
	}
	a := first.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID
	b := second.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID
	if a != b {
		t.Errorf("event_id changed on redelivery: %s then %s", a, b)
	}
	h.ack(second)
	ack, err := srv.WaitAck(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Attempt != 1 {
		t.Errorf("ack.Attempt = %d; want 1", ack.Attempt)
	}
	if got := srv.Deliveries(id); got != 2 {
		t.Errorf("Deliveries = %d; want 2", got)
	}
}

func TestSocketMode_EventGivenUpAfterMaxRetries(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 50 * time.Millisecond, MaxRetries: 2})
	h := startClient(t, srv, clientOpts{})
	h.next(socketmode.EventTypeHello, nil)
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"})
	waitUntil(t, srv, "give up", func() bool { return slices.Contains(srv.givenUp, id) })
	if got := srv.Deliveries(id); got != 3 {
		t.Errorf("Deliveries = %d; want 3 (first + 2 retries)", got)
	}
	if got := srv.Pending(); got != 0 {
		t.Errorf("Pending() = %d; want 0", got)
	}
}

func TestSocketMode_UnackedSlashCommandIsNotRetried(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 50 * time.Millisecond})
	h := startClient(t, srv, clientOpts{})
	id := srv.SendSlashCommand(alice, general, "/nudge", "help")
	e := h.next(socketmode.EventTypeSlashCommand, envelopeIs(id))
	waitUntil(t, srv, "give up", func() bool { return slices.Contains(srv.givenUp, id) })
	if got := srv.Deliveries(id); got != 1 {
		t.Errorf("Deliveries = %d; want 1", got)
	}
	h.ack(e)
	waitUntil(t, srv, "late ack", func() bool { return len(srv.acks) == 1 })
	if a := srv.Acks()[0]; !a.Late {
		t.Errorf("ack after give-up = %+v; want Late", a)
	}
}

func TestSocketMode_DisconnectReconnectsAndDeliversAroundIt(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 300 * time.Millisecond})
	startClient(t, srv, clientOpts{autoAck: true})
	if err := srv.WaitConnections(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	before := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"})
	srv.Disconnect("refresh_requested")
	after := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": bob, "tab": "home"})
	for _, id := range []string{before, after} {
		if _, err := srv.WaitAck(ctxT(t), id); err != nil {
			t.Fatalf("envelope %s: %v", id, err)
		}
	}
	waitUntil(t, srv, "reconnect", func() bool { return srv.opened >= 2 })
	if err := srv.WaitConnections(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
}

func TestSocketMode_DropConnectionsReconnects(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 300 * time.Millisecond})
	startClient(t, srv, clientOpts{autoAck: true})
	if err := srv.WaitConnections(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"})
	if _, err := srv.WaitAck(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, srv, "reconnect", func() bool { return srv.opened >= 2 })
}

func TestSocketMode_EnvelopeQueuedUntilAppConnects(t *testing.T) {
	srv := newServer(t, Options{})
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"})
	if got := srv.Deliveries(id); got != 0 {
		t.Fatalf("Deliveries before any socket = %d; want 0", got)
	}
	startClient(t, srv, clientOpts{autoAck: true})
	if _, err := srv.WaitAck(ctxT(t), id); err != nil {
		t.Fatal(err)
	}
}

func TestSocketMode_MissingPingsMakeClientReconnect(t *testing.T) {
	srv := newServer(t, Options{PingInterval: 20 * time.Millisecond})
	startClient(t, srv, clientOpts{pingInterval: 250 * time.Millisecond})
	if err := srv.WaitConnections(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	srv.SetPings(false)
	waitUntil(t, srv, "reconnect after ping timeout", func() bool { return srv.opened >= 2 })
	srv.SetPings(true)
}

func TestSocketMode_InvalidAppTokenIsFatal(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{appToken: "xapp-1-wrong"})
	select {
	case err := <-h.runErr:
		if err == nil || err.Error() != "invalid_auth" {
			t.Errorf("RunContext() = %v; want invalid_auth", err)
		}
		h.runErr <- err // for cleanup
	case <-ctxT(t).Done():
		t.Fatal("RunContext did not return")
	}
}

func TestAppsConnectionsOpen_TokenErrors(t *testing.T) {
	srv := newServer(t, Options{})
	o := srv.Options()
	for _, tc := range []struct{ token, want string }{
		{"", "not_authed"},
		{"xapp-1-wrong", "invalid_auth"},
		{o.BotToken, "not_allowed_token_type"},
	} {
		api := slack.New(o.BotToken, slack.OptionAppLevelToken(tc.token), slack.OptionAPIURL(srv.APIURL()))
		_, _, err := api.StartSocketModeContext(ctxT(t))
		if err == nil || err.Error() != tc.want {
			t.Errorf("apps.connections.open with %q = %v; want %s", tc.token, err, tc.want)
		}
	}
}

// dialRaw opens a socket with gorilla directly, to speak the protocol badly.
func dialRaw(t *testing.T, srv *Server) (*websocket.Conn, string) {
	t.Helper()
	_, u, err := apiClient(srv, srv.Options().BotToken).StartSocketModeContext(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctxT(t), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws, u
}

func readFrame(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	var m map[string]any
	if err := ws.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSocketMode_TicketWorksOnce(t *testing.T) {
	srv := newServer(t, Options{})
	ws, u := dialRaw(t, srv)
	if f := readFrame(t, ws); f["type"] != "hello" {
		t.Fatalf("first frame = %v; want hello", f)
	}
	_, resp, err := websocket.DefaultDialer.DialContext(ctxT(t), u, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial with the same ticket: err %v resp %v; want 401", err, resp)
	}
	if len(srv.ProtocolErrors()) != 1 {
		t.Errorf("ProtocolErrors() = %q; want the reused ticket", srv.ProtocolErrors())
	}
}

func TestSocketMode_TooManyWebsocketsIsDisconnected(t *testing.T) {
	srv := newServer(t, Options{MaxConnections: 1})
	ws1, _ := dialRaw(t, srv)
	readFrame(t, ws1)
	ws2, _ := dialRaw(t, srv)
	f := readFrame(t, ws2)
	if f["type"] != "disconnect" || f["reason"] != "too_many_websockets" {
		t.Errorf("frame on 11th socket = %v; want disconnect too_many_websockets", f)
	}
}

func TestSocketMode_AcksForUnknownEnvelopesAndGarbageAreReported(t *testing.T) {
	srv := newServer(t, Options{})
	ws, _ := dialRaw(t, srv)
	readFrame(t, ws)
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"envelope_id":"nope"}`))
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`not json`))
	waitUntil(t, srv, "two protocol errors", func() bool { return len(srv.protoErrs) == 2 })
	if len(srv.Acks()) != 0 {
		t.Errorf("Acks() = %v; want none", srv.Acks())
	}
}

func TestSocketMode_OversizedAckIsDroppedAndEnvelopeRetried(t *testing.T) {
	srv := newServer(t, Options{AckTimeout: 100 * time.Millisecond})
	ws, _ := dialRaw(t, srv)
	readFrame(t, ws)
	id := srv.SendEvent(map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"})
	readFrame(t, ws)
	big, _ := json.Marshal(map[string]any{"envelope_id": id, "payload": map[string]string{"text": strings.Repeat("x", 21000)}})
	_ = ws.WriteMessage(websocket.TextMessage, big)
	again := readFrame(t, ws)
	if again["envelope_id"] != id || again["retry_attempt"] != 1.0 {
		t.Errorf("after oversized ack got %v; want redelivery of %s", again, id)
	}
	if a := srv.Acks(); len(a) != 1 || !a[0].TooLarge {
		t.Errorf("Acks() = %+v; want one TooLarge", a)
	}
}

func TestSendRaw_UnparsableEnvelopeCanStillBeAcked(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	srv.SendRaw([]byte(`{"envelope_id":"raw-1","type":"events_api","payload":{"type":"event_callback","event":{"type":"no_such_event"}},"accepts_response_payload":false}`))
	h.next(socketmode.EventTypeErrorBadMessage, nil)
	if _, err := srv.WaitAck(ctxT(t), "raw-1"); err != nil {
		t.Fatal(err)
	}
}

func TestSendEventWithID_RedeliveryKeepsEventID(t *testing.T) {
	srv := newServer(t, Options{})
	h := startClient(t, srv, clientOpts{autoAck: true})
	ev := map[string]any{"type": "app_home_opened", "user": alice, "tab": "home"}
	a := srv.SendEventWithID(ev, "Ev0SAME")
	b := srv.SendEventWithID(ev, "Ev0SAME")
	if a == b {
		t.Fatalf("envelope IDs equal: %s", a)
	}
	for _, id := range []string{a, b} {
		e := h.next(socketmode.EventTypeEventsAPI, envelopeIs(id))
		if got := e.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID; got != "Ev0SAME" {
			t.Errorf("event_id = %s; want Ev0SAME", got)
		}
	}
}

func TestClose_IsIdempotentAndEndsWaits(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close()
	if err := srv.WaitConnections(ctxT(t), 1); !errors.Is(err, errClosed) {
		t.Errorf("WaitConnections after Close = %v; want errClosed", err)
	}
}

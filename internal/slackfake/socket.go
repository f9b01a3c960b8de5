package slackfake

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// maxAckBytes is Slack's limit on a Socket Mode response frame: at or above
// it, Slack silently drops the frame.
const maxAckBytes = 20 * 1024

// readLimit bounds frames from the app. Larger than maxAckBytes so an
// oversized ack can be seen and reported rather than killing the socket.
const readLimit = 1 << 20

// Ack is one acknowledgement the app sent.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil if the ack had none
	At         time.Time       // real time
	Attempt    int             // retry_attempt of the latest delivery when the ack came
	// TooLarge marks an ack frame of 20 KB or more. Slack drops such frames,
	// so it does not count as an acknowledgement.
	TooLarge bool
	// Late marks an ack that came after Slack had given up on the envelope.
	Late bool
}

// envelope is one Socket Mode request and its delivery state.
type envelope struct {
	id      string
	typ     string // events_api, slash_commands, interactive; "" for a raw frame
	payload json.RawMessage
	accepts bool
	raw     []byte // SendRaw frame, written as is and never redelivered

	attempt    int
	reason     string
	acked      bool
	givenUp    bool
	deliveries int
	timer      *time.Timer

	// Where a slash command's ack payload ends up.
	cmdUser, cmdChannel string
}

// retried reports whether Slack redelivers the envelope when it is not
// acked. Only Events API events are retried; a slash command or an
// interaction that is not acked in time fails for the user instead.
func (e *envelope) retried() bool { return e.typ == "events_api" }

// frame is the JSON Slack writes on the socket for this delivery.
func (e *envelope) frame() []byte {
	if e.raw != nil {
		return e.raw
	}
	type wire struct {
		EnvelopeID             string          `json:"envelope_id"`
		Payload                json.RawMessage `json:"payload"`
		Type                   string          `json:"type"`
		AcceptsResponsePayload bool            `json:"accepts_response_payload"`
		RetryAttempt           *int            `json:"retry_attempt,omitempty"`
		RetryReason            *string         `json:"retry_reason,omitempty"`
	}
	w := wire{EnvelopeID: e.id, Payload: e.payload, Type: e.typ, AcceptsResponsePayload: e.accepts}
	if e.retried() {
		attempt, reason := e.attempt, e.reason
		w.RetryAttempt, w.RetryReason = &attempt, &reason
	}
	b, err := json.Marshal(w)
	if err != nil {
		panic("slackfake: marshal envelope: " + err.Error())
	}
	return b
}

// wsConn is one Socket Mode connection.
type wsConn struct {
	id   int
	ws   *websocket.Conn
	out  chan outFrame // control frames: hello, disconnect
	wake chan struct{} // signalled when pending grows
	done chan struct{} // closed when the connection is gone

	// pending are envelopes assigned to this socket and not yet written.
	// It is unbounded, as Slack's own backlog is: a slow app is paced by
	// TCP, not dropped. Guarded by Server.mu.
	pending []*envelope

	// Guarded by Server.mu.
	helloSent bool
	closing   bool // sent disconnect or being dropped: gets no more envelopes
	gone      bool
}

type outFrame struct {
	data       []byte
	hello      bool
	disconnect bool
}

// kill closes the socket abruptly; the reader then cleans up.
func (c *wsConn) kill() { _ = c.ws.NetConn().Close() }

var upgrader = websocket.Upgrader{
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  32 << 10,
	WriteBufferSize: 32 << 10,
}

// handleLink is the websocket endpoint that apps.connections.open URLs name.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.unreachable {
		s.mu.Unlock()
		dropHTTP(w)
		return
	}
	ticket := r.URL.Query().Get("ticket")
	ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	if !ok {
		s.protoErrLocked("websocket dial with unknown or used ticket %q", ticket)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.mu.Lock()
		s.protoErrLocked("websocket upgrade: %v", err)
		s.mu.Unlock()
		return
	}
	s.startConn(ws)
}

// startConn says hello (or, over the limit, disconnect with
// too_many_websockets as Slack does) and starts the socket's goroutines.
func (s *Server) startConn(ws *websocket.Conn) {
	ws.SetReadLimit(readLimit)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	if len(s.conns) >= s.opts.MaxConnections {
		s.log.Warn("slackfake: too many websockets", "open", len(s.conns))
		s.mu.Unlock()
		_ = ws.WriteMessage(websocket.TextMessage, disconnectFrame("too_many_websockets"))
		_ = ws.Close()
		return
	}
	s.nextConn++
	c := &wsConn{id: s.nextConn, ws: ws, out: make(chan outFrame, 16), wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.conns = append(s.conns, c)
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": len(s.conns),
		"debug_info": map[string]any{
			"host":                        "applink-fake",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	})
	c.out <- outFrame{data: hello, hello: true}
	// What waited for a socket goes out now, behind the hello.
	queued := s.queue
	s.queue = nil
	for _, e := range queued {
		s.enqueueLocked(e)
	}
	s.wg.Add(3)
	s.mu.Unlock()
	s.log.Debug("slackfake: socket opened", "conn", c.id)
	go s.readLoop(c)
	go s.writeLoop(c)
	go s.pingLoop(c)
}

func disconnectFrame(reason string) []byte {
	b, _ := json.Marshal(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-fake"},
	})
	return b
}

// enqueueLocked hands e to the next socket in round-robin order, or queues
// it until one connects.
func (s *Server) enqueueLocked(e *envelope) {
	if s.closed {
		return
	}
	var live []*wsConn
	for _, c := range s.conns {
		if !c.closing && !c.gone {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		s.queue = append(s.queue, e)
		s.changedLocked()
		return
	}
	c := live[s.rr%len(live)]
	s.rr++
	c.pending = append(c.pending, e)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	s.changedLocked()
}

// requeuePendingLocked hands a closing socket's unwritten envelopes to the
// other sockets, or keeps them for the next one to connect.
func (s *Server) requeuePendingLocked(c *wsConn) {
	pending := c.pending
	c.pending = nil
	for _, e := range pending {
		s.enqueueLocked(e)
	}
}

// ackTimedOut redelivers an events_api envelope with retry_attempt raised,
// or gives it up.
func (s *Server) ackTimedOut(e *envelope, attempt int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || e.acked || e.givenUp || e.attempt != attempt {
		return
	}
	if !e.retried() || e.attempt >= s.opts.MaxRetries {
		e.givenUp = true
		s.givenUp = append(s.givenUp, e.id)
		s.log.Warn("slackfake: envelope not acked; giving up", "envelope", e.id, "type", e.typ, "attempt", e.attempt)
		s.changedLocked()
		return
	}
	e.attempt++
	e.reason = "timeout"
	s.log.Debug("slackfake: envelope not acked; redelivering", "envelope", e.id, "attempt", e.attempt)
	s.enqueueLocked(e)
}

// writeLoop is the socket's only writer of data frames. Control frames go
// first; envelopes are written in order, and each one's ack timer starts
// when it is written, as Slack's does.
func (s *Server) writeLoop(c *wsConn) {
	defer s.wg.Done()
	for {
		select {
		case f := <-c.out:
			if !s.writeControl(c, f) {
				return
			}
			continue
		default:
		}
		s.mu.Lock()
		var e *envelope
		var frame []byte
		if len(c.pending) > 0 && !c.gone {
			e = c.pending[0]
			c.pending[0] = nil
			c.pending = c.pending[1:]
			frame = e.frame()
			// Count before writing: the app may ack before WriteMessage returns.
			e.deliveries++
			if e.raw == nil {
				attempt := e.attempt
				e.timer = time.AfterFunc(s.opts.AckTimeout, func() { s.ackTimedOut(e, attempt) })
			}
			s.changedLocked()
		}
		s.mu.Unlock()
		if e != nil {
			_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				s.log.Debug("slackfake: socket write failed", "conn", c.id, "err", err)
				s.locked(func() { e.deliveries-- })
				c.kill()
				return
			}
			continue
		}
		select {
		case <-c.done:
			return
		case f := <-c.out:
			if !s.writeControl(c, f) {
				return
			}
		case <-c.wake:
		}
	}
}

// writeControl writes a hello or disconnect frame. It reports whether the
// socket stays open.
func (s *Server) writeControl(c *wsConn, f outFrame) bool {
	s.mu.Lock()
	if f.hello {
		c.helloSent = true
		s.opened++
	}
	s.changedLocked()
	s.mu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
		s.log.Debug("slackfake: socket write failed", "conn", c.id, "err", err)
		c.kill()
		return false
	}
	if !f.disconnect {
		return true
	}
	// Give the client a moment to leave on its own, then close.
	t := time.NewTimer(s.opts.DisconnectGrace)
	select {
	case <-c.done:
		t.Stop()
	case <-t.C:
		_ = c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.kill()
	}
	return false
}

// pingLoop pings the socket as Slack does; slack-go reconnects when pings
// stop.
func (s *Server) pingLoop(c *wsConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			s.mu.Lock()
			off := s.pingsOff
			s.mu.Unlock()
			if off {
				continue
			}
			n++
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping-"+strconv.Itoa(n)), time.Now().Add(5*time.Second)); err != nil {
				s.log.Debug("slackfake: ping failed", "conn", c.id, "err", err)
			}
		}
	}
}

// readLoop reads the app's acks until the socket fails, then forgets it.
func (s *Server) readLoop(c *wsConn) {
	defer s.wg.Done()
	defer s.connGone(c)
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			s.log.Debug("slackfake: socket read ended", "conn", c.id, "err", err)
			return
		}
		if mt != websocket.TextMessage {
			s.mu.Lock()
			s.protoErrLocked("non-text frame (type %d, %d bytes) from app", mt, len(data))
			s.mu.Unlock()
			continue
		}
		s.handleAck(data)
	}
}

func (s *Server) connGone(c *wsConn) {
	s.mu.Lock()
	if !c.gone {
		c.gone = true
		close(c.done)
		for i, cc := range s.conns {
			if cc == c {
				s.conns = append(s.conns[:i], s.conns[i+1:]...)
				break
			}
		}
		s.requeuePendingLocked(c)
		s.changedLocked()
	}
	s.mu.Unlock()
	_ = c.ws.Close()
	s.log.Debug("slackfake: socket closed", "conn", c.id)
}

// handleAck records an ack frame. Unacked envelopes whose socket is gone are
// left to their ack timers, which redeliver them on whatever socket is open
// then.
func (s *Server) handleAck(data []byte) {
	var f struct {
		EnvelopeID *string         `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.Unmarshal(data, &f); err != nil || f.EnvelopeID == nil {
		s.protoErrLocked("unparsable frame from app (%d bytes)", len(data))
		return
	}
	e := s.envelopes[*f.EnvelopeID]
	if e == nil {
		s.protoErrLocked("ack for unknown envelope %q", *f.EnvelopeID)
		return
	}
	a := Ack{EnvelopeID: e.id, At: time.Now(), Attempt: e.attempt, TooLarge: len(data) >= maxAckBytes, Late: e.givenUp}
	if len(f.Payload) > 0 && string(f.Payload) != "null" {
		a.Payload = f.Payload
	}
	s.acks = append(s.acks, a)
	if _, seen := s.ackIndex[a.EnvelopeID]; !seen && !a.TooLarge && !a.Late {
		s.ackIndex[a.EnvelopeID] = len(s.acks) - 1
	}
	s.changedLocked()
	switch {
	case a.TooLarge:
		s.protoErrLocked("ack for %s is %d bytes; Slack drops frames of %d bytes or more", e.id, len(data), maxAckBytes)
	case a.Late:
		s.log.Warn("slackfake: ack after envelope was given up", "envelope", e.id)
	case !e.acked:
		e.acked = true
		if e.timer != nil {
			e.timer.Stop()
		}
		s.applyAckPayloadLocked(e, a.Payload)
	}
}

// WaitAck waits for the envelope's first ack that counts (not too large, not
// late).
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var got Ack
	err := s.waitFor(ctx, func() bool {
		i, ok := s.ackIndex[envelopeID]
		if ok {
			got = s.acks[i]
		}
		return ok
	})
	return got, err
}

// Acks returns every ack received, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// Deliveries is how many times the envelope was written to a socket.
func (s *Server) Deliveries(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.envelopes[envelopeID]; e != nil {
		return e.deliveries
	}
	return 0
}

// GivenUp lists envelopes Slack stopped delivering: events_api ones after
// MaxRetries redeliveries, slash commands and interactions after one
// unacked delivery.
func (s *Server) GivenUp() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.givenUp...)
}

// Pending counts tracked envelopes neither acked nor given up, queued ones
// included.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.envelopes {
		if !e.acked && !e.givenUp {
			n++
		}
	}
	return n
}

// WaitConnections waits until at least n open sockets have been sent hello.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.connectionsLocked() >= n })
}

// Connections counts open sockets that have been sent hello.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectionsLocked()
}

func (s *Server) connectionsLocked() int {
	n := 0
	for _, c := range s.conns {
		if c.helloSent && !c.gone {
			n++
		}
	}
	return n
}

// ConnectionsOpened counts every socket ever sent hello, to observe
// reconnects.
func (s *Server) ConnectionsOpened() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// WaitConnectionsOpened waits until at least n sockets have ever been sent
// hello: after a restart, the new process's socket, not a stale one.
func (s *Server) WaitConnectionsOpened(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.opened >= n })
}

// Disconnect sends {"type":"disconnect","reason":reason} on every socket, as
// Slack does before it refreshes a connection, and closes each after
// Options.DisconnectGrace unless the app closes it first. The sockets get
// no envelopes after that.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		if c.closing || c.gone {
			continue
		}
		c.closing = true
		s.requeuePendingLocked(c)
		select {
		case c.out <- outFrame{data: disconnectFrame(reason), disconnect: true}:
		default:
			go c.kill()
		}
	}
	s.changedLocked()
}

// DropConnections closes every socket at the TCP level, with no close frame.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	for _, c := range conns {
		c.closing = true
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// SetPings stops (false) or resumes (true) websocket pings.
func (s *Server) SetPings(on bool) {
	s.mu.Lock()
	s.pingsOff = !on
	s.mu.Unlock()
}

package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// waitTimeout bounds every wait in these tests; generous for -race.
const waitTimeout = 15 * time.Second

// Workspace fixtures every test gets.
const (
	alice     = "U0ALICE"
	bob       = "U0BOB"
	carol     = "U0CAROL" // in no channel
	general   = "C0GENERAL"
	random    = "C0RANDOM" // public, bot not a member
	privateCh = "G0SECRET" // private, bot not a member
	team      = "G0TEAM"   // private, bot a member
	aliceDM   = "D0ALICE"
	humansDM  = "D0HUMANS" // alice and bob, no bot
)

// logBuf collects a test's logs, shown only if the test fails.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Output makes logBuf a slack-go logger too.
func (l *logBuf) Output(_ int, s string) error {
	_, err := l.Write([]byte("slack-go: " + s + "\n"))
	return err
}

var (
	logsMu sync.Mutex
	logs   = map[*testing.T]*logBuf{}
)

// logFor returns the test's log buffer (the server's and slack-go's logs),
// printed if the test fails.
func logFor(t *testing.T) *logBuf {
	logsMu.Lock()
	defer logsMu.Unlock()
	if l := logs[t]; l != nil {
		return l
	}
	l := &logBuf{}
	logs[t] = l
	t.Cleanup(func() {
		logsMu.Lock()
		delete(logs, t)
		logsMu.Unlock()
		if t.Failed() {
			l.mu.Lock()
			t.Log("logs:\n" + l.buf.String())
			l.mu.Unlock()
		}
	})
	return l
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logFor(t), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	bot := srv.Options().BotUserID
	srv.AddUser(User{ID: alice, Name: "alice", RealName: "Alice Liddell", TZ: "Europe/Berlin", IsAdmin: true})
	srv.AddUser(User{ID: bob, Name: "bob", RealName: "Bob Dobbs", TZ: "America/New_York", TZOffset: -18000})
	srv.AddUser(User{ID: carol, Name: "carol", RealName: "Carol Danvers"})
	srv.AddChannel(Channel{ID: general, Name: "general", Members: []string{alice, bob, bot}})
	srv.AddChannel(Channel{ID: random, Name: "random", Members: []string{alice, bob}})
	srv.AddChannel(Channel{ID: privateCh, Name: "secret", IsPrivate: true, Members: []string{alice}})
	srv.AddChannel(Channel{ID: team, Name: "team", IsPrivate: true, Members: []string{alice, bot}})
	srv.AddChannel(Channel{ID: aliceDM, IsIM: true, Members: []string{alice, bot}})
	srv.AddChannel(Channel{ID: humansDM, IsIM: true, Members: []string{alice, bob}})
	return srv
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil waits for cond, which runs with the server's lock held.
func waitUntil(t *testing.T, srv *Server, what string, cond func() bool) {
	t.Helper()
	if err := srv.waitFor(ctxT(t), cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func apiClient(srv *Server, botToken string) *slack.Client {
	o := srv.Options()
	return slack.New(botToken, slack.OptionAppLevelToken(o.AppToken), slack.OptionAPIURL(srv.APIURL()))
}

// harness runs slack-go's real Socket Mode client against the server.
type harness struct {
	t      *testing.T
	srv    *Server
	api    *slack.Client
	sm     *socketmode.Client
	evs    chan socketmode.Event
	runErr chan error
}

type clientOpts struct {
	appToken     string
	autoAck      bool
	pingInterval time.Duration
}

func startClient(t *testing.T, srv *Server, co clientOpts) *harness {
	t.Helper()
	o := srv.Options()
	if co.appToken == "" {
		co.appToken = o.AppToken
	}
	api := slack.New(o.BotToken, slack.OptionAppLevelToken(co.appToken), slack.OptionAPIURL(srv.APIURL()))
	smOpts := []socketmode.Option{socketmode.OptionDebug(true), socketmode.OptionLog(logFor(t))}
	if co.pingInterval > 0 {
		smOpts = append(smOpts, socketmode.OptionPingInterval(co.pingInterval))
	}
	h := &harness{t: t, srv: srv, api: api, sm: socketmode.New(api, smOpts...), evs: make(chan socketmode.Event, 10000), runErr: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.runErr <- h.sm.RunContext(ctx) }()
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-h.sm.Events:
				if co.autoAck {
					h.ack(e)
				}
				h.evs <- e
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-pumped
		select {
		case <-h.runErr:
		case <-time.After(waitTimeout):
			t.Error("socketmode client did not stop")
		}
	})
	return h
}

// ack acks any envelope, including ones slack-go could not parse, whose
// envelope_id must be taken from the raw frame.
func (h *harness) ack(e socketmode.Event) {
	switch {
	case e.Request != nil && e.Request.EnvelopeID != "":
		_ = h.sm.Ack(*e.Request)
	case e.Type == socketmode.EventTypeErrorBadMessage:
		var f struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(e.Data.(*socketmode.ErrorBadMessage).Message, &f) == nil && f.EnvelopeID != "" {
			_ = h.sm.Ack(socketmode.Request{EnvelopeID: f.EnvelopeID})
		}
	}
}

// next returns the next event of type typ that match accepts, discarding
// others.
func (h *harness) next(typ socketmode.EventType, match func(socketmode.Event) bool) socketmode.Event {
	h.t.Helper()
	timeout := time.NewTimer(waitTimeout)
	defer timeout.Stop()
	for {
		select {
		case e := <-h.evs:
			if e.Type == typ && (match == nil || match(e)) {
				return e
			}
		case <-timeout.C:
			h.t.Fatalf("no %s event within %v", typ, waitTimeout)
		}
	}
}

func envelopeIs(id string) func(socketmode.Event) bool {
	return func(e socketmode.Event) bool { return e.Request != nil && e.Request.EnvelopeID == id }
}

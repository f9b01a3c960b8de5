// Package slackfake is an in-process Slack: a Web API over real loopback HTTP
// and Socket Mode over a real websocket, so that the app's unmodified
// slack-go client can be tested end to end without the internet.
//
// It models what Slack does rather than what is convenient: envelopes must be
// acked or they come back, trigger_ids expire, bots cannot see private
// channels they are not in, and the app's own posts echo back as events.
// Anything it does not know fails loudly: unknown Web API methods answer
// unknown_method and are listed by UnknownMethods, and frames it cannot make
// sense of are listed by ProtocolErrors.
//
// Where it knowingly differs from Slack: every event is delivered (there
// are no event subscriptions, so no app_mention beside a message that
// mentions the bot); a "disconnect" of any reason stops new envelopes on that
// socket at once; tickets do not expire; envelopes wait for a socket without
// limit; views.push does not track the modal stack; Block Kit checks cover
// only the common limits; block_ids are not filled in.
//
// It is used by tests and by the demo command, so it must not import testing.
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
)

// User is a workspace member.
type User struct {
	ID, Name, RealName, TZ string
	// TZOffset is seconds east of UTC. When zero and TZ names a known zone,
	// users.info computes it from TZ at the clock's current time, as Slack does.
	TZOffset                         int
	IsBot, IsAdmin, IsOwner, Deleted bool
	BotID                            string
}

// Channel is a conversation. Its ID prefix is not interpreted; the flags say
// what it is. For an IM, Members are the two users.
type Channel struct {
	ID, Name                string
	IsPrivate, IsIM, IsMpIM bool
	Members                 []string
}

// Options configure a Server. Zero values get Slack-like defaults.
type Options struct {
	TeamID, TeamDomain, AppID, BotUserID, BotID string // defaults "T0TEAM", "acme", "A0APP", "U0BOT", "B0BOT"
	AppToken, BotToken                          string // defaults "xapp-1-test", "xoxb-test"
	// Clock dates message timestamps, event_time and Call.At. Default clock.Real{}.
	Clock clock.Clock
	// AckTimeout is how long an envelope may go unacked before Slack gives
	// up on that delivery (real time). Default 3s.
	AckTimeout time.Duration
	// MaxRetries is how many times an unacked events_api envelope is
	// redelivered before it is given up. Default 3; negative means none.
	MaxRetries int
	// PingInterval is how often each socket gets a websocket ping. Default 5s.
	PingInterval time.Duration
	Logger       *slog.Logger // default discards

	TeamName string // auth.test "team"; default "Acme"
	BotName  string // the bot user's name; default "trustnudge"
	// TriggerTTL is how long a trigger_id can be exchanged (real time). Default 3s.
	TriggerTTL time.Duration
	// MaxConnections is Slack's limit of open sockets per app. Default 10.
	MaxConnections int
	// DisconnectGrace is how long a socket stays open after a disconnect
	// message if the client does not close it first. Default 1s.
	DisconnectGrace time.Duration
}

func (o Options) withDefaults() Options {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.TeamID, "T0TEAM")
	def(&o.TeamDomain, "acme")
	def(&o.AppID, "A0APP")
	def(&o.BotUserID, "U0BOT")
	def(&o.BotID, "B0BOT")
	def(&o.AppToken, "xapp-1-test")
	def(&o.BotToken, "xoxb-test")
	def(&o.TeamName, "Acme")
	def(&o.BotName, "trustnudge")
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 3 * time.Second
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 3
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TriggerTTL <= 0 {
		o.TriggerTTL = 3 * time.Second
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 10
	}
	if o.DisconnectGrace <= 0 {
		o.DisconnectGrace = time.Second
	}
	return o
}

// Message is a message as Slack stores it, for tests to inspect. ThreadTS
// is the parent's ts for a reply, and equals TS on a parent that has replies.
type Message struct {
	Channel, TS, ThreadTS, User, BotID, Text string
	Blocks                                   json.RawMessage
	Ephemeral                                bool
	ForUser                                  string // the one user who sees an ephemeral message
	Updated                                  int    // times chat.update changed it
	PostedAt                                 time.Time
	Deleted                                  bool // removed by chat.delete (kept so tests can see it)
}

// msg is a stored message with what Slack keeps beside it.
type msg struct {
	Message
	parentUser  string
	attachments json.RawMessage
	clientMsgID string
	editedTS    string
}

// channelState is a Channel plus what Slack knows about it.
type channelState struct {
	Channel
	created time.Time
}

func (c *channelState) has(userID string) bool { return slices.Contains(c.Members, userID) }

// Server is a running fake Slack. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server
	base string // "http://127.0.0.1:PORT"

	closeOnce sync.Once
	wg        sync.WaitGroup // socket goroutines; Add only under mu while !closed

	mu     sync.Mutex
	notify chan struct{} // closed and replaced on every change, for the Wait methods
	closed bool

	users    map[string]*User
	channels map[string]*channelState
	messages map[string][]*msg          // by channel, in post order
	msgByTS  map[string]map[string]*msg // channel → ts → non-ephemeral message
	lastTS   time.Time

	homeViews    map[string]string // user ID → view ID
	views        map[string]*viewState
	openViews    []json.RawMessage
	triggers     map[string]*trigger
	responseURLs map[string]*responseTarget

	// Socket Mode.
	tickets   map[string]bool // unused tickets
	conns     []*wsConn       // sockets not yet gone, in open order
	nextConn  int
	opened    int
	rr        int
	envelopes map[string]*envelope
	queue     []*envelope // waiting for a socket
	acks      []Ack
	ackIndex  map[string]int // envelope ID → its first valid ack in acks
	givenUp   []string
	pingsOff  bool
	protoErrs []string

	// Web API.
	calls       []Call
	faults      map[string][]fault
	unknown     []string
	unreachable bool
}

// New starts a fake Slack listening on 127.0.0.1 on a free port.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("slackfake: listen: %w", err)
	}
	s := &Server{
		opts:         opts,
		log:          opts.Logger,
		ln:           ln,
		base:         "http://" + ln.Addr().String(),
		notify:       make(chan struct{}),
		users:        map[string]*User{},
		channels:     map[string]*channelState{},
		messages:     map[string][]*msg{},
		msgByTS:      map[string]map[string]*msg{},
		ackIndex:     map[string]int{},
		homeViews:    map[string]string{},
		views:        map[string]*viewState{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseTarget{},
		tickets:      map[string]bool{},
		envelopes:    map[string]*envelope{},
		faults:       map[string][]fault{},
	}
	// The bot is a workspace member like any other, so users.info works on it.
	s.users[opts.BotUserID] = &User{ID: opts.BotUserID, Name: opts.BotName, RealName: opts.BotName, IsBot: true, BotID: opts.BotID}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/commands/", s.handleResponseURL)
	mux.HandleFunc("/actions/", s.handleResponseURL)
	mux.HandleFunc("/", s.handleStray)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("slackfake: serve", "err", err)
		}
	}()
	return s, nil
}

// APIURL is the Web API base URL for slack.OptionAPIURL; it ends in "/".
func (s *Server) APIURL() string { return s.base + "/api/" }

// Options returns the options with defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Close closes every socket and the listener and stops all timers. It is
// idempotent; the Wait methods return an error once it is called.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := slices.Clone(s.conns)
		for _, e := range s.envelopes {
			if e.timer != nil {
				e.timer.Stop()
			}
		}
		s.changedLocked()
		s.mu.Unlock()
		_ = s.srv.Close()
		for _, c := range conns {
			c.kill()
		}
		s.wg.Wait()
	})
}

// AddUser adds or replaces a workspace member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	s.changedLocked()
}

// AddChannel adds or replaces a conversation. The bot is a member iff
// Options.BotUserID is in Members.
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Members = slices.Clone(c.Members)
	created := s.opts.Clock.Now()
	if old, ok := s.channels[c.ID]; ok {
		created = old.created
	}
	s.channels[c.ID] = &channelState{Channel: c, created: created}
	s.changedLocked()
}

// Messages returns the channel's messages in post order, ephemeral ones
// included.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channelID] {
		mm := m.Message
		mm.Blocks = slices.Clone(m.Blocks)
		out = append(out, mm)
	}
	return out
}

// changedLocked wakes every Wait method to re-check its condition.
func (s *Server) changedLocked() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// errClosed is returned by the Wait methods once the server is closed.
var errClosed = errors.New("slackfake: server closed")

// waitFor blocks until cond (called with mu held) is true, ctx ends, or the
// server closes.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, closed, ch := cond(), s.closed, s.notify
		s.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return errClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// nextTSLocked returns a fresh message timestamp from the clock, strictly
// later than any before it, because a ts is a message's identity.
func (s *Server) nextTSLocked() (string, time.Time) {
	now := s.opts.Clock.Now().Truncate(time.Microsecond)
	if !now.After(s.lastTS) {
		now = s.lastTS.Add(time.Microsecond)
	}
	s.lastTS = now
	return string(activity.TSFromTime(now)), now
}

// protoErrLocked records and logs something the emulator could not accept.
func (s *Server) protoErrLocked(format string, args ...any) {
	m := fmt.Sprintf(format, args...)
	s.protoErrs = append(s.protoErrs, m)
	s.log.Warn("slackfake: protocol error", "detail", m)
	s.changedLocked()
}

// ProtocolErrors lists what the emulator received and could not accept:
// unparsable frames, acks for unknown envelopes, oversized acks, bad tickets,
// requests to unknown paths. A correct app leaves it empty.
func (s *Server) ProtocolErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.protoErrs)
}

// handleStray answers requests to paths Slack does not have, loudly.
func (s *Server) handleStray(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.protoErrLocked("request to unknown path %s %s", r.Method, r.URL.Path)
	s.mu.Unlock()
	http.NotFound(w, r)
}

// userLocked returns a known user or nil.
func (s *Server) userLocked(id string) *User { return s.users[id] }

// botIn reports whether the bot is a member of c.
func (s *Server) botIn(c *channelState) bool { return c.has(s.opts.BotUserID) }

// visibleLocked returns the channel if the bot may see it: public channels
// always, private channels, MPIMs and IMs only when the bot is in them.
func (s *Server) visibleLocked(id string) *channelState {
	c := s.channels[id]
	if c == nil {
		return nil
	}
	if c.IsIM || c.IsMpIM || c.IsPrivate {
		if !s.botIn(c) {
			return nil
		}
	}
	return c
}

// channelType is the channel_type Slack puts in message events.
func channelType(c *channelState) string {
	switch {
	case c.IsIM:
		return "im"
	case c.IsMpIM:
		return "mpim"
	case c.IsPrivate:
		return "group"
	}
	return "channel"
}

// findMsgLocked returns the stored, non-ephemeral message with ts in channel.
func (s *Server) findMsgLocked(channelID, ts string) *msg {
	return s.msgByTS[channelID][ts]
}

// addMsgLocked appends m to the channel's history and indexes it by ts, so
// lookups stay constant-time however long a benchmark runs.
func (s *Server) addMsgLocked(channelID string, m *msg) {
	s.messages[channelID] = append(s.messages[channelID], m)
	if m.Ephemeral {
		return
	}
	idx := s.msgByTS[channelID]
	if idx == nil {
		idx = map[string]*msg{}
		s.msgByTS[channelID] = idx
	}
	if _, dup := idx[m.TS]; !dup {
		idx[m.TS] = m
	}
}

// permalink builds Slack's message link.
func (s *Server) permalink(channelID string, m *msg) string {
	u := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", s.opts.TeamDomain, channelID, strings.ReplaceAll(m.TS, ".", ""))
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		u += "?thread_ts=" + url.QueryEscape(m.ThreadTS) + "&cid=" + url.QueryEscape(channelID)
	}
	return u
}

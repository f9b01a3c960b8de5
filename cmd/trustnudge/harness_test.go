package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/slackfake"
)

// logBuffer collects a bot's log output and lets tests wait for a line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return n, err
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait blocks until the log contains substr n times, or fails the test.
func (b *logBuffer) wait(t *testing.T, substr string, n int) {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		count := strings.Count(b.buf.String(), substr)
		changed := b.changed
		b.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("log never contained %q %d times; log:\n%s", substr, n, b.String())
		}
	}
}

// newFake starts the Slack emulator with a small team and channel.
func newFake(t *testing.T, opts slackfake.Options) *slackfake.Server {
	t.Helper()
	if opts.AckTimeout == 0 {
		opts.AckTimeout = time.Second
	}
	fake, err := slackfake.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fake.Close()
		if u := fake.UnknownMethods(); len(u) > 0 {
			t.Errorf("the bot called Web API methods the emulator does not know: %v", u)
		}
	})
	for _, u := range []slackfake.User{
		{ID: "U1MGR", Name: "maya", TZ: "Europe/Berlin"},
		{ID: "U2ALEX", Name: "alex", TZ: "Europe/Berlin"},
		{ID: "U3SAM", Name: "sam", TZ: "America/New_York"},
	} {
		fake.AddUser(u)
	}
	fake.AddChannel(slackfake.Channel{ID: "C1TEAM", Name: "team", Members: []string{"U1MGR", "U2ALEX", "U3SAM", fake.Options().BotUserID}})
	return fake
}

// runBot is one run of `trustnudge run` in this process.
type runningBot struct {
	logs   *logBuffer
	cancel context.CancelFunc
	done   chan error
}

// botEnv sets the environment `run` reads to point at fake.
func botEnv(t *testing.T, fake *slackfake.Server, db, httpAddr string) {
	t.Setenv("SLACK_APP_TOKEN", fake.Options().AppToken)
	t.Setenv("SLACK_BOT_TOKEN", fake.Options().BotToken)
	t.Setenv("TRUSTNUDGE_SLACK_API_URL", fake.APIURL())
	t.Setenv("TRUSTNUDGE_DB", db)
	t.Setenv("TRUSTNUDGE_HTTP_ADDR", httpAddr)
	t.Setenv("TRUSTNUDGE_LOG_LEVEL", "debug")
	t.Setenv("TRUSTNUDGE_LOG_FORMAT", "text")
}

// startBot runs the bot against fake with the database at db and waits
// until it is connected.
func startBot(t *testing.T, fake *slackfake.Server, db string) *runningBot {
	t.Helper()
	b := startBotNoWait(t, fake, db, "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := fake.WaitConnections(ctx, 1); err != nil {
		t.Fatalf("bot did not connect: %v\n%s", err, b.logs.String())
	}
	return b
}

func startBotNoWait(t *testing.T, fake *slackfake.Server, db, httpAddr string) *runningBot {
	t.Helper()
	botEnv(t, fake, db, httpAddr)
	ctx, cancel := context.WithCancel(context.Background())
	b := &runningBot{logs: newLogBuffer(), cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- run(ctx, []string{"run"}, &bytes.Buffer{}, b.logs) }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

// stop shuts the bot down as SIGTERM would and returns run's error.
func (b *runningBot) stop(t *testing.T) error {
	t.Helper()
	b.cancel()
	select {
	case err, ok := <-b.done:
		if ok {
			close(b.done)
		}
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("bot did not stop within 15s")
		return nil
	}
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "trustnudge.db") }

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), nil
}

// waitHTTP polls url until it answers want (HTTP has no event to wait on).
func waitHTTP(t *testing.T, url string, want int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last string
	for time.Now().Before(deadline) {
		code, body, err := httpGet(url)
		if err == nil && code == want {
			return body
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
		<-tick.C
	}
	t.Fatalf("GET %s never answered %d; last: %s", url, want, last)
	return ""
}

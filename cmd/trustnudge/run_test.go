package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store"
)

func waitObserved(t *testing.T, b *runningBot, ts string) {
	t.Helper()
	b.logs.wait(t, " ts="+ts+" ", 1)
}

// TestRun_CanaryTextNeverLeavesTheEdge posts messages whose every text-like
// part carries a unique string, at debug log level, and proves none of them
// reaches the log, the database file or any Web API call.
func TestRun_CanaryTextNeverLeavesTheEdge(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	db := tempDB(t)
	b := startBot(t, fake, db)

	// Opt in and name a team, so the messages below are recorded in the
	// database and the check on its bytes means something.
	say(t, fake, "U1MGR", "optin")
	say(t, fake, "U1MGR", "team <@U2ALEX> <@U3SAM>")

	canaries := []string{}
	canary := func(where string) string {
		c := fmt.Sprintf("CANARY%02d-%s-9f2e71", len(canaries), where)
		canaries = append(canaries, c)
		return c
	}
	ts1, _ := fake.UserPost("C1TEAM", "U1MGR", "top secret "+canary("text")+" <@U2ALEX>", "")
	ts2, _ := fake.UserPost("C1TEAM", "U2ALEX", canary("reply"), ts1)
	tsAsk, _ := fake.UserPost("C1TEAM", "U3SAM", "<@U1MGR> "+canary("question"), "")
	now := func() string { return fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000) }
	tsFile := now()
	fake.SendEvent(map[string]any{
		"type": "message", "subtype": "file_share", "channel": "C1TEAM", "user": "U3SAM", "ts": tsFile,
		"text":        canary("filetext"),
		"files":       []map[string]any{{"id": "F1", "name": canary("filename") + ".pdf", "title": canary("filetitle")}},
		"blocks":      []map[string]any{{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": canary("block")}}},
		"attachments": []map[string]any{{"fallback": canary("attfallback"), "text": canary("atttext"), "title": canary("atttitle")}},
	})
	fake.SendEvent(map[string]any{
		"type": "message", "subtype": "message_changed", "channel": "C1TEAM", "ts": now(),
		"message":          map[string]any{"user": "U1MGR", "text": canary("edit"), "ts": ts1},
		"previous_message": map[string]any{"user": "U1MGR", "text": canary("previous"), "ts": ts1},
	})
	fake.SendEvent(map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "B9OTHER", "channel": "C1TEAM", "ts": now(), "text": canary("bot"), "username": canary("botname")})
	fake.SendEvent(map[string]any{"type": "reaction_added", "user": "U3SAM", "reaction": strings.ToLower(canary("emoji")), "item_user": "U1MGR",
		"item": map[string]any{"type": "message", "channel": "C1TEAM", "ts": ts1}, "event_ts": now()})
	fake.SendEvent(map[string]any{"type": "app_mention", "channel": "C1TEAM", "user": "U3SAM", "ts": now(), "text": "<@U0BOT> " + canary("mention")})
	cmdEnv := fake.SendSlashCommand("U3SAM", "C1TEAM", "/trustnudge", "help "+canary("command"))
	markerTS, _ := fake.UserPost("C1TEAM", "U3SAM", canary("marker"), "")

	waitObserved(t, b, markerTS)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := fake.WaitAck(ctx, cmdEnv); err != nil {
		t.Fatal(err)
	}
	if st := say(t, fake, "U3SAM", "status"); strings.Contains(st, " 0 records") || !strings.Contains(st, "record") {
		t.Fatalf("Sam's question was not recorded, so the database check proves nothing: %s", st)
	}
	if err := b.stop(t); err != nil {
		t.Fatalf("run() = %v; want nil after shutdown", err)
	}
	_ = tsAsk

	logs := b.logs.String()
	// The test could fail: the messages were processed at debug level.
	for _, ts := range []string{ts1, ts2, tsFile} {
		if !strings.Contains(logs, " ts="+ts+" ") {
			t.Fatalf("message %s was not observed; the canary test proves nothing.\n%s", ts, logs)
		}
	}
	dbBytes, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	var calls bytes.Buffer
	for _, c := range fake.Calls() {
		fmt.Fprintf(&calls, "%s %v %s\n", c.Method, c.Params, c.Body)
	}
	for _, c := range canaries {
		if strings.Contains(logs, c) {
			t.Errorf("canary %s is in the log", c)
		}
		if bytes.Contains(dbBytes, []byte(c)) || bytes.Contains(dbBytes, []byte(strings.ToLower(c))) {
			t.Errorf("canary %s is in the database file", c)
		}
		if strings.Contains(calls.String(), c) {
			t.Errorf("canary %s is in a Web API call", c)
		}
	}
}

func TestRun_RedeliveredEventIsProcessedOnceAcrossRestart(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	db := tempDB(t)
	b := startBot(t, fake, db)
	ts := fmt.Sprintf("%d.000100", time.Now().Unix())
	event := map[string]any{"type": "message", "channel": "C1TEAM", "user": "U2ALEX", "ts": ts, "text": "hello"}
	fake.SendEventWithID(event, "EvREDELIVER1")
	waitObserved(t, b, ts)
	fake.SendEventWithID(event, "EvREDELIVER1") // same connection, same process
	b.logs.wait(t, `duplicate event skipped" event_id=EvREDELIVER1`, 1)
	if err := b.stop(t); err != nil {
		t.Fatal(err)
	}

	b2 := startBot(t, fake, db)
	env := fake.SendEventWithID(event, "EvREDELIVER1") // after a restart
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := fake.WaitAck(ctx, env); err != nil {
		t.Fatal(err)
	}
	b2.logs.wait(t, `duplicate event skipped" event_id=EvREDELIVER1`, 1)
	if strings.Contains(b2.logs.String(), " ts="+ts+" ") {
		t.Errorf("redelivered event was processed again after restart:\n%s", b2.logs.String())
	}
}

func TestRun_BadInputIsAckedLoggedAndSkipped(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	b := startBot(t, fake, tempDB(t))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	// Not JSON: there is no envelope_id to ack; it must not stop the loop.
	// slack-go drops a truncated frame silently and reports a syntax error.
	fake.SendRaw([]byte(`{"envelope_id": "broken`))
	fake.SendRaw([]byte(`{"envelope_id": broken}`))
	// An envelope type slack-go does not know: acked from the raw frame.
	fake.SendRaw([]byte(`{"envelope_id":"env-unknown-type","type":"mystery","payload":{},"accepts_response_payload":false}`))
	// An event type slack-go does not know.
	unknownEv := fake.SendEvent(map[string]any{"type": "brand_new_event", "channel": "C1TEAM"})
	// A message with fields of the wrong type.
	wrongType := fake.SendEvent(map[string]any{"type": "message", "channel": "C1TEAM", "user": "U2ALEX", "ts": 12345})
	// A message missing its user and ts.
	missing := fake.SendEvent(map[string]any{"type": "message", "channel": "C1TEAM"})
	// A 1 MB message.
	bigTS := fmt.Sprintf("%d.000200", time.Now().Unix())
	big := fake.SendEvent(map[string]any{"type": "message", "channel": "C1TEAM", "user": "U2ALEX", "ts": bigTS, "text": strings.Repeat("x", 1<<20)})
	// Invalid UTF-8 in the text, sent as raw bytes.
	utfTS := fmt.Sprintf("%d.000300", time.Now().Unix())
	fake.SendRaw([]byte(`{"envelope_id":"env-bad-utf8","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{"token":"x","team_id":"T0TEAM","api_app_id":"A0APP","type":"event_callback","event_id":"EvBADUTF8","event_time":1,"event":{"type":"message","channel":"C1TEAM","user":"U3SAM","ts":"` + utfTS + `","text":"bad ` + "\xff\xfe" + ` bytes <@U1MGR>"}}}`))
	markerTS, _ := fake.UserPost("C1TEAM", "U3SAM", "still alive?", "")

	for _, env := range []string{"env-unknown-type", unknownEv, wrongType, missing, big, "env-bad-utf8"} {
		if _, err := fake.WaitAck(ctx, env); err != nil {
			t.Errorf("envelope %s was not acked: %v", env, err)
		}
	}
	waitObserved(t, b, markerTS)
	waitObserved(t, b, bigTS) // large but valid: counted
	waitObserved(t, b, utfTS) // invalid bytes replaced, metadata kept
	logs := b.logs.String()
	for _, want := range []string{
		"unreadable frame from slack skipped",
		`envelope slack-go could not parse; acked and skipped" envelope_id=env-unknown-type`,
		"envelope slack-go could not parse; acked and skipped\" envelope_id=" + unknownEv,
		"envelope slack-go could not parse; acked and skipped\" envelope_id=" + wrongType,
		"event skipped",
		"message without a valid ts",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q\n%s", want, logs)
		}
	}
	if strings.Contains(logs, strings.Repeat("x", 100)) {
		t.Errorf("log contains the big message's text")
	}
}

func TestRun_ReconnectsOnDisconnectWithoutLosingEvents(t *testing.T) {
	fake := newFake(t, slackfake.Options{AckTimeout: 500 * time.Millisecond})
	b := startBot(t, fake, tempDB(t))
	var tss []string
	for i := range 30 {
		ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "msg", "")
		tss = append(tss, ts)
		switch i {
		case 10:
			fake.Disconnect("refresh_requested")
		case 20:
			fake.Disconnect("warning")
		}
	}
	for _, ts := range tss {
		waitObserved(t, b, ts)
	}
	if got := fake.ConnectionsOpened(); got < 2 {
		t.Errorf("ConnectionsOpened() = %d; want a reconnect", got)
	}
	logs := b.logs.String()
	for _, ts := range tss {
		if n := strings.Count(logs, " ts="+ts+" "); n != 1 {
			t.Errorf("message %s observed %d times; want exactly once", ts, n)
		}
	}
}

func TestRun_SecondProcessOnSameDatabaseFailsFast(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	db := tempDB(t)
	startBot(t, fake, db)
	start := time.Now()
	err := run(context.Background(), []string{"run"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second run() = %v; want ErrInUse saying the database is in use", err)
	}
	if exitCode(err) != 1 {
		t.Errorf("exitCode = %d; want 1", exitCode(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second run took %v to fail; want fast", d)
	}
}

func TestRun_RejectedAppTokenStopsWithClearError(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	botEnv(t, fake, tempDB(t), "")
	t.Setenv("SLACK_APP_TOKEN", "xapp-1-wrong-SECRETAPP")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var logs bytes.Buffer
	err := run(ctx, []string{"run"}, &bytes.Buffer{}, &logs)
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("run() = %v; want an error naming SLACK_APP_TOKEN and invalid_auth", err)
	}
	if strings.Contains(err.Error()+logs.String(), "SECRETAPP") {
		t.Errorf("token leaked:\n%s\n%s", err, logs.String())
	}
}

func TestRun_RejectedBotTokenStopsWithClearError(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	botEnv(t, fake, tempDB(t), "")
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-wrong-SECRETBOT")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var logs bytes.Buffer
	err := run(ctx, []string{"run"}, &bytes.Buffer{}, &logs)
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("run() = %v; want an error naming SLACK_BOT_TOKEN and invalid_auth", err)
	}
	if strings.Contains(err.Error()+logs.String(), "SECRETBOT") {
		t.Errorf("token leaked")
	}
}

func TestRun_ReadyzFollowsTheSocket(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	fake.SetUnreachable(true)
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, tempDB(t), addr)
	waitHTTP(t, "http://"+addr+"/healthz", 200)
	if code, body, err := httpGet("http://" + addr + "/readyz"); err != nil || code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("/readyz while Slack is unreachable = %d %q %v; want 503 not connected", code, body, err)
	}
	fake.SetUnreachable(false)
	waitHTTP(t, "http://"+addr+"/readyz", 200)
	if !strings.Contains(b.logs.String(), `failed; retrying" method=auth.test`) {
		t.Errorf("log does not say Slack was unreachable:\n%s", b.logs.String())
	}
}

func TestRun_BackupWhileTheBotRuns(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	db := tempDB(t)
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, db, addr)
	waitHTTP(t, "http://"+addr+"/readyz", 200)
	ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "hi", "")
	waitObserved(t, b, ts)

	dest := tempDB(t) + ".bak"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", dest}, &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("backup while running = %v", err)
	}
	if !strings.Contains(out.String(), "from the running bot") {
		t.Errorf("backup output = %q; want it to say it came from the running bot", out.String())
	}
	st, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v; want 0600", st.Mode().Perm())
	}
	copyDB, err := store.Open(dest, store.Options{})
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer copyDB.Close()
	if err := copyDB.Check(); err != nil {
		t.Errorf("backup fails its consistency check: %v", err)
	}

	// A wrong token is refused by the running bot.
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-not-the-bots")
	err = run(context.Background(), []string{"backup", dest + "2"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("backup with wrong token = %v; want 401 from the bot", err)
	}
}

func TestRun_BackupWhenStopped(t *testing.T) {
	db := tempDB(t)
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Setenv("TRUSTNUDGE_DB", db)
	dest := db + ".bak"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", dest}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"backup", db}, &out, &bytes.Buffer{}); exitCode(err) != 2 {
		t.Errorf("backup onto the database itself = %v; want usage error", err)
	}
}

func TestRun_UsageAndConfigErrors(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-1-2")
	t.Setenv("TRUSTNUDGE_DB", tempDB(t))
	tests := []struct {
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{[]string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{[]string{"run", "extra"}, nil, 2, "run takes no arguments"},
		{[]string{"backup"}, nil, 2, "backup needs exactly one argument"},
		{[]string{"help", "nope"}, nil, 2, `no help on "nope"`},
		{[]string{"run"}, nil, 2, "SLACK_APP_TOKEN: is not set"},
		{[]string{"run"}, map[string]string{"SLACK_APP_TOKEN": "xoxb-1"}, 2, `SLACK_APP_TOKEN: must start with "xapp-"`},
		{[]string{"run"}, map[string]string{"SLACK_APP_TOKEN": "xapp-1", "TRUSTNUDGE_LOG_LEVEL": "chatty"}, 2, "TRUSTNUDGE_LOG_LEVEL: unknown level"},
		{[]string{"run"}, map[string]string{"SLACK_APP_TOKEN": "xapp-1", "TRUSTNUDGE_HTTP_ADDR": "nonsense"}, 2, "TRUSTNUDGE_HTTP_ADDR"},
		{[]string{"demo", "x"}, nil, 2, "demo takes only --json"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			err := run(context.Background(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) = %v; want error containing %q", tt.args, err, tt.wantErr)
			}
			if got := exitCode(err); got != tt.wantCode {
				t.Errorf("exitCode(%v) = %d; want %d", err, got, tt.wantCode)
			}
			var ce *config.Error
			if tt.wantCode == 2 && strings.Contains(tt.wantErr, "TRUSTNUDGE_") && !errors.As(err, &ce) {
				t.Errorf("error %v is not a *config.Error", err)
			}
		})
	}
}

func TestRun_HelpAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"trustnudge [run]", "demo", "backup FILE", "help [config]", "Exit status"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"help", "config"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "TRUSTNUDGE_HTTP_ADDR") || !strings.Contains(out.String(), "SLACK_BOT_TOKEN") {
		t.Errorf("help config lacks variables:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, &out, &bytes.Buffer{}); err != nil || !strings.HasPrefix(out.String(), "trustnudge ") {
		t.Errorf("version = %q, %v", out.String(), err)
	}
}

func TestRun_Healthcheck(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	addr := freeAddr(t)
	startBotNoWait(t, fake, tempDB(t), addr)
	waitHTTP(t, "http://"+addr+"/healthz", 200)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck"}, &out, &bytes.Buffer{}); err != nil || out.String() != "ok\n" {
		t.Fatalf("healthcheck against a running bot = %v, %q; want ok", err, out.String())
	}
	// Nothing listening: exit 1 with the reason.
	t.Setenv("TRUSTNUDGE_HTTP_ADDR", freeAddr(t))
	if err := run(context.Background(), []string{"healthcheck"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || exitCode(err) != 1 {
		t.Errorf("healthcheck with nothing listening = %v; want exit 1", err)
	}
	t.Setenv("TRUSTNUDGE_HTTP_ADDR", "")
	if err := run(context.Background(), []string{"healthcheck"}, &bytes.Buffer{}, &bytes.Buffer{}); exitCode(err) != 2 {
		t.Errorf("healthcheck with no address = %v; want exit 2 naming the variable", err)
	}
}

func TestRun_MetricsCountAndIdentifyNoOne(t *testing.T) {
	fake := newFake(t, slackfake.Options{})
	addr := freeAddr(t)
	b := startBotNoWait(t, fake, tempDB(t), addr)
	waitHTTP(t, "http://"+addr+"/readyz", 200)
	say(t, fake, "U1MGR", "optin")
	ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "hello <@U1MGR>", "")
	waitObserved(t, b, ts)
	_, body, err := httpGet("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`trustnudge_socket_events_received_total{kind="events_api"} 1`,
		`trustnudge_socket_events_received_total{kind="slash_commands"} 1`,
		`trustnudge_slack_api_calls_total{method="auth.test",result="ok"} 1`,
		`trustnudge_socket_connected 1`,
		`trustnudge_db_size_bytes`,
		`trustnudge_socket_ack_latency_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, id := range []string{"U1MGR", "U2ALEX", "C1TEAM", "T0TEAM", "hello"} {
		if strings.Contains(body, id) {
			t.Errorf("/metrics contains %q, which identifies someone", id)
		}
	}
}

// Without TRUSTNUDGE_SECRET the vote-hash key lives in the database file;
// the admin is told at start, once, and not when it is set.
func TestRun_WarnsWhenTheVoteSecretIsInTheDatabase(t *testing.T) {
	const warning = "TRUSTNUDGE_SECRET is not set"
	for _, tc := range []struct {
		secret string
		warn   bool
	}{
		{"", true},
		{strings.Repeat("ab", 32), false},
	} {
		t.Setenv("TRUSTNUDGE_SECRET", tc.secret)
		fake := newFake(t, slackfake.Options{})
		b := startBot(t, fake, tempDB(t))
		logs := b.logs.String()
		if got := strings.Count(logs, warning); got != map[bool]int{true: 1, false: 0}[tc.warn] {
			t.Errorf("secret %q: the warning appears %d times; want it %v\n%s", tc.secret, got, tc.warn, logs)
		}
		if tc.secret != "" && strings.Contains(logs, tc.secret) {
			t.Errorf("the secret itself reached the log")
		}
	}
}

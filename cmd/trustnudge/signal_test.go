package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store"
)

// buildBinary compiles trustnudge once per test that needs a real process.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "trustnudge")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestBinary_SIGTERMFinishesInFlightWorkAndExitsZero(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			fake := newFake(t, slackfake.Options{})
			db := tempDB(t)
			logs := newLogBuffer()
			cmd := exec.Command(bin, "run")
			cmd.Env = append(os.Environ(),
				"SLACK_APP_TOKEN="+fake.Options().AppToken,
				"SLACK_BOT_TOKEN="+fake.Options().BotToken,
				"TRUSTNUDGE_SLACK_API_URL="+fake.APIURL(),
				"TRUSTNUDGE_DB="+db,
				"TRUSTNUDGE_HTTP_ADDR=",
				"TRUSTNUDGE_LOG_LEVEL=debug",
			)
			cmd.Stderr = logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { cmd.Process.Kill() })

			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := fake.WaitConnections(ctx, 1); err != nil {
				t.Fatalf("binary did not connect: %v\n%s", err, logs.String())
			}
			ts, _ := fake.UserPost("C1TEAM", "U2ALEX", "hi", "")
			logs.wait(t, " ts="+ts+" ", 1)

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("binary exited with %v after %v; want status 0\n%s", err, sig, logs.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("binary did not exit within 15s of %v", sig)
			}
			if !strings.Contains(logs.String(), "trustnudge stopped") {
				t.Errorf("log lacks the shutdown line:\n%s", logs.String())
			}
			// The database was closed: it opens at once, without waiting for a lock.
			s, err := store.Open(db, store.Options{Timeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatalf("database still locked after exit: %v", err)
			}
			s.Close()
		})
	}
}

// startBinary runs the built binary against fake and waits until it is
// connected.
func startBinary(t *testing.T, bin string, fake *slackfake.Server, db string) (*exec.Cmd, *logBuffer) {
	t.Helper()
	logs := newLogBuffer()
	cmd := exec.Command(bin, "run")
	cmd.Env = append(os.Environ(),
		"SLACK_APP_TOKEN="+fake.Options().AppToken,
		"SLACK_BOT_TOKEN="+fake.Options().BotToken,
		"TRUSTNUDGE_SLACK_API_URL="+fake.APIURL(),
		"TRUSTNUDGE_DB="+db,
		"TRUSTNUDGE_HTTP_ADDR=",
		"TRUSTNUDGE_LOG_LEVEL=debug",
	)
	cmd.Stderr = logs
	opened := fake.ConnectionsOpened()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := fake.WaitConnectionsOpened(ctx, opened+1); err != nil {
		t.Fatalf("binary did not connect: %v\n%s", err, logs.String())
	}
	return cmd, logs
}

func TestBinary_SettingsSurviveSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	fake := newFake(t, slackfake.Options{})
	db := tempDB(t)
	cmd, _ := startBinary(t, bin, fake, db)
	say(t, fake, "U1MGR", "optin")
	say(t, fake, "U1MGR", "team <@U2ALEX> <@U3SAM>")
	say(t, fake, "U1MGR", "hours Mon-Fri 08:00-16:00")
	say(t, fake, "U1MGR", "snooze 2d on-call")
	say(t, fake, "U2ALEX", "exclude-me")
	// Every reply above was acked to the person: it must survive a crash.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	fake.DropConnections()

	startBinary(t, bin, fake, db)
	expectReply(t, fake, "U1MGR", "status", "<@U2ALEX>, <@U3SAM>", "Mon-Fri 08:00-16:00", "snoozed until", "(on-call)")
	expectReply(t, fake, "U2ALEX", "status", "left out of all counting")
}

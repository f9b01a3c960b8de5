package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const (
	goodApp = "xapp-1-A0APP-123-abcdefSECRETAPP"
	goodBot = "xoxb-123-456-SECRETBOT"
)

// setenv sets a complete good environment and then the overrides; a value of
// "-" unsets the variable.
func setenv(t *testing.T, overrides map[string]string) {
	t.Helper()
	base := map[string]string{
		"SLACK_APP_TOKEN": goodApp, "SLACK_BOT_TOKEN": goodBot,
		"TRUSTNUDGE_DB": "", "TRUSTNUDGE_SLACK_API_URL": "", "TRUSTNUDGE_HTTP_ADDR": "",
		"TRUSTNUDGE_LOG_LEVEL": "", "TRUSTNUDGE_LOG_FORMAT": "",
		"TRUSTNUDGE_DEFAULT_HOURS": "", "TRUSTNUDGE_DEFAULT_TZ": "", "TRUSTNUDGE_ADMINS": "", "TRUSTNUDGE_RETENTION": "",
		"TRUSTNUDGE_POLL_QUORUM": "", "TRUSTNUDGE_SECRET": "",
		"TRUSTNUDGE_SWEEP_INTERVAL": "", "TRUSTNUDGE_SLACK_PING_TIMEOUT": "", "TRUSTNUDGE_COOLDOWN_AFTER_HOURS": "", "TRUSTNUDGE_COOLDOWN_SLOW_REPLY": "", "TRUSTNUDGE_WEEKLY_CAP": "",
	}
	for k, v := range overrides {
		base[k] = v
	}
	for k, v := range base {
		if v == "-" || (v == "" && k != "TRUSTNUDGE_HTTP_ADDR") {
			t.Setenv(k, "x") // registers restore
			unsetenv(t, k)
			continue
		}
		t.Setenv(k, v)
	}
}

func TestLoad_Defaults(t *testing.T) {
	setenv(t, map[string]string{"TRUSTNUDGE_HTTP_ADDR": "-"})
	c, err := Load()
	if err != nil {
		t.Fatalf("Load() = %v; want nil", err)
	}
	if c.DB != "trustnudge.db" || c.SlackAPIURL != "https://slack.com/api/" || c.HTTPAddr != "127.0.0.1:8089" ||
		c.LogLevel.Level() != slog.LevelInfo || c.LogFormat != "text" {
		t.Errorf("defaults = %+v", c.Settings)
	}
	if c.DefaultHours.String() != "Mon-Fri 09:00-18:00" || c.DefaultTZ.Loc() != time.UTC || len(c.Admins) != 0 || c.Retention != 720*time.Hour {
		t.Errorf("defaults = hours %q tz %v admins %v retention %v", c.DefaultHours, c.DefaultTZ, c.Admins, c.Retention)
	}
	if c.AppToken.Reveal() != goodApp || c.BotToken.Reveal() != goodBot {
		t.Errorf("tokens not loaded")
	}
}

func TestLoad_EmptyHTTPAddrTurnsServerOff(t *testing.T) {
	setenv(t, map[string]string{"TRUSTNUDGE_HTTP_ADDR": ""})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "" {
		t.Errorf("HTTPAddr = %q; want empty (server off)", c.HTTPAddr)
	}
}

func TestLoad_BadInputNamesVariableAndFix(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
		wantMsg string
	}{
		{"missing app token", map[string]string{"SLACK_APP_TOKEN": "-"}, "SLACK_APP_TOKEN", "is not set; create an app-level token"},
		{"missing bot token", map[string]string{"SLACK_BOT_TOKEN": "-"}, "SLACK_BOT_TOKEN", "is not set; install the app"},
		{"bot token as app token", map[string]string{"SLACK_APP_TOKEN": goodBot}, "SLACK_APP_TOKEN", `must start with "xapp-" (got a "xoxb-" token)`},
		{"app token as bot token", map[string]string{"SLACK_BOT_TOKEN": goodApp}, "SLACK_BOT_TOKEN", `must start with "xoxb-" (got a "xapp-" token)`},
		{"garbage token", map[string]string{"SLACK_BOT_TOKEN": "hello"}, "SLACK_BOT_TOKEN", "got a malformed token"},
		{"token with newline", map[string]string{"SLACK_BOT_TOKEN": goodBot + "\n"}, "SLACK_BOT_TOKEN", "surrounding spaces"},
		{"prefix only", map[string]string{"SLACK_APP_TOKEN": "xapp-"}, "SLACK_APP_TOKEN", "only a prefix"},
		{"log level", map[string]string{"TRUSTNUDGE_LOG_LEVEL": "loud"}, "TRUSTNUDGE_LOG_LEVEL", `unknown level "loud"; use debug, info, warn or error`},
		{"log format", map[string]string{"TRUSTNUDGE_LOG_FORMAT": "xml"}, "TRUSTNUDGE_LOG_FORMAT", `unknown format "xml"; use text or json`},
		{"addr without port", map[string]string{"TRUSTNUDGE_HTTP_ADDR": "localhost"}, "TRUSTNUDGE_HTTP_ADDR", "is not host:port"},
		{"addr bad port", map[string]string{"TRUSTNUDGE_HTTP_ADDR": "127.0.0.1:http-ish"}, "TRUSTNUDGE_HTTP_ADDR", "no valid port"},
		{"api url", map[string]string{"TRUSTNUDGE_SLACK_API_URL": "slack.com/api"}, "TRUSTNUDGE_SLACK_API_URL", "is not an http(s) URL"},
		{"db blank", map[string]string{"TRUSTNUDGE_DB": "  "}, "TRUSTNUDGE_DB", "is empty"},
		{"default hours", map[string]string{"TRUSTNUDGE_DEFAULT_HOURS": "Mon-Fri 25:00-18:00"}, "TRUSTNUDGE_DEFAULT_HOURS", `"25:00": hour must be 00-23; use a spec like "Mon-Fri 09:00-18:00"`},
		{"default tz", map[string]string{"TRUSTNUDGE_DEFAULT_TZ": "Mars/Base"}, "TRUSTNUDGE_DEFAULT_TZ", `unknown time zone "Mars/Base"`},
		{"admins", map[string]string{"TRUSTNUDGE_ADMINS": "U123ABC, bob"}, "TRUSTNUDGE_ADMINS", `"bob" is not a Slack user ID`},
		{"retention short", map[string]string{"TRUSTNUDGE_RETENTION": "1h"}, "TRUSTNUDGE_RETENTION", "too short"},
		{"ping timeout too short", map[string]string{"TRUSTNUDGE_SLACK_PING_TIMEOUT": "500ms"}, "TRUSTNUDGE_SLACK_PING_TIMEOUT", "use 2s to 5m"},
		{"ping timeout not a duration", map[string]string{"TRUSTNUDGE_SLACK_PING_TIMEOUT": "soon"}, "TRUSTNUDGE_SLACK_PING_TIMEOUT", ""},
		{"sweep too often", map[string]string{"TRUSTNUDGE_SWEEP_INTERVAL": "10s"}, "TRUSTNUDGE_SWEEP_INTERVAL", "use 1m to 1h"},
		{"cap zero", map[string]string{"TRUSTNUDGE_WEEKLY_CAP": "0"}, "TRUSTNUDGE_WEEKLY_CAP", "use 1 to 100"},
		{"cap junk", map[string]string{"TRUSTNUDGE_WEEKLY_CAP": "five"}, "TRUSTNUDGE_WEEKLY_CAP", "cannot be parsed"},
		{"cooldown negative", map[string]string{"TRUSTNUDGE_COOLDOWN_SLOW_REPLY": "-1h"}, "TRUSTNUDGE_COOLDOWN_SLOW_REPLY", "out of range"},
		{"quorum one", map[string]string{"TRUSTNUDGE_POLL_QUORUM": "1"}, "TRUSTNUDGE_POLL_QUORUM", "use 2 to 100"},
		{"secret short", map[string]string{"TRUSTNUDGE_SECRET": "abcdSECRETX"}, "TRUSTNUDGE_SECRET", "at least 64 hex characters"},
		{"retention junk", map[string]string{"TRUSTNUDGE_RETENTION": "a month"}, "TRUSTNUDGE_RETENTION", "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env)
			_, err := Load()
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load() = %v; want *config.Error", err)
			}
			if ce.Var != tt.wantVar || !strings.Contains(ce.Msg, tt.wantMsg) {
				t.Errorf("Load() = %q; want var %s and message containing %q", err, tt.wantVar, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "SECRETAPP") || strings.Contains(err.Error(), "SECRETBOT") || strings.Contains(err.Error(), "SECRETX") {
				t.Errorf("error %q leaks a token", err)
			}
		})
	}
}

func TestSecret_NeverPrinted(t *testing.T) {
	setenv(t, nil)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Print(&buf); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&buf, "%v %+v %#v %s", c, c, c, c.AppToken)
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	logger.Info("config", "cfg", c, "app", c.AppToken, "bot", c.BotToken)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", c, "bot", c.BotToken)
	out := buf.String()
	if strings.Contains(out, "SECRETAPP") || strings.Contains(out, "SECRETBOT") {
		t.Fatalf("token leaked into output:\n%s", out)
	}
	if !strings.Contains(out, "xoxb-…(redacted)") || !strings.Contains(out, "SLACK_BOT_TOKEN") {
		t.Errorf("redacted print lacks the token kind or name:\n%s", out)
	}
}

func TestHelp_ListsEveryVariable(t *testing.T) {
	var buf bytes.Buffer
	if err := Help(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "TRUSTNUDGE_DB", "trustnudge.db",
		"TRUSTNUDGE_SLACK_API_URL", "TRUSTNUDGE_HTTP_ADDR", "127.0.0.1:8089", "TRUSTNUDGE_LOG_LEVEL", "TRUSTNUDGE_LOG_FORMAT", "(required)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("help config lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestLoad_AdminsAndZone(t *testing.T) {
	setenv(t, map[string]string{"TRUSTNUDGE_ADMINS": " U1ADMIN ,W2ADMIN,", "TRUSTNUDGE_DEFAULT_TZ": "Asia/Kolkata", "TRUSTNUDGE_DEFAULT_HOURS": "Sun-Thu 08:00-17:00"})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Admins.String() != "U1ADMIN,W2ADMIN" || c.DefaultTZ.String() != "Asia/Kolkata" || c.DefaultHours.String() != "Sun-Thu 08:00-17:00" {
		t.Errorf("got admins %q tz %q hours %q", c.Admins, c.DefaultTZ, c.DefaultHours)
	}
}

func TestAPIURL_AddsTrailingSlash(t *testing.T) {
	for in, want := range map[string]string{"http://127.0.0.1:1/api": "http://127.0.0.1:1/api/", "https://slack.com/api/": "https://slack.com/api/"} {
		if got := (Settings{SlackAPIURL: in}).APIURL(); got != want {
			t.Errorf("APIURL(%q) = %q; want %q", in, got, want)
		}
	}
}

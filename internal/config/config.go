// Package config loads trustnudge's settings from the environment.
//
// Every setting is an environment variable: the two Slack tokens under their
// usual names, everything else prefixed TRUSTNUDGE_. A bad value stops
// start-up with an error that names the variable and says how to fix it.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// Prefix is the prefix of every trustnudge variable except the Slack tokens.
const Prefix = "TRUSTNUDGE"

// Config is the whole configuration.
type Config struct {
	Slack
	Settings
}

// Slack holds the tokens, read under Slack's conventional names.
type Slack struct {
	AppToken Secret `envconfig:"SLACK_APP_TOKEN" desc:"app-level token for Socket Mode (xapp-…), from the app's Basic Information page, with the connections:write scope"`
	BotToken Secret `envconfig:"SLACK_BOT_TOKEN" desc:"bot token (xoxb-…), from the app's OAuth & Permissions page after installing it"`
}

// Settings are the TRUSTNUDGE_ variables.
type Settings struct {
	DB          string    `envconfig:"DB" default:"trustnudge.db" desc:"path of the database file (created with mode 0600)"`
	SlackAPIURL string    `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (for proxies, or an emulator in tests)"`
	HTTPAddr    string    `envconfig:"HTTP_ADDR" default:"127.0.0.1:8089" desc:"address for /healthz, /readyz and /metrics; empty turns the server off"`
	LogLevel    LogLevel  `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat   LogFormat `envconfig:"LOG_FORMAT" default:"text" desc:"text or json"`

	DefaultHours Hours         `envconfig:"DEFAULT_HOURS" default:"Mon-Fri 09:00-18:00" desc:"working hours for people who set none, in each person's Slack time zone"`
	DefaultTZ    Zone          `envconfig:"DEFAULT_TZ" default:"UTC" desc:"time zone for people whose Slack profile has none (IANA name, e.g. Europe/Berlin)"`
	Admins       UserIDs       `envconfig:"ADMINS" desc:"comma-separated Slack user IDs who may use /trustnudge admin, besides workspace owners and admins"`
	Retention    time.Duration `envconfig:"RETENTION" default:"720h" desc:"how long raw per-message metadata is kept (Go duration, at least 24h)"`

	SlackPingTimeout time.Duration `envconfig:"SLACK_PING_TIMEOUT" default:"30s" desc:"how long the Socket Mode connection may go without a ping from Slack before reconnecting (2s to 5m)"`

	SweepInterval      time.Duration `envconfig:"SWEEP_INTERVAL" default:"5m" desc:"how often waiting questions are checked for slow replies (1m to 1h)"`
	CooldownAfterHours time.Duration `envconfig:"COOLDOWN_AFTER_HOURS" default:"24h" desc:"least time between two after-hours nudges to one manager"`
	CooldownSlowReply  time.Duration `envconfig:"COOLDOWN_SLOW_REPLY" default:"48h" desc:"least time between two waiting-question nudges to one manager"`
	WeeklyCap          int           `envconfig:"WEEKLY_CAP" default:"5" desc:"most nudges of all kinds one manager gets in 7 days"`

	PollQuorum int    `envconfig:"POLL_QUORUM" default:"3" desc:"how many must vote before a poll's counts are shown (at least 2)"`
	Secret     Secret `envconfig:"SECRET" desc:"key for the anonymous vote hashes (64 hex characters); unset: one is created and kept in the database"`
}

// Error is a configuration problem in one variable.
type Error struct {
	Var string // the environment variable
	Msg string // what is wrong and how to fix it
}

func (e *Error) Error() string { return e.Var + ": " + e.Msg }

// Load reads the configuration from the process environment and validates
// it. Every problem is an *Error naming the variable.
func Load() (Config, error) {
	var c Config
	if err := process("", &c.Slack); err != nil {
		return Config{}, err
	}
	if err := process(Prefix, &c.Settings); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadSettings reads only the TRUSTNUDGE_ variables, for commands that do not
// talk to Slack (demo, backup).
func LoadSettings() (Settings, error) {
	var s Settings
	if err := process(Prefix, &s); err != nil {
		return Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

func process(prefix string, spec any) error {
	err := envconfig.Process(prefix, spec)
	if err == nil {
		return nil
	}
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		// envconfig's own text repeats the value with Go type names; say it
		// for a person instead. The value is not echoed: it might be a token.
		return &Error{Var: pe.KeyName, Msg: hintFor(pe.Err)}
	}
	return err
}

func hintFor(err error) string {
	var he interface{ Hint() string }
	if errors.As(err, &he) {
		return he.Hint()
	}
	return "cannot be parsed: " + err.Error()
}

// Validate checks the tokens and the settings.
func (c Config) Validate() error {
	if err := c.AppToken.check("SLACK_APP_TOKEN", "xapp-", "create an app-level token with the connections:write scope under Basic Information → App-Level Tokens"); err != nil {
		return err
	}
	if err := c.BotToken.check("SLACK_BOT_TOKEN", "xoxb-", "install the app to the workspace and copy the Bot User OAuth Token from OAuth & Permissions"); err != nil {
		return err
	}
	return c.Settings.Validate()
}

// Validate checks the TRUSTNUDGE_ settings.
func (s Settings) Validate() error {
	if strings.TrimSpace(s.DB) == "" {
		return &Error{Var: Prefix + "_DB", Msg: "is empty; set it to the path of the database file, e.g. /var/lib/trustnudge/trustnudge.db"}
	}
	u, err := url.Parse(s.SlackAPIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Var: Prefix + "_SLACK_API_URL", Msg: fmt.Sprintf("%q is not an http(s) URL; leave it unset for https://slack.com/api/", s.SlackAPIURL)}
	}
	if s.Retention < 24*time.Hour {
		return &Error{Var: Prefix + "_RETENTION", Msg: fmt.Sprintf("%s is too short; keep at least 24h (the default is 720h, 30 days)", s.Retention)}
	}
	if s.SlackPingTimeout < 2*time.Second || s.SlackPingTimeout > 5*time.Minute {
		return &Error{Var: Prefix + "_SLACK_PING_TIMEOUT", Msg: fmt.Sprintf("%s is out of range; use 2s to 5m (default 30s; Slack pings about every 10s)", s.SlackPingTimeout)}
	}
	if s.SweepInterval < time.Minute || s.SweepInterval > time.Hour {
		return &Error{Var: Prefix + "_SWEEP_INTERVAL", Msg: fmt.Sprintf("%s is out of range; use 1m to 1h (default 5m)", s.SweepInterval)}
	}
	for name, d := range map[string]time.Duration{"_COOLDOWN_AFTER_HOURS": s.CooldownAfterHours, "_COOLDOWN_SLOW_REPLY": s.CooldownSlowReply} {
		if d < 0 || d > 30*24*time.Hour {
			return &Error{Var: Prefix + name, Msg: fmt.Sprintf("%s is out of range; use 0 to 720h", d)}
		}
	}
	if s.WeeklyCap < 1 || s.WeeklyCap > 100 {
		return &Error{Var: Prefix + "_WEEKLY_CAP", Msg: fmt.Sprintf("%d is out of range; use 1 to 100 (default 5)", s.WeeklyCap)}
	}
	if s.PollQuorum < 2 || s.PollQuorum > 100 {
		return &Error{Var: Prefix + "_POLL_QUORUM", Msg: fmt.Sprintf("%d is out of range; use 2 to 100 (default 3), so a single vote can't be read off the results", s.PollQuorum)}
	}
	if s.Secret != "" {
		if b, err := hex.DecodeString(s.Secret.Reveal()); err != nil || len(b) < 32 {
			return &Error{Var: Prefix + "_SECRET", Msg: "must be at least 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`; or leave it unset"}
		}
	}
	if s.HTTPAddr != "" {
		host, port, err := net.SplitHostPort(s.HTTPAddr)
		if err != nil {
			return &Error{Var: Prefix + "_HTTP_ADDR", Msg: fmt.Sprintf("%q is not host:port; use e.g. 127.0.0.1:8089, or set it empty to turn the server off", s.HTTPAddr)}
		}
		if _, err := net.LookupPort("tcp", port); err != nil || port == "" {
			return &Error{Var: Prefix + "_HTTP_ADDR", Msg: fmt.Sprintf("%q has no valid port; use e.g. 127.0.0.1:8089", s.HTTPAddr)}
		}
		_ = host
	}
	return nil
}

// APIURL is the Web API base URL with the trailing slash slack-go expects.
func (s Settings) APIURL() string {
	if strings.HasSuffix(s.SlackAPIURL, "/") {
		return s.SlackAPIURL
	}
	return s.SlackAPIURL + "/"
}

// Secret is a token. It prints redacted wherever it is formatted or logged.
type Secret string

// Reveal returns the token itself, for the one place that sends it to Slack.
func (s Secret) Reveal() string { return string(s) }

// String shows the token's kind and hides the rest.
func (s Secret) String() string {
	if s == "" {
		return "(unset)"
	}
	kind, _, ok := strings.Cut(string(s), "-")
	if !ok || len(kind) > 5 {
		return "(redacted)"
	}
	return kind + "-…(redacted)"
}

// GoString keeps %#v from printing the token.
func (s Secret) GoString() string { return s.String() }

// LogValue keeps slog from printing the token.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps encoders from printing the token.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s Secret) check(name, prefix, how string) error {
	v := string(s)
	switch {
	case v == "":
		return &Error{Var: name, Msg: "is not set; " + how}
	case strings.TrimSpace(v) != v:
		return &Error{Var: name, Msg: "has surrounding spaces or a newline; set it to the token alone"}
	case !strings.HasPrefix(v, prefix):
		return &Error{Var: name, Msg: fmt.Sprintf("must start with %q (got a %s token); %s", prefix, Secret(v).kind(), how)}
	case len(v) <= len(prefix):
		return &Error{Var: name, Msg: "is only a prefix; " + how}
	}
	return nil
}

func (s Secret) kind() string {
	kind, _, ok := strings.Cut(string(s), "-")
	if !ok || len(kind) > 5 {
		return "malformed"
	}
	return fmt.Sprintf("%q", kind+"-")
}

// LogLevel is a slog level given by name.
type LogLevel slog.Level

// Decode implements envconfig.Decoder.
func (l *LogLevel) Decode(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		*l = LogLevel(slog.LevelDebug)
	case "info", "":
		*l = LogLevel(slog.LevelInfo)
	case "warn", "warning":
		*l = LogLevel(slog.LevelWarn)
	case "error":
		*l = LogLevel(slog.LevelError)
	default:
		return hint(fmt.Sprintf("unknown level %q; use debug, info, warn or error", s))
	}
	return nil
}

// Level returns the slog level.
func (l LogLevel) Level() slog.Level { return slog.Level(l) }

func (l LogLevel) String() string { return strings.ToLower(slog.Level(l).String()) }

// LogFormat is text or json.
type LogFormat string

// Decode implements envconfig.Decoder.
func (f *LogFormat) Decode(s string) error {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "text", "json":
		*f = LogFormat(v)
	case "":
		*f = "text"
	default:
		return hint(fmt.Sprintf("unknown format %q; use text or json", s))
	}
	return nil
}

// hint is a decode error whose text is already meant for a person.
type hint string

func (h hint) Error() string { return string(h) }
func (h hint) Hint() string  { return string(h) }

// NewLogger builds the process logger from the settings.
func (s Settings) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel.Level()}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Print writes the effective configuration with tokens redacted.
func (c Config) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range vars(c) {
		fmt.Fprintf(tw, "%s\t%s\n", v.name, v.value)
	}
	return tw.Flush()
}

// Help writes every variable with its default and meaning.
func Help(w io.Writer) error {
	fmt.Fprintln(w, "trustnudge is configured by environment variables only:")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	for _, v := range vars(Config{}) {
		def := v.def
		if def == "" {
			def = "(required)"
			if v.optional {
				def = "(empty)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.name, def, v.desc)
	}
	return tw.Flush()
}

type varDoc struct {
	name, def, desc, value string
	optional               bool
}

// vars lists the variables from the struct tags, the one source of truth
// that envconfig reads too.
func vars(c Config) []varDoc {
	var out []varDoc
	add := func(prefix string, spec any) {
		v := reflect.ValueOf(spec)
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := f.Tag.Get("envconfig")
			if prefix != "" {
				name = prefix + "_" + name
			}
			out = append(out, varDoc{
				name:     name,
				def:      f.Tag.Get("default"),
				desc:     f.Tag.Get("desc"),
				value:    fmt.Sprint(v.Field(i).Interface()),
				optional: prefix != "",
			})
		}
	}
	add("", c.Slack)
	add(Prefix, c.Settings)
	return out
}

// Hours is a working-hours spec, checked when loaded.
type Hours struct{ workhours.Hours }

// Decode implements envconfig.Decoder.
func (h *Hours) Decode(s string) error {
	parsed, err := workhours.Parse(s)
	if err != nil {
		return hint(fmt.Sprintf("%v; use a spec like %q", err, workhours.Default))
	}
	h.Hours = parsed
	return nil
}

func (h Hours) String() string { return h.Hours.String() }

// Zone is an IANA time zone.
type Zone struct{ *time.Location }

// Decode implements envconfig.Decoder.
func (z *Zone) Decode(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "UTC"
	}
	loc, err := time.LoadLocation(s)
	if err != nil || s == "Local" {
		return hint(fmt.Sprintf("unknown time zone %q; use an IANA name such as Europe/Berlin or UTC", s))
	}
	z.Location = loc
	return nil
}

// Loc returns the zone, UTC when unset.
func (z Zone) Loc() *time.Location {
	if z.Location == nil {
		return time.UTC
	}
	return z.Location
}

func (z Zone) String() string { return z.Loc().String() }

// UserIDs is a comma-separated list of Slack user IDs.
type UserIDs []activity.UserID

// Decode implements envconfig.Decoder.
func (u *UserIDs) Decode(s string) error {
	var out UserIDs
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !validUserID(f) {
			return hint(fmt.Sprintf("%q is not a Slack user ID; list IDs like U012ABCDEF, separated by commas (find one under a profile's ⋮ → Copy member ID)", truncate(f, 40)))
		}
		out = append(out, activity.UserID(f))
	}
	*u = out
	return nil
}

func (u UserIDs) String() string {
	parts := make([]string, len(u))
	for i, id := range u {
		parts[i] = string(id)
	}
	return strings.Join(parts, ",")
}

func validUserID(s string) bool {
	if len(s) < 3 || len(s) > 32 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// SecretBytes is the vote-hash key, nil when unset.
func (s Settings) SecretBytes() []byte {
	if s.Secret == "" {
		return nil
	}
	b, _ := hex.DecodeString(s.Secret.Reveal())
	return b
}

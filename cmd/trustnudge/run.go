package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	tnbot "github.com/trustnudge/trustnudge/internal/bot"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/demo"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/metrics"
	"github.com/trustnudge/trustnudge/internal/ops"
	"github.com/trustnudge/trustnudge/internal/schedule"
	"github.com/trustnudge/trustnudge/internal/slackapp"
	"github.com/trustnudge/trustnudge/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `trustnudge helps managers build trust with their teams through small,
private nudges in Slack. It reads message metadata only, never text.

Usage:
  trustnudge [run]        run the bot over Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN)
  trustnudge demo [--json]  run the real bot against a built-in Slack emulator; no setup needed
                          (--json also prints each nudge's Block Kit JSON)
  trustnudge replay EXPORT --teams FILE [--format text|json|html] [--out FILE]
                          what the bot would have noticed and sent, over a Slack export
                          ('trustnudge replay --help' for every option)
  trustnudge backup FILE  write a consistent copy of the database to FILE, also while the bot runs
  trustnudge healthcheck  exit 0 if the running bot answers /healthz (for container HEALTHCHECKs)
  trustnudge version      print the version
  trustnudge help [config]  this text, or every environment variable with its default

Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
`

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (see 'trustnudge help')" }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ue usageError
	var ce *config.Error
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return 2
	}
	return 1
}

// run is the whole program; main only maps its error to an exit status.
// Configuration comes from the process environment (envconfig reads it), so
// tests that call run set variables with t.Setenv.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := "run"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		if len(args) > 0 {
			return usageError{fmt.Sprintf("run takes no arguments, got %q", args[0])}
		}
		return runBot(ctx, stderr)
	case "demo":
		return runDemo(ctx, args, stdout, stderr)
	case "replay":
		return runReplay(ctx, args, stdout, stderr)
	case "backup":
		if len(args) != 1 || args[0] == "" {
			return usageError{"backup needs exactly one argument: the file to write"}
		}
		return runBackup(ctx, args[0], stdout)
	case "healthcheck":
		if len(args) > 0 {
			return usageError{fmt.Sprintf("healthcheck takes no arguments, got %q", args[0])}
		}
		return runHealthcheck(ctx, stdout)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "trustnudge", versionString())
		return nil
	case "help", "-h", "--help", "-help":
		if len(args) > 0 && args[0] == "config" {
			return config.Help(stdout)
		}
		if len(args) > 0 {
			return usageError{fmt.Sprintf("no help on %q; try 'trustnudge help config'", args[0])}
		}
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// runBot is `trustnudge run`: the bot over Socket Mode until a signal.
func runBot(ctx context.Context, stderr io.Writer) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := cfg.NewLogger(stderr)
	log.Info("starting trustnudge", "version", versionString(), "db", cfg.DB, "http_addr", cfg.HTTPAddr, "slack_api", cfg.APIURL())
	if cfg.Secret == "" {
		log.Warn("TRUSTNUDGE_SECRET is not set, so the key of the anonymous vote hashes is kept in the database file: " +
			"whoever holds the file or a backup could test guessed user IDs against votes. " +
			"Set it to 64 hex characters (openssl rand -hex 32) to keep the key out of the file")
	}
	b, err := newBot(cfg, log, clock.Real{})
	if err != nil {
		return err
	}
	defer b.close()
	return serve(ctx, log, cfg.HTTPAddr, cfg.BotToken.Reveal(), b.db, b.slack, b.sched, b.metrics)
}

// bot is the wired application (internal/bot), with the names the tests
// use. Tests build it with a fake clock and drive the sweep themselves.
type bot struct {
	metrics *metrics.Metrics
	db      *store.DB
	slack   *slackapp.App
	engine  *engine.Engine
	sched   *schedule.Scheduler
	b       *tnbot.Bot
}

func newBot(cfg config.Config, log *slog.Logger, clk clock.Clock) (*bot, error) {
	b, err := tnbot.New(cfg, log, clk, versionString())
	if err != nil {
		return nil, err
	}
	return &bot{metrics: b.Metrics, db: b.DB, slack: b.Slack, engine: b.Engine, sched: b.Sched, b: b}, nil
}

func (b *bot) close() { b.b.Close() }

// serve runs the adapter and the ops server together until ctx ends or one
// of them fails.
func serve(ctx context.Context, log *slog.Logger, httpAddr, backupToken string, db *store.DB, app *slackapp.App, sched *schedule.Scheduler, m *metrics.Metrics) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return sched.Run(ctx) })
	if httpAddr != "" {
		ln, err := ops.Listen(httpAddr)
		if err != nil {
			return fmt.Errorf("%w (set TRUSTNUDGE_HTTP_ADDR to a free address, or empty to turn the server off)", err)
		}
		log.Info("serving health endpoints", "addr", ln.Addr().String())
		srv := &ops.Server{
			Ready: func() error {
				if !app.Connected() {
					return errors.New("slack socket not connected")
				}
				return nil
			},
			Backup:      db.Backup,
			BackupToken: backupToken,
			Logger:      log,
			Metrics:     m.Handler(),
		}
		g.Go(func() error { return srv.Serve(ctx, ln) })
	}
	g.Go(func() error {
		err := app.Run(ctx)
		if err == nil && ctx.Err() == nil {
			err = errors.New("slack adapter stopped unexpectedly")
		}
		return err
	})
	err := g.Wait()
	log.Info("trustnudge stopped")
	return err
}

// runBackup writes a consistent copy of the database. When the bot holds
// the file, the copy is fetched from the bot's own /backup endpoint.
func runBackup(ctx context.Context, dest string, stdout io.Writer) error {
	settings, err := config.LoadSettings()
	if err != nil {
		return err
	}
	if same, _ := sameFile(settings.DB, dest); same {
		return usageError{fmt.Sprintf("backup target %q is the database itself", dest)}
	}
	db, err := store.Open(settings.DB, store.Options{Timeout: 200 * time.Millisecond, Clock: clock.Real{}})
	if err == nil {
		defer db.Close()
		n, err := db.BackupFile(dest)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes) from %s\n", dest, n, settings.DB)
		return nil
	}
	if !errors.Is(err, store.ErrInUse) {
		return err
	}
	if settings.HTTPAddr == "" {
		return fmt.Errorf("%w; the running bot serves backups on TRUSTNUDGE_HTTP_ADDR, which is off", err)
	}
	token := os.Getenv("SLACK_BOT_TOKEN")
	if token == "" {
		return &config.Error{Var: "SLACK_BOT_TOKEN", Msg: "is needed to fetch a backup from the running bot; run backup with the bot's environment"}
	}
	n, err := fetchBackup(ctx, "http://"+settings.HTTPAddr+"/backup", token, dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes) from the running bot at %s\n", dest, n, settings.HTTPAddr)
	return nil
}

func fetchBackup(ctx context.Context, url, token, dest string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: ask the running bot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("backup: the running bot answered %s", resp.Status)
	}
	return writeFileAtomic(dest, resp.Body)
}

// writeFileAtomic writes r to dest via a 0600 temp file in the same folder,
// so a failed backup never leaves a half-written file under dest's name.
func writeFileAtomic(dest string, r io.Reader) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".trustnudge-backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := io.Copy(tmp, r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		return 0, fmt.Errorf("backup: write %s: %w", dest, err)
	}
	return n, nil
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	jsonOut := false
	for _, a := range args {
		switch a {
		case "--json", "-json":
			jsonOut = true
		default:
			return usageError{fmt.Sprintf("demo takes only --json, got %q", a)}
		}
	}
	settings, err := config.LoadSettings()
	if err != nil {
		return err
	}
	// The story goes to stdout; the bot's own log stays quiet unless asked.
	if os.Getenv("TRUSTNUDGE_LOG_LEVEL") == "" {
		settings.LogLevel = config.LogLevel(slog.LevelWarn)
	}
	return demo.Run(ctx, demo.Options{Out: stdout, Log: settings.NewLogger(stderr), Version: versionString(), JSON: jsonOut})
}

// runHealthcheck asks the running bot's /healthz, for container health
// checks that have no shell or curl.
func runHealthcheck(ctx context.Context, stdout io.Writer) error {
	settings, err := config.LoadSettings()
	if err != nil {
		return err
	}
	if settings.HTTPAddr == "" {
		return &config.Error{Var: config.Prefix + "_HTTP_ADDR", Msg: "is empty, so there is no /healthz to ask; set it (e.g. 127.0.0.1:8089) for health checks"}
	}
	host, port, _ := net.SplitHostPort(settings.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1" // the server listens on all interfaces; ask it locally
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

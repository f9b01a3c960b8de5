package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/config"
	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/replay"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

const replayUsage = `Usage: trustnudge replay EXPORT --teams FILE [options]

Runs trustnudge's detectors and nudge policy over a Slack workspace export
(a .zip or its unpacked folder) and reports what the bot would have noticed
and sent, on the messages' own timestamps. Only metadata is read, never text.

  --teams FILE     CSV with the header "manager,member", one pair per line;
                   Slack user IDs or user names as in the export's users.json
  --from DATE      first day to read, YYYY-MM-DD (UTC)
  --to DATE        last day to read, YYYY-MM-DD (UTC), inclusive
  --format F       text (default), json or html
  --out FILE       write the report to FILE instead of standard output
  --hours SPEC     working hours for everyone, in their own time zone
                   (default: TRUSTNUDGE_DEFAULT_HOURS, Mon-Fri 09:00-18:00)
  --tz ZONE        time zone for people without one in users.json
                   (default: TRUSTNUDGE_DEFAULT_TZ, UTC)
  --include-dms    also judge direct messages between two people; the bot
                   never sees those, so by default they are left out

Cooldowns, the weekly cap and the sweep interval come from the same
TRUSTNUDGE_ variables as the bot's ('trustnudge help config').
`

// maxWarnings is how many skipped problems replay prints one by one.
const maxWarnings = 20

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		teamsFile = fs.String("teams", "", "")
		from      = fs.String("from", "", "")
		to        = fs.String("to", "", "")
		format    = fs.String("format", "text", "")
		out       = fs.String("out", "", "")
		hoursSpec = fs.String("hours", "", "")
		tzName    = fs.String("tz", "", "")
		withDMs   = fs.Bool("include-dms", false, "")
	)
	// Flags may come before or after EXPORT.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				_, err := io.WriteString(stdout, replayUsage)
				return err
			}
			return usageError{"replay: " + err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(positional) == 0:
		return usageError{"replay needs the export to read: trustnudge replay EXPORT --teams FILE"}
	case len(positional) > 1:
		return usageError{fmt.Sprintf("replay reads one export, got %d: %s", len(positional), strings.Join(positional, " "))}
	case *teamsFile == "":
		return usageError{"replay needs --teams FILE: a CSV with the header \"manager,member\" naming who is on whose team"}
	}
	switch *format {
	case "text", "json", "html":
	default:
		return usageError{fmt.Sprintf("replay: --format must be text, json or html, not %q", *format)}
	}

	settings, err := config.LoadSettings()
	if err != nil {
		return err
	}
	opts := replay.Options{
		Hours:     settings.DefaultHours.Hours,
		DefaultTZ: settings.DefaultTZ.Loc(),
		Policy: policy.Config{
			Cooldown: map[string]time.Duration{
				people.KindAfterHours: settings.CooldownAfterHours,
				people.KindSlowReply:  settings.CooldownSlowReply,
			},
			WeeklyCap: settings.WeeklyCap,
		},
		SweepInterval: settings.SweepInterval,
		Retention:     settings.Retention,
		IncludeDMs:    *withDMs,
	}
	if *hoursSpec != "" {
		if opts.Hours, err = workhours.Parse(*hoursSpec); err != nil {
			return usageError{"replay: --hours: " + err.Error()}
		}
	}
	if *tzName != "" {
		if opts.DefaultTZ, err = time.LoadLocation(*tzName); err != nil {
			return usageError{fmt.Sprintf("replay: --tz: unknown time zone %q; use an IANA name such as Europe/Berlin", *tzName)}
		}
	}
	var xopts export.Options
	if xopts.From, err = parseDay("--from", *from); err != nil {
		return err
	}
	if xopts.To, err = parseDay("--to", *to); err != nil {
		return err
	}
	if !xopts.To.IsZero() {
		xopts.To = xopts.To.AddDate(0, 0, 1) // the last day is read whole
	}
	if !xopts.From.IsZero() && !xopts.To.IsZero() && !xopts.From.Before(xopts.To) {
		return usageError{"replay: --from must not be after --to"}
	}
	warnings := 0
	xopts.Warn = func(file string, err error) {
		warnings++
		if warnings <= maxWarnings {
			fmt.Fprintf(stderr, "warning: %s: %v (skipped)\n", file, err)
		}
	}

	x, err := export.Open(positional[0], xopts)
	if err != nil {
		return err
	}
	defer x.Close()
	f, err := os.Open(*teamsFile)
	if err != nil {
		return fmt.Errorf("replay: --teams: %w", err)
	}
	teams, err := replay.ParseTeams(bufio.NewReader(f), filepath.Base(*teamsFile), x.Users())
	f.Close()
	if err != nil {
		return err
	}
	report, err := replay.Run(ctx, x, teams, opts)
	if err != nil {
		return err
	}
	report.From, report.To = xopts.From, xopts.To
	report.Warnings = warnings
	if warnings > maxWarnings {
		fmt.Fprintf(stderr, "warning: … and %d more problems skipped\n", warnings-maxWarnings)
	}
	return writeReport(report, *format, *out, stdout)
}

// parseDay reads a --from/--to date as a UTC day.
func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("replay: %s %q is not a date; use YYYY-MM-DD", flagName, s)}
	}
	return t, nil
}

// writeReport writes the report in its format to out, or to stdout. A file
// is written whole or not at all.
func writeReport(r replay.Report, format, out string, stdout io.Writer) error {
	write := func(w io.Writer) error {
		switch format {
		case "json":
			return replay.WriteJSON(w, r)
		case "html":
			return replay.WriteHTML(w, r)
		}
		return replay.WriteText(w, r)
	}
	if out == "" || out == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("replay: --out: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := errors.Join(write(bw), bw.Flush(), tmp.Chmod(0o600), tmp.Close()); err != nil {
		return fmt.Errorf("replay: --out: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("replay: --out: %w", err)
	}
	return nil
}

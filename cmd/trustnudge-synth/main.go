// Command trustnudge-synth writes a synthetic Slack workspace export of any
// size (see internal/synth), the teams it holds as CSV, and the truth of
// what trustnudge should find in it as JSON, then prints a one-line
// summary.
//
//	go run ./cmd/trustnudge-synth -messages 1000000 -out /tmp/synth1m
//	go run ./cmd/trustnudge-synth -messages 20000 -out export.zip -zip -teams teams.csv -truth truth.json
//
// It exits 2 on a usage error, 1 when writing fails.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/trustnudge/trustnudge/internal/synth"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("trustnudge-synth", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		cfg      synth.Config
		out      = fl.String("out", "", "folder to write the export to (must not exist or be empty), or the .zip file with -zip (required)")
		teams    = fl.String("teams", "", "also write the teams as CSV (manager,member) to this file")
		byName   = fl.Bool("names", false, "in the teams CSV, write users.json names instead of user IDs")
		truthOut = fl.String("truth", "", "also write the truth (what should be detected) as JSON to this file")
		start    = fl.String("start", synth.DefaultStart.Format(time.DateOnly), "first day, YYYY-MM-DD (UTC)")
	)
	fl.IntVar(&cfg.Messages, "messages", 100_000, "message objects to write, all kinds (±1%)")
	fl.Int64Var(&cfg.Seed, "seed", 1, "random seed; the same seed writes the same bytes")
	fl.BoolVar(&cfg.Zip, "zip", false, "write a zip file instead of a folder")
	fl.BoolVar(&cfg.Indent, "indent", false, "indent the JSON with 4 spaces as Slack does (larger, slower)")
	fl.IntVar(&cfg.Days, "days", 0, "days to span (default max(14, messages/4000))")
	fl.IntVar(&cfg.Managers, "managers", 0, "managers, each with a team (default 4)")
	fl.IntVar(&cfg.TeamSize, "team-size", 0, "members per team (default 5)")
	fl.IntVar(&cfg.Others, "others", 0, "people on no team (default 6)")
	fl.StringVar(&cfg.Canary, "canary", "", "a string to put into every message text")
	fl.Usage = func() {
		fmt.Fprintf(fl.Output(), "Usage: trustnudge-synth -out DIR [-messages N] [-zip] [-seed N] [-teams teams.csv] [-truth truth.json] [flags]\n\n")
		fmt.Fprintf(fl.Output(), "Writes a synthetic Slack workspace export and the truth of what trustnudge should detect in it.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "trustnudge-synth: %s\n", msg)
		fl.Usage()
		return 2
	}
	switch {
	case fl.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fl.Arg(0)))
	case *out == "":
		return usage("-out is required")
	case cfg.Messages <= 0:
		return usage("-messages must be positive")
	}
	day, err := time.Parse(time.DateOnly, *start)
	if err != nil {
		return usage(fmt.Sprintf("-start %q: want YYYY-MM-DD", *start))
	}
	cfg.Start = day

	began := time.Now()
	truth, err := synth.Write(*out, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "trustnudge-synth: %v\n", err)
		return 1
	}
	took := time.Since(began)
	if *teams != "" {
		if err := writeFile(*teams, func(w io.Writer) error { return synth.WriteTeamsCSV(w, truth, *byName) }); err != nil {
			fmt.Fprintf(stderr, "trustnudge-synth: teams: %v\n", err)
			return 1
		}
	}
	if *truthOut != "" {
		err := writeFile(*truthOut, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(truth)
		})
		if err != nil {
			fmt.Fprintf(stderr, "trustnudge-synth: truth: %v\n", err)
			return 1
		}
	}
	size, err := sizeOf(*out)
	if err != nil {
		fmt.Fprintf(stderr, "trustnudge-synth: %v\n", err)
		return 1
	}
	secs := took.Seconds()
	fmt.Fprintf(stdout, "wrote %d messages, %d bytes (%.1f MB) to %s in %.2f s (%.0f msgs/s, %.1f MB/s)\n",
		truth.Messages, size, float64(size)/1e6, *out, secs, float64(truth.Messages)/secs, float64(size)/1e6/secs)
	return 0
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sizeOf is the size of a file, or the total size of the files under a
// folder.
func sizeOf(name string) (int64, error) {
	var total int64
	err := filepath.WalkDir(name, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// Command trustnudge-replaybench measures replay on a generated Slack
// export: messages per second and peak memory of a whole replay (the
// export read, the detectors and the policy, the report written), with
// `jq length` over every day file on the same machine as the yardstick.
//
//	go run ./cmd/trustnudge-replaybench -messages 1000000
//
// The replay runs in a child process so its peak RSS is its own, not the
// generator's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/replay"
	"github.com/trustnudge/trustnudge/internal/synth"
)

// childEnv marks the child process that runs one replay.
const childEnv = "TRUSTNUDGE_REPLAYBENCH_CHILD"

func main() {
	if os.Getenv(childEnv) != "" {
		if err := child(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	if err := parent(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "trustnudge-replaybench:", err)
		os.Exit(1)
	}
}

func parent(args []string) error {
	fs := flag.NewFlagSet("trustnudge-replaybench", flag.ContinueOnError)
	messages := fs.Int("messages", 1_000_000, "messages in the generated export")
	dir := fs.String("dir", "", "where to keep the export (default: a temporary folder, removed after)")
	seed := fs.Int64("seed", 1, "generator seed")
	runs := fs.Int("runs", 3, "replays of the export; the best is reported with every run listed")
	withZip := fs.Bool("zip", true, "also replay the export as a .zip")
	withJQ := fs.Bool("jq", true, "also count the messages with jq, as the yardstick")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		os.Exit(2)
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "replaybench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	folder := filepath.Join(*dir, "export")
	zipPath := filepath.Join(*dir, "export.zip")
	teams := filepath.Join(*dir, "teams.csv")
	cfg := synth.Config{Seed: *seed, Messages: *messages}

	start := time.Now()
	truth, err := synth.Write(folder, cfg)
	if err != nil {
		return err
	}
	var csv bytes.Buffer
	if err := synth.WriteTeamsCSV(&csv, truth, false); err != nil {
		return err
	}
	if err := os.WriteFile(teams, csv.Bytes(), 0o600); err != nil {
		return err
	}
	size, files, err := dirSize(folder)
	if err != nil {
		return err
	}
	fmt.Printf("generated %d messages, %d people, %d managers: %d day files, %.0f MB, in %.1f s\n",
		truth.Messages, truth.People, len(truth.Managers), files, float64(size)/1e6, time.Since(start).Seconds())
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())

	if err := measure("replay (folder)", folder, teams, truth.Messages, *runs); err != nil {
		return err
	}
	if *withZip {
		cfg.Zip = true
		if _, err := synth.Write(zipPath, cfg); err != nil {
			return err
		}
		if err := measure("replay (zip)", zipPath, teams, truth.Messages, *runs); err != nil {
			return err
		}
	}
	if *withJQ {
		if err := jqCount(folder, truth.Messages); err != nil {
			return err
		}
	}
	return nil
}

// measure runs the replay in child processes and prints throughput and
// peak RSS.
func measure(name, path, teams string, messages, runs int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	best := time.Duration(0)
	var rss int64
	var all []string
	for range max(runs, 1) {
		cmd := exec.Command(self, path, teams)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		took := time.Since(start)
		read, err := strconv.Atoi(strings.TrimSpace(out.String()))
		if err != nil || read != messages {
			return fmt.Errorf("%s read %q messages; the export has %d", name, out.String(), messages)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss*1024) // Linux reports KiB
		}
		if best == 0 || took < best {
			best = took
		}
		all = append(all, fmt.Sprintf("%.2fs", took.Seconds()))
	}
	fmt.Printf("%-16s %9.0f messages/s  best %.2f s of [%s]  peak RSS %.0f MB\n",
		name, float64(messages)/best.Seconds(), best.Seconds(), strings.Join(all, " "), float64(rss)/(1<<20))
	return nil
}

// child replays one export with the default options and prints how many
// messages it read; the report goes to io.Discard through the JSON writer,
// so its cost counts.
func child(args []string) error {
	if len(args) != 2 {
		return errors.New("want EXPORT TEAMS")
	}
	x, err := export.Open(args[0], export.Options{Warn: func(file string, err error) {
		fmt.Fprintf(os.Stderr, "warning: %s: %v\n", file, err)
	}})
	if err != nil {
		return err
	}
	defer x.Close()
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	teams, err := replay.ParseTeams(bufio.NewReader(f), args[1], x.Users())
	f.Close()
	if err != nil {
		return err
	}
	r, err := replay.Run(context.Background(), x, teams, replay.Options{})
	if err != nil {
		return err
	}
	if err := replay.WriteJSON(io.Discard, r); err != nil {
		return err
	}
	fmt.Println(r.MessagesRead)
	return nil
}

// jqCount counts the messages of every day file with `jq length`, the
// yardstick for replay's speed, and prints its time.
func jqCount(folder string, messages int) error {
	jq, err := exec.LookPath("jq")
	if err != nil {
		fmt.Println("jq: not installed; skipped (apt-get install jq)")
		return nil
	}
	var days []string
	err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Dir(p) != folder && strings.HasSuffix(p, ".json") {
			days = append(days, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	total := 0
	const batch = 500 // stay well inside the argument-length limit
	for i := 0; i < len(days); i += batch {
		out, err := exec.Command(jq, append([]string{"length"}, days[i:min(i+batch, len(days))]...)...).Output()
		if err != nil {
			return fmt.Errorf("jq: %w", err)
		}
		for _, f := range strings.Fields(string(out)) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("jq printed %q", f)
			}
			total += n
		}
	}
	took := time.Since(start)
	if total != messages {
		return fmt.Errorf("jq counted %d messages; the export has %d", total, messages)
	}
	fmt.Printf("%-16s %9.0f messages/s  %.2f s (jq length over %d day files, one core)\n", "jq (yardstick)", float64(total)/took.Seconds(), took.Seconds(), len(days))
	return nil
}

func dirSize(dir string) (size int64, files int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		if filepath.Dir(p) != dir {
			files++ // a day file; the lists sit at the top
		}
		return nil
	})
	return size, files, err
}

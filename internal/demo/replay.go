package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/replay"
	"github.com/trustnudge/trustnudge/internal/synth"
)

// replayMessages is the size of the generated workspace the demo replays:
// thirteen weeks of a 31-person workspace, replayed well under a second.
const replayMessages = 20_000

// replayStory shows what an admin sees before installing: a generated
// workspace export, replayed with the same detectors and policy the bot
// just ran, and the counts checked against what the generator planted.
func replayStory(ctx context.Context, out io.Writer) error {
	dir, err := os.MkdirTemp("", "trustnudge-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "export.zip")
	truth, err := synth.Write(path, synth.Config{Seed: 11, Messages: replayMessages, Days: 91, Zip: true})
	if err != nil {
		return fmt.Errorf("demo: generate an export: %w", err)
	}
	var csv bytes.Buffer
	if err := synth.WriteTeamsCSV(&csv, truth, true); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	x, err := export.Open(path, export.Options{})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer x.Close()
	teams, err := replay.ParseTeams(&csv, "teams.csv", x.Users())
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	r, err := replay.Run(ctx, x, teams, replay.Options{IncludeDMs: true})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	fmt.Fprintln(out, "\n── Before installing: what would trustnudge have said? ──")
	fmt.Fprintf(out, "  An admin runs `trustnudge replay export.zip --teams teams.csv --include-dms` over the workspace's history.\n")
	fmt.Fprintf(out, "  Here the export is generated: %d messages, %d people, %s to %s. Replay read it all:\n",
		r.MessagesRead, truth.People, r.First.UTC().Format("2 Jan"), r.Last.UTC().Format("2 Jan 2006"))
	habits := map[string]string{}
	for _, m := range truth.Managers {
		habits[string(m.Manager)] = m.Habit
	}
	for _, m := range r.Managers {
		after, slow := 0, 0
		for _, n := range m.Nudges {
			if n.Kind == people.KindAfterHours {
				after++
			} else {
				slow++
			}
		}
		median := "—"
		if med, ok := m.MedianReplyMinutes(); ok {
			median = fmt.Sprintf("%.0f working min", med)
		}
		fmt.Fprintf(out, "  %-8s (%s, %s): %d after-hours messages, %d requests, median reply %s, %d slow\n",
			m.Name, habits[string(m.Manager)], m.TZ, m.AfterHoursMessages, m.Requests, median, m.SlowRequests)
		fmt.Fprintf(out, "           would have had %d nudges: %d after hours, %d about slow replies\n", after+slow, after, slow)
	}
	if err := matchesTruth(r, truth); err != nil {
		return fmt.Errorf("demo: replay disagrees with the generated truth: %w", err)
	}
	fmt.Fprintln(out, "  Every count matches what the generator planted.")
	fmt.Fprintln(out, "  --format html draws each manager's week as a heatmap; --format json is for tools.")
	return nil
}

// matchesTruth checks a replay against the generator's own reckoning.
func matchesTruth(r replay.Report, t synth.Truth) error {
	if r.MessagesRead != t.Messages || len(r.Managers) != len(t.Managers) {
		return fmt.Errorf("read %d messages of %d, %d managers of %d", r.MessagesRead, t.Messages, len(r.Managers), len(t.Managers))
	}
	for i, want := range t.Managers {
		got := r.Managers[i]
		wmed, wok := want.MedianReplyMinutes()
		gmed, gok := got.MedianReplyMinutes()
		if got.Manager != want.Manager || got.AfterHoursMessages != want.AfterHoursMessages || got.Requests != want.Requests ||
			got.SlowRequests != want.SlowRequests || wok != gok || math.Abs(wmed-gmed) > 1e-6 {
			return fmt.Errorf("%s: got %d/%d/%d median %v, want %d/%d/%d median %v", want.Manager,
				got.AfterHoursMessages, got.Requests, got.SlowRequests, gmed, want.AfterHoursMessages, want.Requests, want.SlowRequests, wmed)
		}
	}
	return nil
}

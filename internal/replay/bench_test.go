package replay

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/export"
	"github.com/trustnudge/trustnudge/internal/synth"
)

// BenchmarkReplay measures a whole replay of a generated 200,000-message
// export, and the export reader alone, so the cost of the detectors and
// the policy shows as the difference. The 1M-message figure with peak
// memory comes from cmd/trustnudge-replaybench.
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "export")
	truth, err := synth.Write(path, synth.Config{Seed: 3, Messages: 200_000})
	if err != nil {
		b.Fatal(err)
	}
	var csv bytes.Buffer
	if err := synth.WriteTeamsCSV(&csv, truth, false); err != nil {
		b.Fatal(err)
	}
	open := func(b *testing.B) *export.Export {
		x, err := export.Open(path, export.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { x.Close() })
		return x
	}
	report := func(b *testing.B, n int, took time.Duration) {
		b.ReportMetric(float64(n)*float64(b.N)/took.Seconds(), "msgs/s")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("read", func(b *testing.B) {
		start := time.Now()
		n := 0
		for range b.N {
			n = 0
			err := open(b).Messages(context.Background(), func(*export.Message) error { n++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b, n, time.Since(start))
	})
	b.Run("replay", func(b *testing.B) {
		start := time.Now()
		n := 0
		for range b.N {
			x := open(b)
			teams, err := ParseTeams(bytes.NewReader(csv.Bytes()), "teams.csv", x.Users())
			if err != nil {
				b.Fatal(err)
			}
			r, err := Run(context.Background(), x, teams, Options{})
			if err != nil {
				b.Fatal(err)
			}
			n = r.MessagesRead
		}
		report(b, n, time.Since(start))
	})
}

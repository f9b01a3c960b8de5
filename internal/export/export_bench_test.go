package export

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// benchExport is 20 channels × 30 days × about 170 realistic messages.
func benchExport(b *testing.B) (fs files, n int, size int64) {
	fs, n = bigExport(20, 30, 170)
	for name, c := range fs {
		if strings.Contains(name, "/") {
			size += int64(len(c))
		}
	}
	return fs, n, size
}

func benchMessages(b *testing.B, path string, n int, size int64) {
	x, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		got := 0
		if err := x.Messages(context.Background(), func(m *Message) error {
			got++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("Messages delivered %d; want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(size)/float64(n), "bytes/msg")
}

// BenchmarkMessages reads a folder export of about 100k messages.
func BenchmarkMessages(b *testing.B) {
	fs, n, size := benchExport(b)
	benchMessages(b, writeDir(b, fs), n, size)
}

// BenchmarkMessagesZip reads the same export as a zip archive.
func BenchmarkMessagesZip(b *testing.B) {
	fs, n, size := benchExport(b)
	benchMessages(b, writeZip(b, fs), n, size)
}

// BenchmarkDecodeDayFile is one core's decoding speed, without reading
// files or delivering; BenchmarkDecodeDayFileEncodingJSON is encoding/json
// on the same bytes, for comparison.
func BenchmarkDecodeDayFile(b *testing.B) {
	day := []byte(pretty(newGen(2, 200).day(testStart, 2000)))
	d := newDecoder()
	b.SetBytes(int64(len(day)))
	b.ReportAllocs()
	var out []rec
	for b.Loop() {
		var err error
		if out, err = d.decode(day, out[:0]); err != nil || len(out) != 2000 {
			b.Fatalf("decode = %d messages, %v", len(out), err)
		}
	}
	b.ReportMetric(2000*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkDecodeDayFileEncodingJSON(b *testing.B) {
	day := []byte(pretty(newGen(2, 200).day(testStart, 2000)))
	type wire struct {
		Type         string `json:"type"`
		Subtype      string `json:"subtype"`
		User         string `json:"user"`
		BotID        string `json:"bot_id"`
		TS           string `json:"ts"`
		ThreadTS     string `json:"thread_ts"`
		ParentUserID string `json:"parent_user_id"`
		Team         string `json:"team"`
		Text         string `json:"text"`
		Reactions    []struct {
			Users []string `json:"users"`
		} `json:"reactions"`
	}
	b.SetBytes(int64(len(day)))
	b.ReportAllocs()
	for b.Loop() {
		var ms []wire
		if err := json.Unmarshal(day, &ms); err != nil || len(ms) != 2000 {
			b.Fatalf("Unmarshal = %d messages, %v", len(ms), err)
		}
	}
	b.ReportMetric(2000*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

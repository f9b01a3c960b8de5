package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// checkDelivered reads every message of x and checks what the reader
// promises of each: a valid ts, and a valid author unless it is a bot's
// or a system message.
func checkDelivered(t *testing.T, x *Export) {
	t.Helper()
	var last *Message
	err := x.Messages(context.Background(), func(m *Message) error {
		if !m.TS.Valid() || !m.IsBot && !m.System && !activity.ValidID(string(m.User)) {
			t.Fatalf("Messages() delivered %+v: invalid ts or user", *m)
		}
		if m.ThreadTS != "" && !m.ThreadTS.Valid() || m.ParentUser != "" && !activity.ValidID(string(m.ParentUser)) {
			t.Fatalf("Messages() delivered %+v: invalid thread", *m)
		}
		if last != nil && m.Time().Before(last.Time()) {
			t.Fatalf("Messages() delivered %s after %s", m.TS, last.TS)
		}
		c := *m
		last = &c
		return nil
	})
	if err != nil {
		t.Fatalf("Messages() = %v", err)
	}
}

// FuzzDayFile feeds arbitrary bytes as a day file: to the scanner, checked
// against encoding/json where that can judge, and through Open and
// Messages in a minimal folder export.
func FuzzDayFile(f *testing.F) {
	for _, c := range dayCorners {
		f.Add([]byte(c))
	}
	f.Add([]byte(pretty(newGen(3, 5).day(testStart, 8))))
	if _, err := os.Stat(realZip); err == nil {
		if b, err := os.ReadFile(filepath.Join(unzip(f, realZip), "enrique", "2016-03-28.json")); err == nil {
			f.Add(b)
		}
	}
	dir := writeDir(f, baseFiles())
	dayFile := filepath.Join(dir, "general", "2025-03-01.json")
	if err := os.MkdirAll(filepath.Dir(dayFile), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(dayFile, []byte("[]"), 0o644); err != nil {
		f.Fatal(err)
	}
	// Open lists the day file; each Messages reads it anew.
	x, err := Open(dir, Options{Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer x.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgainstRef(t, b)
		if err := os.WriteFile(dayFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		checkDelivered(t, x)
	})
}

// FuzzZip feeds arbitrary bytes as the export's .zip: Open and Messages
// must fail cleanly or deliver sound messages, never panic.
func FuzzZip(f *testing.F) {
	if real, err := os.ReadFile(realZip); err == nil {
		f.Add(real)
		for _, n := range []int{len(real) / 2, len(real) - 1, len(real) - 30, 4096, 100, 22} {
			f.Add(real[:min(n, len(real))])
		}
	}
	fs := baseFiles()
	fs["general/2025-03-01.json"] = pretty(newGen(4, 5).day(testStart, 5))
	small, err := os.ReadFile(writeZip(f, fs))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The bytes are read from memory, not a file, and files over 8 KiB
		// are skipped, to keep each run fast; Open of a real file is the
		// same code after os.Open.
		src, err := newZipSource(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			return
		}
		x, err := openSource("export.zip", src, Options{Workers: 1, maxFile: 8 << 10})
		if err != nil {
			return
		}
		defer x.Close()
		checkDelivered(t, x)
	})
}

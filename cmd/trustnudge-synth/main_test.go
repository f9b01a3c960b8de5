package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/synth"
)

func TestRun_WritesExportTeamsAndTruth(t *testing.T) {
	dir := t.TempDir()
	out, teams, truth := filepath.Join(dir, "export"), filepath.Join(dir, "teams.csv"), filepath.Join(dir, "truth.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-messages", "2000", "-out", out, "-seed", "3", "-teams", teams, "-truth", truth, "-names"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	if s := stdout.String(); !strings.HasPrefix(s, "wrote 2000 messages, ") || strings.Count(s, "\n") != 1 {
		t.Errorf("summary = %q; want one line starting \"wrote 2000 messages, \"", s)
	}
	for _, f := range []string{"users.json", "channels.json", "groups.json", "dms.json", "mpims.json", "general"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("export: %v", err)
		}
	}
	csv, err := os.ReadFile(teams)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); lines[0] != "manager,member" || len(lines) != 1+4*5 || strings.Contains(string(csv), ",U0") {
		t.Errorf("teams.csv = %q; want a header and 20 pairs of names", csv)
	}
	var tr synth.Truth
	data, err := os.ReadFile(truth)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	if tr.Messages != 2000 || len(tr.Managers) != 4 || tr.Managers[0].Habit == "" {
		t.Errorf("truth.json = %+v", tr)
	}
}

func TestRun_Zip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "export.zip")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-messages", "500", "-out", out, "-zip"}, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("PK")) {
		t.Errorf("%s is not a zip (%v)", out, err)
	}
}

func TestRun_Usage(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(filepath.Join(full, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"-nope"}, 2},
		{[]string{"-messages", "10"}, 2}, // no -out
		{[]string{"-out", filepath.Join(dir, "a"), "-messages", "0"}, 2},     // nothing to write
		{[]string{"-out", filepath.Join(dir, "b"), "extra"}, 2},              // a stray argument
		{[]string{"-out", filepath.Join(dir, "c"), "-start", "tomorrow"}, 2}, // not a date
		{[]string{"-out", filepath.Join(dir, "d"), "-messages", "ten"}, 2},   // not a number
		{[]string{"-out", full, "-messages", "10"}, 1},                       // not empty
		{[]string{"-out", filepath.Join(dir, "e"), "-canary", "<@U1>"}, 1},   // rejected by synth
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code {
			t.Errorf("run(%q) = %d; want %d (stderr: %s)", tt.args, code, tt.code, stderr.String())
		}
		if tt.code == 0 && !strings.Contains(stderr.String(), "Usage: trustnudge-synth") {
			t.Errorf("run(%q): no usage text in %q", tt.args, stderr.String())
		}
	}
}

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/synth"
)

// realExport is the small real Slack export kept for tests (158 messages,
// four people in Los Angeles, two channels).
const realExport = "../../../shared/data/slack-export-viewer-testarchive.zip"

func needRealExport(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realExport); err != nil {
		t.Skipf("the real export fixture is not here: %v", err)
	}
}

// replayJSON is the JSON form's contract, as tools read it.
type replayJSON struct {
	MessagesRead *int `json:"messages_read"`
	Managers     []struct {
		Manager            string   `json:"manager"`
		AfterHoursMessages *int     `json:"after_hours_messages"`
		Requests           *int     `json:"requests"`
		SlowRequests       *int     `json:"slow_requests"`
		MedianReply        *float64 `json:"median_reply_working_minutes"`
		Nudges             []struct {
			Kind string `json:"kind"`
			At   string `json:"at"`
		} `json:"nudges"`
	} `json:"managers"`
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = run(ctx, args, &out, &errb)
	return out.String(), errb.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeReplay(t *testing.T, out string) replayJSON {
	t.Helper()
	var r replayJSON
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("replay --format json printed no JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("replay --format json printed more than one object")
	}
	if r.MessagesRead == nil {
		t.Fatalf("no messages_read key in %s", out)
	}
	for _, m := range r.Managers {
		if m.AfterHoursMessages == nil || m.Requests == nil || m.SlowRequests == nil || m.Nudges == nil {
			t.Errorf("manager %s lacks a required key (after_hours_messages, requests, slow_requests, nudges): %s", m.Manager, out)
		}
		for _, n := range m.Nudges {
			if n.Kind != "after_hours" && n.Kind != "slow_reply" {
				t.Errorf("nudge kind %q", n.Kind)
			}
			if _, err := time.Parse(time.RFC3339, n.At); err != nil {
				t.Errorf("nudge at %q is not RFC 3339", n.At)
			}
		}
	}
	return r
}

func TestReplay_RealExport(t *testing.T) {
	needRealExport(t)
	teams := writeFile(t, "teams.csv", "manager,member\nhamza,abilinski\nhamza,doubledeez\nU0BMQB6JE,U0BMM2FEH\n")
	out, stderr, err := runCmd(t, "replay", realExport, "--teams", teams, "--format", "json")
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, stderr)
	}
	r := decodeReplay(t, out)
	if *r.MessagesRead != 158 {
		t.Errorf("messages_read = %d; want the 158 message objects of the export", *r.MessagesRead)
	}
	if len(r.Managers) != 1 || r.Managers[0].Manager != "U0BMQB6JE" {
		t.Fatalf("managers = %+v; want hamza (U0BMQB6JE) alone", r.Managers)
	}

	// The unpacked folder reads the same.
	dir := t.TempDir()
	unzip(t, realExport, dir)
	out2, stderr, err := runCmd(t, "replay", "--format=json", "--teams", teams, dir)
	if err != nil {
		t.Fatalf("replay of the folder: %v\n%s", err, stderr)
	}
	if out2 != out {
		t.Errorf("the folder and the zip give different reports:\nzip:    %s\nfolder: %s", out, out2)
	}

	// Text, the default, names the manager and the counts.
	text, _, err := runCmd(t, "replay", realExport, "--teams", teams)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"158 messages read", "hamza (U0BMQB6JE)", "America/Los_Angeles", "after-hours messages"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}

func unzip(t *testing.T, zipPath, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dir, f.Name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplay_MatchesTheGeneratorsTruth replays generated workspaces whose
// truth the generator worked out on its own, and checks every count, and
// that no text of any message reaches any output.
func TestReplay_MatchesTheGeneratorsTruth(t *testing.T) {
	const canary = "CANARY-replay-7f3a"
	for _, tc := range []struct {
		name string
		cfg  synth.Config
	}{
		{"folder", synth.Config{Seed: 1, Messages: 30000, Canary: canary}},
		{"zip, more managers", synth.Config{Seed: 2, Messages: 20000, Managers: 7, TeamSize: 4, Canary: canary, Zip: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "export")
			if tc.cfg.Zip {
				path += ".zip"
			}
			truth, err := synth.Write(path, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var csv bytes.Buffer
			if err := synth.WriteTeamsCSV(&csv, truth, tc.cfg.Seed%2 == 0); err != nil {
				t.Fatal(err)
			}
			teams := writeFile(t, "teams.csv", csv.String())
			// The generator's truth counts every kind of conversation, so
			// direct messages are judged too.
			out, stderr, err := runCmd(t, "replay", path, "--teams", teams, "--format", "json", "--include-dms")
			if err != nil {
				t.Fatalf("replay: %v\n%s", err, stderr)
			}
			r := decodeReplay(t, out)
			if *r.MessagesRead != truth.Messages {
				t.Errorf("messages_read = %d; the generator wrote %d", *r.MessagesRead, truth.Messages)
			}
			if len(r.Managers) != len(truth.Managers) {
				t.Fatalf("%d managers in the report; want %d", len(r.Managers), len(truth.Managers))
			}
			for i, want := range truth.Managers {
				got := r.Managers[i]
				if got.Manager != string(want.Manager) {
					t.Errorf("manager %d = %s; want %s", i, got.Manager, want.Manager)
					continue
				}
				if *got.AfterHoursMessages != want.AfterHoursMessages || *got.Requests != want.Requests || *got.SlowRequests != want.SlowRequests {
					t.Errorf("%s (%s): after-hours/requests/slow = %d/%d/%d; truth %d/%d/%d", want.Manager, want.Habit,
						*got.AfterHoursMessages, *got.Requests, *got.SlowRequests, want.AfterHoursMessages, want.Requests, want.SlowRequests)
				}
				med, ok := want.MedianReplyMinutes()
				switch {
				case ok != (got.MedianReply != nil):
					t.Errorf("%s: median = %v; truth has one: %v", want.Manager, got.MedianReply, ok)
				case ok && math.Abs(*got.MedianReply-med) > 0.05:
					t.Errorf("%s: median reply = %v working minutes; truth %v", want.Manager, *got.MedianReply, med)
				}
			}
			html := filepath.Join(dir, "report.html")
			_, stderr2, err := runCmd(t, "replay", path, "--teams", teams, "--format", "html", "--out", html)
			if err != nil {
				t.Fatal(err)
			}
			page, err := os.ReadFile(html)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(page, []byte("<svg")) {
				t.Errorf("the html report has no chart")
			}
			for name, s := range map[string]string{"json": out, "stderr": stderr + stderr2, "html": string(page)} {
				if strings.Contains(s, canary) {
					t.Errorf("message text (the canary) reached the %s output", name)
				}
			}
		})
	}
}

func TestReplay_BadInput(t *testing.T) {
	needRealExport(t)
	teams := writeFile(t, "teams.csv", "manager,member\nhamza,abilinski\n")
	badTeams := writeFile(t, "bad.csv", "manager,member\nhamza,abilinski\nhamza\nhamza,nobody\n")
	data, err := os.ReadFile(realExport)
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, "cut.zip", string(data[:len(data)/2]))
	noUsers := t.TempDir()
	if err := os.WriteFile(filepath.Join(noUsers, "channels.json"), []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no export", []string{"replay", "--teams", teams}, 2, []string{"needs the export"}},
		{"no team map", []string{"replay", realExport}, 2, []string{"needs --teams FILE", "manager,member"}},
		{"two exports", []string{"replay", realExport, realExport, "--teams", teams}, 2, []string{"one export"}},
		{"unknown format", []string{"replay", realExport, "--teams", teams, "--format", "xml"}, 2, []string{"text, json or html"}},
		{"unknown flag", []string{"replay", realExport, "--teams", teams, "--color"}, 2, []string{"-color"}},
		{"bad date", []string{"replay", realExport, "--teams", teams, "--from", "March 3"}, 2, []string{"--from", "YYYY-MM-DD"}},
		{"dates the wrong way round", []string{"replay", realExport, "--teams", teams, "--from", "2016-03-01", "--to", "2016-02-01"}, 2, []string{"--from must not be after --to"}},
		{"bad hours", []string{"replay", realExport, "--teams", teams, "--hours", "Mon-Fri 25:00-26:00"}, 2, []string{"--hours"}},
		{"bad zone", []string{"replay", realExport, "--teams", teams, "--tz", "Mars/Olympus"}, 2, []string{"--tz", "Mars/Olympus"}},
		{"missing export", []string{"replay", filepath.Join(t.TempDir(), "nope.zip"), "--teams", teams}, 1, []string{"nope.zip"}},
		{"truncated zip", []string{"replay", truncated, "--teams", teams}, 1, []string{"cut.zip"}},
		{"no users.json", []string{"replay", noUsers, "--teams", teams}, 1, []string{"users.json"}},
		{"missing team map", []string{"replay", realExport, "--teams", filepath.Join(t.TempDir(), "none.csv")}, 1, []string{"none.csv"}},
		{"bad team map rows", []string{"replay", realExport, "--teams", badTeams}, 1, []string{"bad.csv", "line 3", "line 4", `"nobody"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, tt.args...)
			if code := exitCode(err); code != tt.code {
				t.Fatalf("exit %d (err %v); want %d", code, err, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if out != "" {
				t.Errorf("a failed replay printed a report: %q", out)
			}
		})
	}
}

func TestReplay_HelpAndRange(t *testing.T) {
	needRealExport(t)
	out, _, err := runCmd(t, "replay", "--help")
	if err != nil || !strings.Contains(out, "--teams FILE") {
		t.Errorf("replay --help = %q, %v; want the usage", out, err)
	}
	teams := writeFile(t, "teams.csv", "manager,member\nhamza,abilinski\n")
	out, _, err = runCmd(t, "replay", realExport, "--teams", teams, "--format", "json", "--from", "2016-03-25", "--to", "2016-03-26")
	if err != nil {
		t.Fatal(err)
	}
	r := decodeReplay(t, out)
	// 29 of the 158 messages have a ts on 25 or 26 March 2016, UTC
	// (counted with jq over every day file).
	if *r.MessagesRead != 29 {
		t.Errorf("messages_read in 25–26 March = %d; want 29", *r.MessagesRead)
	}
}

package export

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// realZip is a small real export from the slack-export-viewer project.
const realZip = "../../../shared/data/slack-export-viewer-testarchive.zip"

func needRealZip(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realZip); errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent", realZip)
	}
}

// warnings records what Open and Messages warn about.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) warn(file string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, file+": "+err.Error())
}

func (w *warnings) find(file, substr string) bool {
	for _, s := range w.list {
		if strings.HasPrefix(s, file+": ") && strings.Contains(s, substr) {
			return true
		}
	}
	return false
}

// open opens path with warnings recorded, and closes it with the test.
func open(t *testing.T, path string, opts Options) (*Export, *warnings) {
	t.Helper()
	w := &warnings{}
	opts.Warn = w.warn
	x, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return x, w
}

// collect returns every message, copied.
func collect(t *testing.T, x *Export) []Message {
	t.Helper()
	var out []Message
	if err := x.Messages(context.Background(), func(m *Message) error {
		out = append(out, *m)
		return nil
	}); err != nil {
		t.Fatalf("Messages() = %v", err)
	}
	return out
}

func checkOrdered(t *testing.T, ms []Message) {
	t.Helper()
	for i := 1; i < len(ms); i++ {
		a, b := ms[i-1], ms[i]
		if a.Time().After(b.Time()) || a.Time().Equal(b.Time()) && a.Channel > b.Channel {
			t.Fatalf("message %d (%s in %s) comes after %d (%s in %s)", i, b.TS, b.Channel, i-1, a.TS, a.Channel)
		}
	}
}

// unzip extracts a zip archive into a new folder.
func unzip(t testing.TB, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	fs := files{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		fs[f.Name] = string(b)
	}
	return writeDir(t, fs)
}

func TestOpen_RealArchive(t *testing.T) {
	needRealZip(t)
	x, w := open(t, realZip, Options{})
	if got := x.Team(); got != "T0BMHLSRH" {
		t.Errorf("Team() = %q; want T0BMHLSRH", got)
	}
	users := x.Users()
	if len(users) != 4 {
		t.Fatalf("Users() has %d users; want 4", len(users))
	}
	for _, u := range users {
		if u.TZ != "America/Los_Angeles" || u.Team != "T0BMHLSRH" || u.IsBot || u.Deleted || u.Name == "" {
			t.Errorf("user %+v; want a person of T0BMHLSRH in America/Los_Angeles with a name", u)
		}
	}
	convs := x.Conversations()
	want := []Conversation{
		{ID: "C0JGLMMNX", Name: "enrique", Kind: activity.KindPublic, Members: []activity.UserID{"U0BMM2FEH", "U0BMQB6JE", "U0BMS113R", "U0BMYT2FL"}},
		{ID: "C0JL6CGQ2", Name: "traveling-sailor", Kind: activity.KindPublic, Members: []activity.UserID{"U0BMM2FEH", "U0BMQB6JE", "U0BMS113R", "U0BMYT2FL"}},
	}
	if !reflect.DeepEqual(convs, want) {
		t.Errorf("Conversations() = %+v; want %+v", convs, want)
	}
	if got := x.DayFiles(); got != 17 {
		t.Errorf("DayFiles() = %d; want 17", got)
	}

	ms := collect(t, x)
	var bots, system, mentioning, reacted int
	for _, m := range ms {
		if m.IsBot {
			bots++
		}
		if m.System {
			system++
		}
		if len(m.Mentions) > 0 {
			mentioning++
		}
		if len(m.Reactors) > 0 {
			reacted++
		}
		if m.Team != "T0BMHLSRH" || m.Kind != activity.KindPublic || !m.TS.Valid() {
			t.Errorf("message %+v; want team T0BMHLSRH, a public channel and a valid ts", m)
		}
	}
	// Counted by hand with a Python script over the archive.
	if len(ms) != 158 || bots != 97 || system != 12 || mentioning != 17 || reacted != 1 {
		t.Errorf("Messages() = %d messages, %d bots, %d system, %d mentioning, %d with reactions; want 158, 97, 12, 17, 1",
			len(ms), bots, system, mentioning, reacted)
	}
	checkOrdered(t, ms)
	if len(w.list) != 0 {
		t.Errorf("warnings %q; want none", w.list)
	}
}

// TestMessages_NoTextSurvives scans everything the reader returns, and
// everything it warns, for text of the real archive and of a synthetic
// export that has canaries in every text-bearing field.
func TestMessages_NoTextSurvives(t *testing.T) {
	fs := baseFiles()
	fs["channels.json"] = pretty([]map[string]any{{"id": "C1", "name": "general", "members": []string{"U1"},
		"topic": map[string]any{"value": "CANARY-topic"}, "purpose": map[string]any{"value": "CANARY-purpose"}}})
	fs["general/2025-03-01.json"] = pretty([]map[string]any{{
		"type": "message", "user": "U1", "ts": "1740830000.000100", "text": "CANARY-text <@U2|CANARY-name>",
		"blocks":       []any{map[string]any{"type": "rich_text", "elements": []any{map[string]any{"type": "text", "text": "CANARY-block"}}}},
		"attachments":  []any{map[string]any{"fallback": "CANARY-attachment"}},
		"files":        []any{map[string]any{"name": "CANARY-file.pdf"}},
		"reactions":    []any{map[string]any{"name": "CANARY-emoji", "users": []string{"U2"}}},
		"user_profile": map[string]any{"real_name": "CANARY-realname"}, "edited": map[string]any{"user": "U1"},
	}, {"type": "message", "user": 7, "ts": "1740830001.000100", "text": "CANARY-wrong-shape"}})
	fs["general/2025-03-02.json"] = `[{"type":"message","text":"CANARY-bad-json`
	canaries := []string{"CANARY"}
	paths := []string{writeDir(t, fs)}
	if _, err := os.Stat(realZip); err == nil {
		paths = append(paths, realZip)
		canaries = append(canaries, "setup.py", "install dependencies", "Harry Potter", "Energy 31672", "uploaded a file", "has joined")
	}
	for _, p := range paths {
		x, w := open(t, p, Options{})
		var b strings.Builder
		fmt.Fprintf(&b, "%+v %+v %+v %v", x.Users(), x.Conversations(), x.Team(), w.list)
		n := 0
		if err := x.Messages(context.Background(), func(m *Message) error {
			n++
			fmt.Fprintf(&b, "%+v %#v\n", *m, *m)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v", w.list)
		if n == 0 {
			t.Fatalf("%s: no messages read", p)
		}
		for _, c := range canaries {
			if i := strings.Index(b.String(), c); i >= 0 {
				t.Errorf("%s: text %q survived: …%s…", p, c, b.String()[max(0, i-80):min(b.Len(), i+80)])
			}
		}
	}
}

func TestOpen_FolderAndZipAgree(t *testing.T) {
	check := func(t *testing.T, zipPath, dir string) {
		xz, wz := open(t, zipPath, Options{})
		xd, wd := open(t, dir, Options{})
		if !reflect.DeepEqual(xz.Users(), xd.Users()) || !reflect.DeepEqual(xz.Conversations(), xd.Conversations()) || xz.Team() != xd.Team() || xz.DayFiles() != xd.DayFiles() {
			t.Errorf("zip and folder list different users, conversations, team or day files")
		}
		mz, md := collect(t, xz), collect(t, xd)
		if len(mz) == 0 || !reflect.DeepEqual(mz, md) {
			t.Errorf("zip gave %d messages, folder %d, or they differ", len(mz), len(md))
		}
		if !reflect.DeepEqual(wz.list, wd.list) {
			t.Errorf("zip warned %q; folder %q", wz.list, wd.list)
		}
	}
	t.Run("real", func(t *testing.T) {
		needRealZip(t)
		check(t, realZip, unzip(t, realZip))
	})
	t.Run("generated", func(t *testing.T) {
		fs, _ := bigExport(3, 4, 40)
		fs["junk.txt"] = "x"
		fs["chan-01/2025-03-02.json"] = "[{]"
		check(t, writeZip(t, fs), writeDir(t, fs))
	})
}

// msg is a message object for hand-made day files.
type msg map[string]any

func day(ms ...msg) string { return pretty(ms) }

// ts makes a Slack ts for t plus micros.
func ts(t time.Time, micros int) string { return fmt.Sprintf("%d.%06d", t.Unix(), micros) }

func TestMessages_Metadata(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	t1, t2, t3, t4, t5, t6, t7, t8, t9 := ts(at, 1), ts(at, 2), ts(at, 3), ts(at, 4), ts(at, 5), ts(at, 6), ts(at, 7), ts(at, 8), ts(at, 9)
	fs := baseFiles()
	fs["general/2025-03-01.json"] = day(
		msg{"type": "message", "user": "U1", "ts": t1, "text": "plain", "thread_ts": t1, "reply_count": 2},
		msg{"type": "message", "user": "U2", "ts": t2, "text": "hi <@U1|ann> and <@U3> and <@U1>", "thread_ts": t1, "parent_user_id": "U1"},
		msg{"type": "message", "subtype": "thread_broadcast", "user": "U2", "ts": t3, "thread_ts": t1, "parent_user_id": "U1", "text": "also <@W9>"},
		msg{"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": t4, "text": "<@U2> build"},
		msg{"type": "message", "subtype": "channel_join", "user": "U3", "ts": t5, "text": "<@U3> has joined"},
		msg{"type": "message", "user": "U1", "ts": t6, "reactions": []any{
			msg{"name": "+1", "users": []string{"U2", "U3"}, "count": 2},
			msg{"name": "tada", "users": []string{"U3", "U4", "U2"}, "count": 3},
		}},
		msg{"type": "message", "subtype": "me_message", "user": "U1", "ts": t7, "team": "T2"},
		msg{"type": "message", "subtype": "file_share", "user": "U4", "bot_id": "B2", "ts": t8},
		msg{"type": "message", "subtype": "channel_topic", "ts": t9, "text": "set the topic"},
	)
	// Exports may keep mentions escaped as \u003c…\u003e; write that by hand.
	t10 := ts(at, 10)
	fs["general/2025-03-01.json"] = strings.TrimSuffix(strings.TrimSpace(fs["general/2025-03-01.json"]), "]") +
		`, {"type": "message", "user": "U1", "ts": "` + t10 + `", "text": "\u003c@U2\u003e \"q\" \u003c@U4|d\u00e9j\u00e0\u003e"}]`

	x, w := open(t, writeDir(t, fs), Options{})
	got := collect(t, x)
	o := func(user string, tsv, thread, parent string, mentions ...activity.UserID) activity.Observation {
		return activity.Observation{Team: "T1", Channel: "C1", Kind: activity.KindPublic, User: activity.UserID(user),
			TS: activity.TS(tsv), ThreadTS: activity.TS(thread), ParentUser: activity.UserID(parent), Mentions: mentions}
	}
	bot := func(ob activity.Observation) activity.Observation { ob.IsBot = true; return ob }
	team2 := o("U1", t7, "", "")
	team2.Team = "T2"
	want := []Message{
		{Observation: o("U1", t1, t1, "")},
		{Observation: o("U2", t2, t1, "U1", "U1", "U3")},
		{Observation: o("U2", t3, t1, "U1", "W9")},
		{Observation: bot(o("", t4, "", "", "U2"))},
		{Observation: o("U3", t5, "", ""), System: true},
		{Observation: o("U1", t6, "", ""), Reactors: []activity.UserID{"U2", "U3", "U4"}},
		{Observation: team2},
		{Observation: bot(o("U4", t8, "", ""))},
		{Observation: o("", t9, "", ""), System: true},
		{Observation: o("U1", t10, "", "", "U2", "U4")},
	}
	if len(got) != len(want) {
		t.Fatalf("Messages() delivered %d; want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("message %d = %+v\n want %+v", i, got[i], want[i])
		}
	}
	if len(w.list) != 0 {
		t.Errorf("warnings %q; want none", w.list)
	}
}

// TestMessages_OrderAcrossDays: day files are split in the exporter's zone,
// unknown to us. Messages must come out in time order all the same.
func TestMessages_OrderAcrossDays(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	ny := time.FixedZone("EST", -5*3600)
	fs := baseFiles()
	fs["channels.json"] = pretty([]map[string]any{
		{"id": "C1", "name": "general", "members": []string{"U1"}},
		{"id": "C2", "name": "random", "members": []string{"U1"}},
	})
	// Split in Tokyo: the 2025-03-02 file starts at 15:00 UTC on 03-01.
	fs["general/2025-03-01.json"] = day(
		msg{"type": "message", "user": "U1", "ts": ts(time.Date(2025, 3, 1, 9, 0, 0, 0, tokyo), 0)},
		msg{"type": "message", "user": "U1", "ts": ts(time.Date(2025, 3, 1, 23, 30, 0, 0, tokyo), 0)}, // 14:30 UTC
	)
	fs["general/2025-03-02.json"] = day(
		msg{"type": "message", "user": "U1", "ts": ts(time.Date(2025, 3, 2, 0, 10, 0, 0, tokyo), 0)}, // 15:10 UTC 03-01
		msg{"type": "message", "user": "U1", "ts": ts(time.Date(2025, 3, 2, 8, 30, 0, 0, tokyo), 0)}, // 23:30 UTC 03-01
	)
	// A hand-made channel split in New York: its 03-01 file runs to 05:00
	// UTC on 03-02, past the start of general's 03-02 file.
	fs["random/2025-03-01.json"] = day(
		msg{"type": "message", "user": "U2", "ts": ts(time.Date(2025, 3, 1, 9, 50, 0, 0, ny), 0)},  // 14:50 UTC
		msg{"type": "message", "user": "U2", "ts": ts(time.Date(2025, 3, 1, 23, 50, 0, 0, ny), 0)}, // 04:50 UTC 03-02
	)
	fs["random/2025-03-02.json"] = day(
		msg{"type": "message", "user": "U2", "ts": ts(time.Date(2025, 3, 2, 0, 10, 0, 0, ny), 0)}, // 05:10 UTC
	)
	// Same instant in both channels: C1 first.
	same := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)
	fs["random/2025-03-03.json"] = day(msg{"type": "message", "user": "U2", "ts": ts(same, 0)})
	fs["general/2025-03-03.json"] = day(msg{"type": "message", "user": "U1", "ts": ts(same, 0)})
	// A file three days out of place: its message comes too late.
	fs["random/2025-03-05.json"] = day(msg{"type": "message", "user": "U2", "ts": ts(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 0)})

	for _, workers := range []int{1, 3} {
		x, w := open(t, writeDir(t, fs), Options{Workers: workers})
		got := collect(t, x)
		var seq []string
		for _, m := range got {
			seq = append(seq, m.Time().Format("02T15:04")+"/"+string(m.Channel))
		}
		want := []string{"01T00:00/C1", "01T14:30/C1", "01T14:50/C2", "01T15:10/C1", "01T23:30/C1", "02T04:50/C2", "02T05:10/C2", "03T12:00/C1", "03T12:00/C2"}
		if !slices.Equal(seq, want) {
			t.Errorf("workers %d: order %v; want %v", workers, seq, want)
		}
		if !w.find("random/2025-03-05.json", "1 messages lie before") {
			t.Errorf("warnings %q; want one about random/2025-03-05.json out of place", w.list)
		}
	}
}

func TestMessages_FromTo(t *testing.T) {
	fs := baseFiles()
	var all []time.Time
	for d := 1; d <= 20; d++ {
		date := time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC)
		var ms []msg
		for h := 0; h < 24; h += 6 {
			at := date.Add(time.Duration(h) * time.Hour)
			all = append(all, at)
			ms = append(ms, msg{"type": "message", "user": "U1", "ts": ts(at, 0)})
		}
		fs["general/"+date.Format("2006-01-02")+".json"] = day(ms...)
	}
	dir := writeDir(t, fs)
	tests := []struct {
		from, to time.Time
		files    int
	}{
		{time.Time{}, time.Time{}, 20},
		{time.Date(2025, 3, 5, 6, 0, 0, 0, time.UTC), time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC), 6}, // days 4…9
		{time.Date(2025, 3, 19, 0, 0, 0, 0, time.UTC), time.Time{}, 3},
		{time.Time{}, time.Date(2025, 3, 2, 0, 0, 0, 1, time.UTC), 3},
		{time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Time{}, 0},
	}
	for _, tt := range tests {
		x, _ := open(t, dir, Options{From: tt.from, To: tt.to})
		if got := x.DayFiles(); got != tt.files {
			t.Errorf("From %v To %v: DayFiles() = %d; want %d", tt.from, tt.to, got, tt.files)
		}
		var want []time.Time
		for _, at := range all {
			if (tt.from.IsZero() || !at.Before(tt.from)) && (tt.to.IsZero() || at.Before(tt.to)) {
				want = append(want, at)
			}
		}
		var got []time.Time
		for _, m := range collect(t, x) {
			got = append(got, m.Time())
		}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("From %v To %v: delivered %v; want %v", tt.from, tt.to, got, want)
		}
	}
}

func TestOpen_Errors(t *testing.T) {
	needRealZip(t)
	real, err := os.ReadFile(realZip)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	half := filepath.Join(tmp, "half.zip")
	os.WriteFile(half, real[:len(real)/2], 0o644)
	notZip := filepath.Join(tmp, "notes.txt")
	os.WriteFile(notZip, []byte("hello"), 0o644)

	noUsers := baseFiles()
	delete(noUsers, "users.json")
	badUsers := baseFiles()
	badUsers["users.json"] = "[\n  {\"id\": \"U1\"},\n  {\"id\": \"U2\" \"name\": \"x\"}\n]"
	badChannels := baseFiles()
	badChannels["channels.json"] = `{"id": "C1"}`
	truncUsers := baseFiles()
	truncUsers["users.json"] = `[{"id": "U1"}`

	tests := []struct {
		name, path string
		opts       Options
		file, msg  string
	}{
		{"missing users.json", writeDir(t, noUsers), Options{}, "users.json", "missing"},
		{"missing users.json in zip", writeZip(t, noUsers), Options{}, "users.json", "missing"},
		{"users.json bad JSON", writeDir(t, badUsers), Options{}, "users.json", "(line 3): syntax error"},
		{"users.json truncated", writeZip(t, truncUsers), Options{}, "users.json", "unexpected end of input"},
		{"channels.json not an array", writeDir(t, badChannels), Options{}, "channels.json", "not a JSON array"},
		{"users.json too large", writeDir(t, baseFiles()), Options{maxFile: 100}, "users.json", "larger than"},
		{"truncated zip", half, Options{}, half, "not a zip archive, or a truncated one"},
		{"not a zip", notZip, Options{}, notZip, "not a zip archive"},
		{"no such path", filepath.Join(tmp, "nope.zip"), Options{}, filepath.Join(tmp, "nope.zip"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := Open(tt.path, tt.opts)
			if err == nil {
				x.Close()
				t.Fatalf("Open() succeeded; want an error")
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != tt.file || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "export: "+tt.file+": ") {
				t.Errorf("Open() = %v (%T); want a *FileError naming %s saying %q", err, err, tt.file, tt.msg)
			}
		})
	}
}

func TestMessages_SkipsWhatItCannotRead(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	good := func(micros int) msg { return msg{"type": "message", "user": "U1", "ts": ts(at, micros)} }
	fs := baseFiles()
	fs["general/2025-03-01.json"] = day(good(1),
		msg{"type": "message", "user": "U1", "ts": 123, "text": "SECRET"},
		msg{"type": "message", "user": "U1", "ts": 124},
		msg{"type": "message", "user": "U1"},
		msg{"type": "message", "text": "no user", "ts": ts(at, 2)},
		msg{"type": "message", "user": "U1", "ts": ts(at, 3), "thread_ts": "nope"},
		msg{"type": "reaction_added", "user": "U1", "ts": ts(at, 4)},
		good(5))
	fs["general/2025-03-02.json"] = `[{"type": "message", "user": "U1", "ts": "1740909600.000001", "text": "SECRET` // truncated
	fs["general/2025-03-03.json"] = `{"type": "message", "user": "U1", "ts": "1740996000.000001"}`
	fs["general/2025-03-04.json"] = `[{"type": "message", "user": "U1", "ts": "1741082400.000001", "x": ` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}]`
	fs["general/2025-03-05.json"] = day(good(6)) + strings.Repeat(" ", 6000)
	fs["general/2025-03-06.json"] = `[1, 2]`
	fs["general/notes.txt"] = "x"
	fs["D0123ABC/2025-03-01.json"] = day(good(7))
	fs["strange-folder/2025-03-01.json"] = day(good(8))
	fs["integration_logs.json"] = "[]"
	fs["whatever.json"] = "[]"
	fs["huddle/transcript.txt"] = "SECRET"

	x, w := open(t, writeDir(t, fs), Options{maxFile: 5000})
	got := collect(t, x)
	var seq []string
	for _, m := range got {
		seq = append(seq, string(m.Channel)+"@"+string(m.TS[len(m.TS)-1:]))
	}
	want := []string{"C1@1", "C1@5", "D0123ABC@7", "strange-folder@8"}
	if !slices.Equal(seq, want) {
		t.Errorf("delivered %v; want %v", seq, want)
	}
	for _, tt := range []struct{ file, msg string }{
		{"general/2025-03-01.json", `2 message objects skipped: field "ts" has the wrong type (the first is element 1)`},
		{"general/2025-03-01.json", "1 message objects skipped: message without a valid ts (the first is element 3)"},
		{"general/2025-03-01.json", "1 message objects skipped: message without a valid user (the first is element 4)"},
		{"general/2025-03-01.json", "invalid thread_ts"},
		{"general/2025-03-01.json", "object is not a message"},
		{"general/2025-03-02.json", "unterminated string at byte"},
		{"general/2025-03-03.json", "not a JSON array"},
		{"general/2025-03-04.json", "nested deeper than 512 levels"},
		{"general/2025-03-05.json", "larger than 5000 bytes; skipped"},
		{"general/2025-03-06.json", "array element is not an object at byte 1"},
		{"general/", "1 files or folders that are not day files"},
		{"D0123ABC/", "conversation not listed"},
		{"strange-folder/", "conversation not listed"},
		{"whatever.json", "unknown file; skipped"},
		{"huddle/", "not day files"},
	} {
		if !w.find(tt.file, tt.msg) {
			t.Errorf("no warning about %s saying %q; got %q", tt.file, tt.msg, w.list)
		}
	}
	if w.find("integration_logs.json", "") {
		t.Errorf("warned about integration_logs.json, a known file")
	}
	for _, s := range w.list {
		if strings.Contains(s, "SECRET") {
			t.Errorf("warning %q quotes text", s)
		}
	}
	convs := x.Conversations()
	if len(convs) != 3 || convs[1].ID != "D0123ABC" || convs[1].Kind != activity.KindIM || convs[2].Kind != activity.KindUnknown || convs[1].Members != nil {
		t.Errorf("Conversations() = %+v; want general, then D0123ABC (a DM) and strange-folder (unknown), unlisted, without members", convs)
	}
}

func TestOpen_ZipWithEnclosingFolder(t *testing.T) {
	fs := files{}
	for name, c := range baseFiles() {
		fs["My Export/"+name] = c
	}
	fs["My Export/general/2025-03-01.json"] = day(msg{"type": "message", "user": "U1", "ts": "1740830000.000100"})
	fs["__MACOSX/My Export/._users.json"] = "junk"
	x, w := open(t, writeZip(t, fs), Options{})
	if ms := collect(t, x); len(ms) != 1 || len(x.Users()) != 4 || len(w.list) != 0 {
		t.Errorf("got %d messages, %d users, warnings %q; want 1, 4, none", len(ms), len(x.Users()), w.list)
	}
}

func TestOpen_ListsAndTeam(t *testing.T) {
	fs := baseFiles()
	fs["users.json"] = pretty([]map[string]any{
		{"id": "U1", "name": "ann", "team_id": "T2"},
		{"id": "U2", "name": "bob", "team_id": "T1"},
		{"id": "U3", "name": "cy", "team_id": "T2", "tz": "Asia/Tokyo"},
		{"id": "U3", "name": "dup"},
		{"id": "bad"},
		{"id": "U5", "deleted": "yes"},
		{"id": "U6", "name": "bot", "is_bot": true},
	})
	fs["groups.json"] = pretty([]map[string]any{{"id": "G1", "name": "secret", "members": []string{"U1", "nope"}}})
	fs["dms.json"] = pretty([]map[string]any{{"id": "D1", "members": []string{"U1", "U2"}}})
	fs["mpims.json"] = pretty([]map[string]any{{"id": "G2", "name": "mpdm-ann--bob--cy-1", "members": []string{"U1", "U2", "U3"}}})
	fs["secret/2025-03-01.json"] = day(msg{"type": "message", "user": "U1", "ts": "1740830000.000100"})
	fs["D1/2025-03-01.json"] = day(msg{"type": "message", "user": "U2", "ts": "1740830000.000200"})
	fs["mpdm-ann--bob--cy-1/2025-03-01.json"] = day(msg{"type": "message", "user": "U3", "ts": "1740830000.000300"})
	x, w := open(t, writeDir(t, fs), Options{})
	if x.Team() != "T2" {
		t.Errorf("Team() = %q; want T2, the team most users share", x.Team())
	}
	wantUsers := []User{
		{ID: "U1", Name: "ann", Team: "T2"}, {ID: "U2", Name: "bob", Team: "T1"},
		{ID: "U3", Name: "cy", Team: "T2", TZ: "Asia/Tokyo"}, {ID: "U6", Name: "bot", IsBot: true},
	}
	if got := x.Users(); !reflect.DeepEqual(got, wantUsers) {
		t.Errorf("Users() = %+v; want %+v", got, wantUsers)
	}
	kinds := map[activity.ChannelID]activity.ChannelKind{}
	for _, m := range collect(t, x) {
		kinds[m.Channel] = m.Kind
	}
	want := map[activity.ChannelID]activity.ChannelKind{"G1": activity.KindPrivate, "D1": activity.KindIM, "G2": activity.KindGroupIM}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("message kinds %v; want %v", kinds, want)
	}
	for _, tt := range []struct{ file, msg string }{
		{"users.json", `entry 5 skipped: field "deleted" has the wrong type`},
		{"users.json", "2 users without a valid, distinct id"},
		{"groups.json", "1 members that are not user IDs"},
	} {
		if !w.find(tt.file, tt.msg) {
			t.Errorf("no warning about %s saying %q; got %q", tt.file, tt.msg, w.list)
		}
	}
}

func TestMessages_StopsOnCancelAndOnError(t *testing.T) {
	fs, n := bigExport(4, 10, 60)
	x, _ := open(t, writeDir(t, fs), Options{})

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := x.Messages(ctx, func(*Message) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("Messages() with ctx cancelled in fn = %v after %d calls; want context.Canceled after 1", err, calls)
	}
	if err := x.Messages(ctx, func(*Message) error { t.Fatal("fn called"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Messages() with a cancelled ctx = %v; want context.Canceled", err)
	}

	stop := errors.New("stop")
	calls = 0
	err = x.Messages(context.Background(), func(*Message) error {
		if calls++; calls == 100 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 100 {
		t.Errorf("Messages() = %v after %d calls; want fn's own error after 100", err, calls)
	}

	// Still whole after being stopped twice.
	if got := len(collect(t, x)); got != n {
		t.Errorf("Messages() after stops delivered %d; want %d", got, n)
	}
}

func TestMessages_Deterministic(t *testing.T) {
	fs, _ := bigExport(6, 5, 80)
	dir := writeDir(t, fs)
	var first []Message
	for _, workers := range []int{1, 2, 7} {
		x, _ := open(t, dir, Options{Workers: workers})
		got := collect(t, x)
		checkOrdered(t, got)
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Errorf("workers %d: messages differ from workers 1", workers)
		}
	}
}

// TestMessages_MemoryDoesNotGrowWithDays reads exports of 8 and of 48 days
// of the same daily volume: the live heap while delivering must not grow
// with the number of days.
func TestMessages_MemoryDoesNotGrowWithDays(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	peak := func(days int) uint64 {
		fs, _ := bigExport(3, days, 150)
		dir := writeDir(t, fs)
		fs = nil
		x, _ := open(t, dir, Options{Workers: 2})
		var most uint64
		var ms runtime.MemStats
		n := 0
		if err := x.Messages(context.Background(), func(*Message) error {
			if n++; n%1000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				most = max(most, ms.HeapAlloc)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return most
	}
	short, long := peak(8), peak(48)
	t.Logf("peak live heap: 8 days %d KiB, 48 days %d KiB", short>>10, long>>10)
	if long > short*3/2 {
		t.Errorf("live heap while reading 48 days is %d KiB, 8 days %d KiB; want about the same", long>>10, short>>10)
	}
}

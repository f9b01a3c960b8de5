package synth

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

const testCanary = "CANARY-7f3a9c"

// files reads every file under dir (or in the zip at dir) by its
// slash-separated name.
func files(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		zr, err := zip.OpenReader(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			out[f.Name] = b
		}
		return out
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t testing.TB, cfg Config) (string, Truth) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if cfg.Zip {
		dir += ".zip"
	}
	truth, err := Write(dir, cfg)
	if err != nil {
		t.Fatalf("Write(%+v) = %v", cfg, err)
	}
	return dir, truth
}

func TestWrite_SameSeedSameBytes(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 7, Messages: 3000, Canary: testCanary}
	dirA, truthA := write(t, cfg)
	dirB, truthB := write(t, cfg)
	a, b := files(t, dirA), files(t, dirB)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Fatalf("same seed: %s differs", name)
		}
	}
	ja, _ := json.Marshal(truthA)
	jb, _ := json.Marshal(truthB)
	if !bytes.Equal(ja, jb) {
		t.Errorf("same seed: truths differ:\n%s\n%s", ja, jb)
	}

	cfg.Seed = 8
	dirC, _ := write(t, cfg)
	c := files(t, dirC)
	if bytes.Equal(a["users.json"], c["users.json"]) {
		t.Errorf("seeds 7 and 8 wrote the same users.json")
	}
}

func TestWrite_ZipHoldsTheSameFiles(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 3, Messages: 2500, Canary: testCanary}
	dir, truthDir := write(t, cfg)
	cfg.Zip = true
	zipName, truthZip := write(t, cfg)
	a, b := files(t, dir), files(t, zipName)
	if len(a) != len(b) {
		t.Fatalf("folder has %d files, zip %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("zip's %s differs from the folder's", name)
		}
	}
	if truthDir.Messages != truthZip.Messages {
		t.Errorf("truth differs: %d and %d messages", truthDir.Messages, truthZip.Messages)
	}
	// Every folder has its entry before its first file, as in Slack's zips.
	zr, err := zip.OpenReader(zipName)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	seen := map[string]bool{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			seen[strings.TrimSuffix(f.Name, "/")] = true
		} else if d := path.Dir(f.Name); d != "." && !seen[d] {
			t.Fatalf("zip: %s comes before its folder entry", f.Name)
		}
	}
}

func TestWrite_MessageCountWithinOnePercent(t *testing.T) {
	t.Parallel()
	sizes := []int{1000, 10_000, 50_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		dir, truth := write(t, Config{Seed: int64(n), Messages: n})
		got := 0
		for name, data := range files(t, dir) {
			if !strings.Contains(name, "/") {
				continue
			}
			if n > 10_000 {
				// Compact day files hold one message a line; decoding
				// them all is slow under the race detector.
				got += bytes.Count(data, []byte("\n{"))
				continue
			}
			var ms []json.RawMessage
			if err := json.Unmarshal(data, &ms); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got += len(ms)
		}
		if got != truth.Messages {
			t.Errorf("Messages %d: files hold %d messages; truth says %d", n, got, truth.Messages)
		}
		if math.Abs(float64(got-n)) > 0.01*float64(n) {
			t.Errorf("Messages %d: wrote %d; want within 1%%", n, got)
		}
	}
}

func TestWrite_Errors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		cfg  Config
	}{
		{"no messages", filepath.Join(dir, "a"), Config{}},
		{"negative days", filepath.Join(dir, "b"), Config{Messages: 10, Days: -1}},
		{"canary that reads as a mention", filepath.Join(dir, "c"), Config{Messages: 10, Canary: "<@U123>"}},
		{"folder not empty", dir, Config{Messages: 10}},
	}
	for _, tt := range tests {
		if _, err := Write(tt.path, tt.cfg); err == nil {
			t.Errorf("%s: Write succeeded; want an error", tt.name)
		}
	}
}

// --- reading an export back ---

type xUser struct {
	ID      string  `json:"id"`
	TeamID  string  `json:"team_id"`
	Name    string  `json:"name"`
	Deleted bool    `json:"deleted"`
	TZ      *string `json:"tz"`
	IsBot   bool    `json:"is_bot"`
	Profile struct {
		RealName string `json:"real_name"`
	} `json:"profile"`
}

type xConv struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Created    int64    `json:"created"`
	Creator    string   `json:"creator"`
	IsArchived bool     `json:"is_archived"`
	IsGeneral  bool     `json:"is_general"`
	Members    []string `json:"members"`
}

type xMsg struct {
	Type         string `json:"type"`
	Subtype      string `json:"subtype"`
	User         string `json:"user"`
	Text         string `json:"text"`
	TS           string `json:"ts"`
	ThreadTS     string `json:"thread_ts"`
	ParentUserID string `json:"parent_user_id"`
	BotID        string `json:"bot_id"`
	ClientMsgID  string `json:"client_msg_id"`
	Team         string `json:"team"`
	ReplyCount   int    `json:"reply_count"`
	Replies      []struct {
		User string `json:"user"`
		TS   string `json:"ts"`
	} `json:"replies"`
	Reactions []struct {
		Name  string   `json:"name"`
		Users []string `json:"users"`
		Count int      `json:"count"`
	} `json:"reactions"`
	Blocks []struct {
		Type string `json:"type"`
	} `json:"blocks"`
	Edited      *struct{ User, TS string } `json:"edited"`
	UserProfile *struct {
		Name string `json:"name"`
	} `json:"user_profile"`
	Root *struct {
		Text string `json:"text"`
		User string `json:"user"`
	} `json:"root"`
	Attachments []json.RawMessage `json:"attachments"`
	Files       []json.RawMessage `json:"files"`
}

func (m *xMsg) human() bool {
	return m.BotID == "" && (m.Subtype == "" || m.Subtype == "file_share" || m.Subtype == "thread_broadcast")
}

type export struct {
	users   []xUser
	userIdx map[string]int
	convs   []xConv // channels, groups, dms, mpims
	folder  map[string]int
	msgs    map[string][]xMsg // per folder, in file order (day by day)
}

func tsMicros(t testing.TB, ts string) int64 {
	t.Helper()
	if !activity.TS(ts).Valid() {
		t.Fatalf("ts %q is not a Slack timestamp", ts)
	}
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	if len(frac) != 6 {
		t.Fatalf("ts %q: want 6 digits of microseconds", ts)
	}
	return s*1_000_000 + f
}

var (
	dayFile      = regexp.MustCompile(`^([^/]+)/(\d{4}-\d{2}-\d{2})\.json$`)
	namedMention = regexp.MustCompile(`<@U[0-9A-Z]+\|[a-z.0-9]+>`)
)

// readExport decodes an export with encoding/json and checks its shape as
// it goes.
func readExport(t *testing.T, fs map[string][]byte) *export {
	t.Helper()
	x := &export{userIdx: map[string]int{}, folder: map[string]int{}, msgs: map[string][]xMsg{}}
	decode := func(name string, v any) {
		t.Helper()
		data, ok := fs[name]
		if !ok {
			t.Fatalf("no %s", name)
		}
		if !json.Valid(data) {
			t.Fatalf("%s is not valid JSON", name)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	decode("users.json", &x.users)
	for i, u := range x.users {
		if !activity.ValidID(u.ID) || u.Name == "" {
			t.Errorf("users.json: bad user %+v", u)
		}
		x.userIdx[u.ID] = i
	}
	for _, f := range []string{"channels.json", "groups.json", "dms.json", "mpims.json"} {
		var cs []xConv
		decode(f, &cs)
		for _, c := range cs {
			folder := c.Name
			if f == "dms.json" {
				folder = c.ID
			}
			if folder == "" || !activity.ValidID(c.ID) {
				t.Errorf("%s: bad conversation %+v", f, c)
			}
			for _, m := range c.Members {
				if _, ok := x.userIdx[m]; !ok {
					t.Errorf("%s: %s has member %s, who is not in users.json", f, folder, m)
				}
			}
			if _, dup := x.folder[folder]; dup {
				t.Errorf("%s: two conversations have folder %s", f, folder)
			}
			x.folder[folder] = len(x.convs)
			x.convs = append(x.convs, c)
		}
	}
	names := make([]string, 0, len(fs))
	for name := range fs {
		names = append(names, name)
	}
	slices.Sort(names) // day by day within a folder
	for _, name := range names {
		if !strings.Contains(name, "/") {
			switch name {
			case "users.json", "channels.json", "groups.json", "dms.json", "mpims.json":
			default:
				t.Errorf("unexpected top-level file %s", name)
			}
			continue
		}
		m := dayFile.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("unexpected file %s", name)
			continue
		}
		if _, ok := x.folder[m[1]]; !ok {
			t.Errorf("%s: no conversation has folder %s", name, m[1])
		}
		data := fs[name]
		if !json.Valid(data) {
			t.Fatalf("%s is not valid JSON", name)
		}
		var ms []xMsg // fails unless an array of objects with string "ts"
		if err := json.Unmarshal(data, &ms); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ms) == 0 {
			t.Errorf("%s: empty", name)
		}
		var prev int64
		for _, msg := range ms {
			us := tsMicros(t, msg.TS)
			if us <= prev {
				t.Errorf("%s: ts %s does not increase", name, msg.TS)
			}
			prev = us
			if d := time.UnixMicro(us).UTC().Format(time.DateOnly); d != m[2] {
				t.Errorf("%s: ts %s is on %s", name, msg.TS, d)
			}
		}
		x.msgs[m[1]] = append(x.msgs[m[1]], ms...)
	}
	return x
}

func TestWrite_ExportIsWellFormed(t *testing.T) {
	t.Parallel()
	dir, truth := write(t, Config{Seed: 11, Messages: 12_000, Canary: testCanary})
	fs := files(t, dir)
	x := readExport(t, fs)

	var bots, deleted, noTZ int
	for _, u := range x.users {
		if u.TeamID != string(truth.Team) {
			t.Errorf("user %s: team %s; want %s", u.ID, u.TeamID, truth.Team)
		}
		switch {
		case u.IsBot:
			bots++
		case u.Deleted:
			deleted++
		}
		if u.TZ == nil {
			noTZ++
		}
	}
	if bots == 0 || deleted == 0 || noTZ == 0 {
		t.Errorf("users: %d bots, %d deleted, %d without tz; want some of each", bots, deleted, noTZ)
	}
	if humans := len(x.users) - bots; humans != truth.People {
		t.Errorf("truth.People = %d; users.json has %d people", truth.People, humans)
	}

	count := map[string]int{}
	for folder, ms := range x.msgs {
		seen := map[string]int{}
		for i, m := range ms {
			if _, dup := seen[m.TS]; dup {
				t.Errorf("%s: ts %s twice", folder, m.TS)
			}
			seen[m.TS] = i
		}
		for _, m := range ms {
			if m.Type != "message" {
				t.Errorf("%s %s: type %q", folder, m.TS, m.Type)
			}
			if m.User != "" {
				if _, ok := x.userIdx[m.User]; !ok {
					t.Errorf("%s %s: user %s not in users.json", folder, m.TS, m.User)
				}
			}
			for _, u := range activity.Mentions(m.Text) {
				if _, ok := x.userIdx[string(u)]; !ok {
					t.Errorf("%s %s: mentions %s, not in users.json", folder, m.TS, u)
				}
			}
			if !strings.Contains(m.Text, testCanary) {
				t.Errorf("%s %s: no canary in text %q", folder, m.TS, m.Text)
			}
			kind := m.Subtype
			if kind == "" {
				kind = "plain"
				if m.BotID != "" {
					kind = "app"
				}
			}
			count[kind]++
			if m.human() {
				count["human"]++
				if m.UserProfile == nil || m.Team == "" {
					t.Errorf("%s %s: a person's message without user_profile or team", folder, m.TS)
				}
				if len(m.Blocks) > 0 && m.Blocks[0].Type == "rich_text" {
					count["rich_text"]++
				}
				if m.ClientMsgID != "" {
					count["client_msg_id"]++
				}
			}
			if m.Edited != nil {
				count["edited"]++
			}
			if len(m.Reactions) > 0 {
				count["reactions"]++
			}
			for _, r := range m.Reactions {
				if r.Count != len(r.Users) || r.Count == 0 {
					t.Errorf("%s %s: reaction %+v", folder, m.TS, r)
				}
			}
			if namedMention.MatchString(m.Text) {
				count["named mention"]++
			}
			if len(m.Attachments) > 0 {
				count["attachments"]++
			}
			switch {
			case m.ThreadTS == "":
			case m.ThreadTS == m.TS:
				count["thread"]++
				if m.ReplyCount != len(m.Replies) || m.ReplyCount == 0 {
					t.Errorf("%s %s: reply_count %d, %d replies", folder, m.TS, m.ReplyCount, len(m.Replies))
				}
				for _, r := range m.Replies {
					i, ok := seen[r.TS]
					if !ok {
						t.Errorf("%s %s: reply %s is not in the export", folder, m.TS, r.TS)
						continue
					}
					if rep := ms[i]; rep.ThreadTS != m.TS || rep.User != r.User || rep.ParentUserID != m.User {
						t.Errorf("%s %s: reply %s has thread_ts %s, user %s, parent_user_id %s", folder, m.TS, r.TS, rep.ThreadTS, rep.User, rep.ParentUserID)
					}
				}
			default:
				count["reply"]++
				i, ok := seen[m.ThreadTS]
				if !ok {
					t.Errorf("%s %s: parent %s is not in the export", folder, m.TS, m.ThreadTS)
				} else if p := ms[i]; p.ThreadTS != p.TS || p.User != m.ParentUserID {
					t.Errorf("%s %s: parent %s is by %s; parent_user_id %s", folder, m.TS, p.TS, p.User, m.ParentUserID)
				} else if m.Subtype == "thread_broadcast" && (m.Root == nil || m.Root.Text != p.Text || m.Root.User != p.User) {
					t.Errorf("%s %s: a broadcast's root %+v is not its parent (%q by %s)", folder, m.TS, m.Root, p.Text, p.User)
				}
			}
		}
	}
	for _, kind := range []string{"plain", "app", "bot_message", "channel_join", "channel_purpose", "thread_broadcast", "file_share",
		"edited", "reactions", "named mention", "attachments", "thread", "reply", "rich_text"} {
		if count[kind] == 0 {
			t.Errorf("no %s messages in the export; counts %v", kind, count)
		}
	}
	if count["rich_text"] < count["human"]*8/10 || count["client_msg_id"] < count["human"]*8/10 {
		t.Errorf("%d of %d people's messages have blocks, %d a client_msg_id; want most", count["rich_text"], count["human"], count["client_msg_id"])
	}
	size := 0
	for name, data := range fs {
		if strings.Contains(name, "/") {
			size += len(data)
		}
	}
	// People's messages are most of them; bots' and system messages are
	// a little smaller.
	if avg := size / truth.Messages; avg < 600 || avg > 1000 {
		t.Errorf("average message is %d bytes; want 600–1000", avg)
	}
}

// TestTruth_HasEveryKind: the demo's story needs each pattern.
func TestTruth_HasEveryKind(t *testing.T) {
	t.Parallel()
	dir, truth := write(t, Config{Seed: 1, Messages: 20_000, Canary: testCanary})
	if len(truth.Managers) != 4 {
		t.Fatalf("%d managers; want 4", len(truth.Managers))
	}
	if !slices.IsSortedFunc(truth.Managers, func(a, b ManagerTruth) int { return cmp.Compare(a.Manager, b.Manager) }) {
		t.Errorf("managers not sorted by ID")
	}
	var slow, byReaction, unansweredSlow int
	habits := map[string]ManagerTruth{}
	for _, m := range truth.Managers {
		habits[m.Habit] = m
		slow += m.SlowRequests
		byReaction += m.AnsweredByReaction
		slowReplies := 0
		for _, x := range m.ReplyMinutes {
			if x > slowAfter {
				slowReplies++
			}
		}
		unansweredSlow += m.SlowRequests - slowReplies
		if m.Requests != m.AnsweredByReaction+m.Unanswered+len(m.ReplyMinutes) {
			t.Errorf("%s: %d requests ≠ %d by reaction + %d unanswered + %d replies", m.Name, m.Requests, m.AnsweredByReaction, m.Unanswered, len(m.ReplyMinutes))
		}
		if len(m.Members) != 5 || len(m.MemberNames) != 5 {
			t.Errorf("%s: %d members; want 5", m.Name, len(m.Members))
		}
	}
	if m := habits[habitLateNight]; m.AfterHoursMessages == 0 {
		t.Errorf("late-night manager has no after-hours messages: %+v", m)
	}
	if m := habits[habitDisciplined]; m.AfterHoursMessages != 0 {
		t.Errorf("disciplined manager has %d after-hours messages", m.AfterHoursMessages)
	}
	if slow == 0 || byReaction == 0 || unansweredSlow == 0 {
		t.Errorf("slow %d, by reaction %d, unanswered and slow at the end %d; want some of each", slow, byReaction, unansweredSlow)
	}
	ms, _ := habits[habitSlow].MedianReplyMinutes()
	mq, _ := habits[habitQuick].MedianReplyMinutes()
	if ms <= mq {
		t.Errorf("slow manager's median reply %.0f min, quick one's %.0f; want slower", ms, mq)
	}
	if truth.End.IsZero() || truth.End.Before(DefaultStart) {
		t.Errorf("End = %v", truth.End)
	}

	// The canary is in the files, for readers' privacy tests to look for.
	if b := files(t, dir)["general/2026-01-06.json"]; !bytes.Contains(b, []byte(testCanary)) {
		t.Errorf("no canary in general/2026-01-06.json")
	}
}

// TestTruth_FromTheFiles reads the export back with encoding/json, runs
// the oracle over what is in the files, and finds the truth Write
// returned: what the oracle saw while generating is what was written. It
// also checks the promises that keep the truth unambiguous.
func TestTruth_FromTheFiles(t *testing.T) {
	t.Parallel()
	// Three weeks across Europe's and Australia's changes of clocks.
	dir, truth := write(t, Config{Seed: 5, Messages: 12_000, Start: time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), Days: 21})
	x := readExport(t, files(t, dir))

	n := len(x.users)
	locs := make([]*time.Location, n)
	team, manager := make([]int, n), make([]int, n)
	for i, u := range x.users {
		locs[i], team[i], manager[i] = time.UTC, -1, -1
		if u.TZ != nil && !u.IsBot {
			locs[i] = zoneT(t, *u.TZ)
		}
	}
	var mgrs []int
	var teams [][]int
	for k, m := range truth.Managers {
		mi := x.userIdx[string(m.Manager)]
		manager[mi] = k
		mgrs = append(mgrs, mi)
		var members []int
		for _, id := range m.Members {
			xi := x.userIdx[string(id)]
			team[xi] = k
			members = append(members, xi)
		}
		teams = append(teams, members)
	}
	members := make([][]bool, len(x.convs))
	for i, c := range x.convs {
		members[i] = make([]bool, n)
		for _, id := range c.Members {
			members[i][x.userIdx[id]] = true
		}
	}
	o := newOracle(locs, team, manager, mgrs, teams, members)

	type item struct {
		conv int
		m    *xMsg
		us   int64
	}
	var all []item
	for folder, ms := range x.msgs {
		for i := range ms {
			all = append(all, item{x.folder[folder], &ms[i], tsMicros(t, ms[i].TS)})
		}
	}
	slices.SortFunc(all, func(a, b item) int { return cmp.Or(cmp.Compare(a.us, b.us), cmp.Compare(a.conv, b.conv)) })
	idx := func(id string) int {
		if i, ok := x.userIdx[id]; ok {
			return i
		}
		return -1
	}
	lastOut := map[[2]int]time.Time{} // conv, member → last own message outside hours
	for _, it := range all {
		m := it.m
		e := event{at: time.UnixMicro(it.us), ts: it.us, conv: it.conv, user: idx(m.User), human: m.human(), parentUser: idx(m.ParentUserID)}
		if m.ThreadTS != "" {
			e.threadTS = tsMicros(t, m.ThreadTS)
		}
		for _, u := range activity.Mentions(m.Text) {
			e.mentions = append(e.mentions, int32(idx(string(u))))
		}
		for _, r := range m.Reactions {
			for _, u := range r.Users {
				e.reactors = append(e.reactors, int32(idx(u)))
			}
		}
		// The promises.
		if e.human && e.user >= 0 {
			switch {
			case team[e.user] >= 0:
				if d := outsideBy(e.at, locs[e.user]); d > 0 && d <= grace+3*time.Minute {
					t.Errorf("member %s posted %s in the grace band (outside by %v)", m.User, m.TS, d)
				}
				if !inHours(e.at, locs[e.user]) {
					lastOut[[2]int{it.conv, e.user}] = e.at
				}
			case manager[e.user] >= 0:
				for _, xm := range teams[manager[e.user]] {
					if !members[it.conv][xm] && !slices.Contains(e.mentions, int32(xm)) {
						continue
					}
					if d := outsideBy(e.at, locs[xm]); d > grace-3*time.Minute && d < grace+3*time.Minute {
						t.Errorf("manager %s posted %s within 3 minutes of the grace for %s (outside by %v)", m.User, m.TS, x.users[xm].ID, d)
					}
					if last, ok := lastOut[[2]int{it.conv, xm}]; ok {
						if d := e.at.Sub(last); d < 2*time.Minute || (d > startedWindow-3*time.Minute && d < startedWindow+3*time.Minute) {
							t.Errorf("manager %s posted %s %v after %s's own out-of-hours message", m.User, m.TS, d, x.users[xm].ID)
						}
					}
				}
			}
		}
		o.observe(&e)
	}
	if !o.end.Equal(truth.End) {
		t.Errorf("last message at %v; truth says %v", o.end, truth.End)
	}
	for k, want := range truth.Managers {
		var got ManagerTruth
		got.Requests, got.AnsweredByReaction, got.SlowRequests, got.Unanswered, got.ReplyMinutes, got.AfterHoursMessages = o.managerTruth(k)
		if got.Requests != want.Requests || got.AnsweredByReaction != want.AnsweredByReaction || got.SlowRequests != want.SlowRequests ||
			got.Unanswered != want.Unanswered || got.AfterHoursMessages != want.AfterHoursMessages || !sameFloats(got.ReplyMinutes, want.ReplyMinutes) {
			t.Errorf("%s (%s) from the files: after hours %d, requests %d, by reaction %d, unanswered %d, slow %d, %d replies; truth: %d, %d, %d, %d, %d, %d replies",
				want.Name, want.Habit, got.AfterHoursMessages, got.Requests, got.AnsweredByReaction, got.Unanswered, got.SlowRequests, len(got.ReplyMinutes),
				want.AfterHoursMessages, want.Requests, want.AnsweredByReaction, want.Unanswered, want.SlowRequests, len(want.ReplyMinutes))
		}
		if want.Requests == 0 {
			t.Errorf("%s: no requests", want.Name)
		}
	}
}

func TestWrite_OtherShapes(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Seed: 1, Messages: 2000, Managers: 1, TeamSize: 1, Others: 1},
		{Seed: 2, Messages: 4000, Managers: 9, TeamSize: 6, Others: 20},
		{Seed: 3, Messages: 300, Days: 60},
	} {
		dir, truth := write(t, cfg)
		x := readExport(t, files(t, dir))
		if want := cmp.Or(cfg.Managers, 4); len(truth.Managers) != want {
			t.Errorf("%+v: %d managers in the truth", cfg, len(truth.Managers))
		}
		msgs := 0
		for _, ms := range x.msgs {
			msgs += len(ms)
		}
		if msgs != truth.Messages {
			t.Errorf("%+v: %d messages in the files; truth says %d", cfg, msgs, truth.Messages)
		}
		t.Logf("%d managers, %d messages asked, %d written", len(truth.Managers), cfg.Messages, truth.Messages)
	}
}

func TestWriteTeamsCSV(t *testing.T) {
	truth := Truth{Managers: []ManagerTruth{
		{Manager: "U1", Name: "ann", Members: []activity.UserID{"U2", "U3"}, MemberNames: []string{"bob", "cy"}},
		{Manager: "U4", Name: "dee", Members: []activity.UserID{"U5"}, MemberNames: []string{"eve"}},
	}}
	for _, tt := range []struct {
		byName bool
		want   string
	}{
		{false, "manager,member\nU1,U2\nU1,U3\nU4,U5\n"},
		{true, "manager,member\nann,bob\nann,cy\ndee,eve\n"},
	} {
		var b bytes.Buffer
		if err := WriteTeamsCSV(&b, truth, tt.byName); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("WriteTeamsCSV(byName %v) = %q; want %q", tt.byName, b.String(), tt.want)
		}
	}
}

func TestWrite_Indented(t *testing.T) {
	t.Parallel()
	dir, _ := write(t, Config{Seed: 2, Messages: 500, Indent: true})
	fs := files(t, dir)
	readExport(t, fs)
	if b := fs["users.json"]; !bytes.HasPrefix(b, []byte("[\n    {\n        \"id\": ")) {
		t.Errorf("users.json starts %q; want Slack's 4-space indentation", b[:min(len(b), 40)])
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ slash /`, "tab\tnl\ncr\r\x00\x1f", "héllo ☃ 😀", "bad \xff utf8", "line\u2028sep\u2029", "<@U123|ann> &lt;"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("appendJSONString(%q) = %s: %v", s, b, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("appendJSONString(%q) decodes to %q; want %q", s, got, want)
		}
		if bytes.Equal(appendJSONString(nil, []byte(s)), b) == false {
			t.Errorf("appendJSONString of string and []byte differ for %q", s)
		}
	}
	if got := string(appendJSONString(nil, "a/b")); got != `"a\/b"` {
		t.Errorf(`appendJSONString("a/b") = %s; want "a\/b" as Slack writes it`, got)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "x", "\"\\/\n", "\xff\xfe", "\u2028", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("appendJSONString(%q) = %s: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			// ToValidUTF8 folds a run of bad bytes into one U+FFFD; we
			// write one per byte, as encoding/json does.
			if strings.ReplaceAll(got, "\uFFFD", "") != strings.ReplaceAll(want, "\uFFFD", "") {
				t.Fatalf("appendJSONString(%q) decodes to %q", s, got)
			}
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	const n = 200_000
	var bytes int64
	i := 0
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
		i++
		if _, err := Write(dir, Config{Seed: 1, Messages: n}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		bytes = 0
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					bytes += info.Size()
				}
			}
			return nil
		})
		b.StartTimer()
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(n/secs, "msgs/s")
	b.ReportMetric(float64(bytes)/1e6/secs, "MB/s")
	b.ReportMetric(float64(bytes)/n, "bytes/msg")
}

package export

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testStart is the first day of generated exports.
var testStart = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// files is an export as file name → content.
type files map[string]string

// writeDir writes fs into a new folder and returns its path.
func writeDir(t testing.TB, fs files) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range fs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeZip writes fs into a new zip archive, in name order, and returns
// its path.
func writeZip(t testing.TB, fs files) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(fs))
	for name := range fs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(fs[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pretty formats v as Slack exports do: four-space indents and escaped
// slashes.
func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		panic(err)
	}
	return strings.ReplaceAll(string(b), "/", `\/`)
}

// baseFiles is a minimal export: users U1…U4 of team T1 and channel
// "general" (C1) with U1 and U2.
func baseFiles() files {
	return files{
		"users.json": pretty([]map[string]any{
			{"id": "U1", "name": "ann", "team_id": "T1", "tz": "Europe/Berlin", "profile": map[string]any{"real_name": "Ann"}},
			{"id": "U2", "name": "bob", "team_id": "T1", "tz": "America/New_York"},
			{"id": "U3", "name": "cy", "team_id": "T1", "deleted": true},
			{"id": "U4", "name": "bot", "team_id": "T1", "is_bot": true},
		}),
		"channels.json": pretty([]map[string]any{
			{"id": "C1", "name": "general", "members": []string{"U1", "U2"}, "topic": map[string]any{"value": "topic text"}},
		}),
	}
}

// gen makes realistic export messages: blocks, user_profile, reactions,
// threads, bots, files and joins, 600–1000 bytes each on average.
type gen struct {
	r     *rand.Rand
	users []string
	words []string
}

func newGen(seed uint64, users int) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for i := range users {
		g.users = append(g.users, fmt.Sprintf("U%08dX", i))
	}
	g.words = strings.Fields(`the deploy is green again can you look at this when you have a minute
		I think we should ship it tomorrow morning "quoted" thanks 👍 déjà vu PR review
		ok sounds good let me check the logs first meeting moved to 3pm see https://example.com/a/b?c=d`)
	return g
}

func (g *gen) user() string { return g.users[g.r.IntN(len(g.users))] }

func (g *gen) text() string {
	n := 3 + g.r.IntN(20)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			if g.r.IntN(12) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		if g.r.IntN(25) == 0 {
			fmt.Fprintf(&b, "<@%s>", g.user())
			continue
		}
		b.WriteString(g.words[g.r.IntN(len(g.words))])
	}
	return b.String()
}

func (g *gen) profile(u string) map[string]any {
	return map[string]any{
		"avatar_hash":         "g" + u[1:9] + "ab",
		"image_72":            "https://secure.gravatar.com/avatar/" + u + ".jpg?s=72&d=https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_0001-72.png",
		"first_name":          "First",
		"real_name":           "First Last " + u[5:],
		"display_name":        "user" + u[5:],
		"team":                "T0001",
		"name":                "user" + u[5:],
		"is_restricted":       false,
		"is_ultra_restricted": false,
	}
}

func (g *gen) blocks(text string) []any {
	var elems []any
	for part := range strings.SplitSeq(text, "<@") {
		if id, rest, ok := strings.Cut(part, ">"); ok && len(id) > 2 {
			elems = append(elems, map[string]any{"type": "user", "user_id": id})
			part = rest
		}
		if part != "" {
			elems = append(elems, map[string]any{"type": "text", "text": part})
		}
	}
	return []any{map[string]any{
		"type": "rich_text", "block_id": fmt.Sprintf("b%04x", g.r.IntN(65536)),
		"elements": []any{map[string]any{"type": "rich_text_section", "elements": elems}},
	}}
}

// day returns the messages of one channel-day starting at start, n of them,
// in ts order.
func (g *gen) day(start time.Time, n int) []map[string]any {
	var out []map[string]any
	at := start
	var parents []string
	for range n {
		at = at.Add(time.Duration(1+g.r.IntN(int(24*time.Hour/time.Second)/(n+1))) * time.Second)
		ts := fmt.Sprintf("%d.%06d", at.Unix(), g.r.IntN(1000000))
		u := g.user()
		m := map[string]any{"type": "message", "ts": ts}
		switch k := g.r.IntN(100); {
		case k < 4:
			m["subtype"] = "channel_join"
			m["user"] = u
			m["text"] = fmt.Sprintf("<@%s> has joined the channel", u)
		case k < 9:
			m["subtype"] = "bot_message"
			m["bot_id"] = "B0001"
			m["username"] = "ci"
			m["text"] = ""
			m["attachments"] = []any{map[string]any{"fallback": "build passed", "text": g.text(), "color": "36a64f", "id": 1,
				"fields": []any{map[string]any{"title": "branch", "value": "main", "short": true}}}}
		default:
			text := g.text()
			m["client_msg_id"] = fmt.Sprintf("%08x-aaaa-bbbb-cccc-%012x", g.r.Uint32(), g.r.Uint64()&0xffffffffffff)
			m["user"] = u
			m["text"] = text
			m["team"] = "T0001"
			m["user_team"] = "T0001"
			m["source_team"] = "T0001"
			if g.r.IntN(5) == 0 {
				m["user_profile"] = g.profile(u)
			}
			m["blocks"] = g.blocks(text)
			if k < 15 {
				m["subtype"] = "file_share"
				m["files"] = []any{map[string]any{"id": "F0001", "name": "report.pdf", "title": "report", "mimetype": "application/pdf",
					"size": 12345, "url_private": "https://files.slack.com/files-pri/T0001-F0001/report.pdf"}}
			}
			if len(parents) > 0 && g.r.IntN(4) == 0 {
				p := parents[g.r.IntN(len(parents))]
				m["thread_ts"] = p
				m["parent_user_id"] = u
			} else if g.r.IntN(6) == 0 {
				parents = append(parents, ts)
				m["thread_ts"] = ts
				m["reply_count"] = 2
				m["reply_users"] = []string{g.user(), g.user()}
				m["latest_reply"] = ts
				m["is_locked"] = false
			}
			if g.r.IntN(5) == 0 {
				m["reactions"] = []any{
					map[string]any{"name": "+1", "users": []string{g.user(), g.user()}, "count": 2},
					map[string]any{"name": "tada", "users": []string{g.user()}, "count": 1},
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// bigExport makes an export of channels × days × about perDay messages.
func bigExport(channels, days, perDay int) (files, int) {
	g := newGen(1, 200)
	fs := files{}
	var users []map[string]any
	for _, u := range g.users {
		users = append(users, map[string]any{"id": u, "name": "user" + u[5:], "team_id": "T0001", "tz": "Europe/Berlin", "profile": g.profile(u)})
	}
	fs["users.json"] = pretty(users)
	var chans []map[string]any
	n := 0
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for c := range channels {
		name := fmt.Sprintf("chan-%02d", c)
		chans = append(chans, map[string]any{"id": fmt.Sprintf("C%08d", c), "name": name, "members": g.users[:20]})
		for d := range days {
			day := start.AddDate(0, 0, d)
			msgs := g.day(day, perDay/2+g.r.IntN(perDay+1))
			n += len(msgs)
			fs[name+"/"+day.Format("2006-01-02")+".json"] = pretty(msgs)
		}
	}
	fs["channels.json"] = pretty(chans)
	return fs, n
}

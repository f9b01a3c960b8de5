package replay

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the golden page must not depend on the machine's zone files

	"github.com/trustnudge/trustnudge/internal/people"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.* from the current output")

// htmlTestReport is a workspace with two managers: one with a bit of
// everything (and a name that tries to be markup), one with nothing.
func htmlTestReport(nudges int) Report {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	rich := ManagerReport{
		Manager:            "U0RICH",
		Name:               `Ada <script>alert("x")</script> & co`,
		TZ:                 "Europe/Berlin",
		Members:            5,
		AfterHoursMessages: 9,
		Requests:           17,
		AnsweredByReaction: 2,
		SlowRequests:       4,
		Unanswered:         2,
		// Buckets: 4 under 15 min, 2, 1, 1, 2, 3 slow.
		ReplyMinutes: []float64{1, 3, 5, 12, 20, 45, 70, 130, 300, 480, 480.5, 900, 1200},
	}
	for d := range 7 {
		for h := range 24 {
			if d < 5 && h >= 9 && h < 18 {
				rich.TeamInHours[d][h] = 1
				rich.Messages[d][h] = (d*7 + h*3) % 11
			} else if d < 5 && (h == 8 || h == 18) {
				rich.TeamInHours[d][h] = 0.4
			}
		}
	}
	rich.Messages[1][22], rich.AfterHours[1][22] = 7, 3 // Tue 22:00
	rich.Messages[4][19], rich.AfterHours[4][19] = 2, 2 // Fri 19:00
	rich.Messages[6][10] = 1                            // Sun 10:00, reached nobody
	start := time.Date(2026, 2, 2, 22, 14, 0, 0, berlin)
	for i := range nudges {
		n := Nudge{Kind: people.KindAfterHours, At: start.Add(time.Duration(i) * 7 * time.Hour), Channel: "C0GENERAL", Reached: 1 + i%3}
		if i%2 == 1 {
			n = Nudge{Kind: people.KindSlowReply, At: n.At, Waiting: 1 + i%4}
		}
		rich.Nudges = append(rich.Nudges, n)
	}
	return Report{
		Team:         "T0ACME",
		From:         time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		To:           time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		First:        time.Date(2026, 2, 2, 7, 1, 0, 0, time.UTC),
		Last:         time.Date(2026, 2, 27, 17, 59, 0, 0, time.UTC),
		MessagesRead: 4321,
		Warnings:     3,
		Hours:        "Mon-Fri 09:00-18:00",
		Managers: []ManagerReport{
			rich,
			{Manager: "U0EMPTY", Members: 0},
		},
	}
}

func renderHTML(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

// managerSections splits a page into its managers' sections.
func managerSections(t *testing.T, page string, want int) []string {
	t.Helper()
	parts := strings.Split(page, `<section class="card manager"`)[1:]
	if len(parts) != want {
		t.Fatalf("page has %d manager sections; want %d", len(parts), want)
	}
	return parts
}

func TestWriteHTML_Golden(t *testing.T) {
	got := renderHTML(t, htmlTestReport(230))
	if again := renderHTML(t, htmlTestReport(230)); again != got {
		t.Fatal("WriteHTML gave two different pages for the same report")
	}
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestWriteHTML_Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("WriteHTML differs from %s (run with -update to accept):\n%s", path, firstDiff(got, string(want)))
	}
}

// firstDiff shows where two texts first differ, a few lines around.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

func TestWriteHTML_HasNoExternalReferences(t *testing.T) {
	page := strings.ToLower(renderHTML(t, htmlTestReport(5)))
	for _, bad := range []string{`src="http`, `href="http`, `src="//`, `href="//`, `<link`, `<script`, `url(http`, `url(//`, `@import`, `<img`, `<iframe`, `<object`, `<embed`, `@font-face`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q; want a self-contained page", bad)
		}
	}
	if !strings.Contains(page, "<style>") || !strings.Contains(page, "<svg") {
		t.Error("page has no inline <style> or <svg>")
	}
}

func TestWriteHTML_HeatmapHas7x24CellsPerManager(t *testing.T) {
	for i, s := range managerSections(t, renderHTML(t, htmlTestReport(5)), 2) {
		if n := strings.Count(s, `<rect class="cell"`); n != 7*24 {
			t.Errorf("manager %d: heatmap has %d cells; want %d", i, n, 7*24)
		}
		if n := strings.Count(s, "<title>"); n < 7*24 {
			t.Errorf("manager %d: %d <title>s; want one per cell", i, n)
		}
		if !strings.Contains(s, `role="img" aria-label="Messages by hour of the week`) {
			t.Errorf("manager %d: heatmap has no role=img and aria-label", i)
		}
		if !strings.Contains(s, `<g class="legend"`) || strings.Count(s, `<rect class="swatch"`) != 13 {
			t.Errorf("manager %d: heatmap legend missing or incomplete", i)
		}
	}
}

func TestWriteHTML_HeatmapCells(t *testing.T) {
	s := managerSections(t, renderHTML(t, htmlTestReport(5)), 2)[0]
	for _, want := range []string{
		// Tue 22:00, outside team hours, 7 of at most 10: level 4, outlined.
		`data-day="1" data-hour="22" data-messages="7" x="565" y="43" width="20" height="18" rx="2" fill="` + hmOutFills[4] + `" stroke="#1d2330" stroke-width="2"><title>Tue 22:00–23:00: 7 messages, 3 reached someone out of hours; 0% of the team in working hours</title>`,
		// Mon 09:00, inside team hours, 5 messages: level 3, not outlined.
		`data-day="0" data-hour="9" data-messages="5" x="252" y="20" width="22" height="20" rx="2" fill="` + hmInFills[3] + `"><title>Mon 09:00–10:00: 5 messages; 100% of the team in working hours</title>`,
		// Mon 08:00, 40% in hours counts as outside; no messages.
		`data-day="0" data-hour="8" data-messages="0" x="228" y="20" width="22" height="20" rx="2" fill="` + hmOutFills[0] + `"><title>Mon 08:00–09:00: 0 messages; 40% of the team in working hours</title>`,
		`Sun 10:00–11:00: 1 message;`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("heatmap lacks %q", want)
		}
	}
}

func TestWriteHTML_EscapesManagerName(t *testing.T) {
	page := renderHTML(t, htmlTestReport(5))
	if strings.Contains(page, "<script") || strings.Contains(page, `alert("x")`) {
		t.Error("manager name went into the page unescaped")
	}
	if !strings.Contains(page, "<h2>Ada &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</h2>") {
		t.Error("page lacks the escaped manager name in its heading")
	}
}

func TestWriteHTML_CapsNudgeTable(t *testing.T) {
	for _, tt := range []struct {
		nudges, rows int
		more         string
	}{
		{5, 5, ""},
		{200, 200, ""},
		{201, 200, "… and 1 more"},
		{230, 200, "… and 30 more"},
	} {
		s := managerSections(t, renderHTML(t, htmlTestReport(tt.nudges)), 2)[0]
		if n := strings.Count(s, "<tr><td>"); n != tt.rows {
			t.Errorf("%d nudges: table has %d rows; want %d", tt.nudges, n, tt.rows)
		}
		if got := strings.Contains(s, "… and "); got != (tt.more != "") || !strings.Contains(s, tt.more) {
			t.Errorf("%d nudges: want %q after the table", tt.nudges, tt.more)
		}
	}
	s := managerSections(t, renderHTML(t, htmlTestReport(2)), 2)[0]
	for _, want := range []string{
		"<tr><td>after-hours message</td><td>Mon 2 Feb 2026 22:14</td><td>reached 1 team member out of hours</td></tr>",
		"<tr><td>waiting question</td><td>Tue 3 Feb 2026 05:14</td><td>2 requests waiting</td></tr>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("nudge table lacks %q", want)
		}
	}
}

func TestWriteHTML_EmptyStates(t *testing.T) {
	sections := managerSections(t, renderHTML(t, htmlTestReport(5)), 2)
	for _, want := range []string{
		"<h2>U0EMPTY</h2>",
		"time zone UTC · 0 team members",
		"<b>—</b><span>median reply, working minutes</span>",
		"No request was answered by a message.",
		"Nothing would have been sent.",
		"Messages by hour of the week for U0EMPTY in UTC: 0 messages.",
	} {
		if !strings.Contains(sections[1], want) {
			t.Errorf("empty manager's section lacks %q", want)
		}
	}
	for _, unwanted := range []string{"No request was answered", "Nothing would have been sent"} {
		if strings.Contains(sections[0], unwanted) {
			t.Errorf("rich manager's section says %q", unwanted)
		}
	}
	page := renderHTML(t, Report{Team: "T0NONE", Hours: "Mon-Fri 09:00-18:00"})
	for _, want := range []string{"no messages in range", "The team map names no manager."} {
		if !strings.Contains(page, want) {
			t.Errorf("page for an empty report lacks %q", want)
		}
	}
	if strings.Contains(page, "Range asked for") {
		t.Error("page shows a range asked for when none was")
	}
}

func TestWriteHTML_Header(t *testing.T) {
	page := renderHTML(t, htmlTestReport(5))
	for _, want := range []string{
		"<code>T0ACME</code>",
		"Mon 2 Feb 2026 07:01 UTC – Fri 27 Feb 2026 17:59 UTC",
		"from Sun 1 Feb 2026 00:00 UTC until Sun 1 Mar 2026 00:00 UTC (not included)",
		"<dt>Messages read</dt><dd>4321</dd>",
		"<dt>Warnings</dt><dd>3 ",
		"<code>Mon-Fri 09:00-18:00</code>",
		"more than 30 minutes outside",
		"more than 480 of the manager's working minutes",
		"never message text, and never team members' names",
		"<b>9</b><span>after-hours messages</span>",
		"<b>70</b><span>median reply, working minutes</span>",
		"2 answered with a reaction are not shown",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestWriteHTML_ReplyBars(t *testing.T) {
	s := managerSections(t, renderHTML(t, htmlTestReport(5)), 2)[0]
	for i, want := range []int{4, 2, 1, 1, 2, 3} {
		if !strings.Contains(s, fmt.Sprintf(`data-bucket="%d" data-count="%d"`, i, want)) {
			t.Errorf("bucket %d: want count %d", i, want)
		}
	}
	if !strings.Contains(s, `<rect class="bar slow" data-bucket="5"`) || strings.Count(s, "bar slow") != 1 {
		t.Error("only the >8 h bar should be marked slow")
	}
}

func TestReplyBucket(t *testing.T) {
	for _, tt := range []struct {
		wait float64
		want int
	}{
		{0, 0}, {14.9, 0}, {15, 1}, {59.9, 1}, {60, 2}, {120, 3}, {239, 3}, {240, 4},
		{480, 4}, {480.01, 5}, {10000, 5},
	} {
		if got := replyBucket(tt.wait); got != tt.want {
			t.Errorf("replyBucket(%v) = %d; want %d", tt.wait, got, tt.want)
		}
	}
}

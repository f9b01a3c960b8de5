package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The browser tests draw the page in a real headless Chromium, so a chart
// that only looks right as markup (a zero-size cell, a fill the browser
// ignores, a page wider than the window) fails here.

// chromium finds a Chromium or Chrome binary. CI must have one (.ci/run
// installs Debian's chromium); elsewhere the test is skipped without.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const how = "no chromium, chromium-browser or google-chrome in PATH; install one (apt-get install chromium) to draw the HTML report in a browser"
	if os.Getenv("CI") != "" {
		t.Fatal(how + " (CI must have it: .ci/run installs it)")
	}
	t.Skip(how)
	return ""
}

// runChromium runs headless Chromium with args on page (a file) and returns
// what it printed on stdout.
func runChromium(t *testing.T, page string, args ...string) []byte {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--no-first-run", "--no-default-browser-check",
		"--hide-scrollbars", "--window-size=1200,3000",
	}, args...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v (after %v)\nstderr:\n%s", bin, err, ctx.Err(), tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// measureScript is appended by the test, never by WriteHTML: it measures
// what the browser drew and writes it as JSON into <pre id="measure">.
const measureScript = `<script>
(function () {
  function drawn(el) {
    var r = el.getBoundingClientRect(), f = getComputedStyle(el).fill;
    return r.width > 0 && r.height > 0 && f && f !== "none" && f !== "transparent" && f !== "rgba(0, 0, 0, 0)";
  }
  var root = document.documentElement;
  var out = {viewport: root.clientWidth, scrollWidth: root.scrollWidth, managers: []};
  document.querySelectorAll("section.manager").forEach(function (sec) {
    var m = {id: sec.id, cells: 0, drawnCells: 0, fills: [], bars: []};
    var hm = sec.querySelector("svg.heatmap");
    if (hm) {
      var r = hm.getBoundingClientRect();
      m.heatmap = {width: r.width, height: r.height, right: r.right};
      var fills = {};
      hm.querySelectorAll("rect.cell").forEach(function (c) {
        m.cells++;
        if (drawn(c)) { m.drawnCells++; }
        fills[getComputedStyle(c).fill] = true;
      });
      m.fills = Object.keys(fills).sort();
    }
    var rc = sec.querySelector("svg.replies");
    if (rc) {
      var rr = rc.getBoundingClientRect();
      m.replies = {width: rr.width, height: rr.height, right: rr.right};
      rc.querySelectorAll("rect.bar").forEach(function (b) {
        var box = b.getBBox();
        m.bars.push({bucket: +b.dataset.bucket, count: +b.dataset.count, height: b.getBoundingClientRect().height, bboxHeight: box.height, fill: getComputedStyle(b).fill});
      });
    }
    out.managers.push(m);
  });
  var pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
`

type measured struct {
	Viewport    float64 `json:"viewport"`
	ScrollWidth float64 `json:"scrollWidth"`
	Managers    []struct {
		ID         string   `json:"id"`
		Cells      int      `json:"cells"`
		DrawnCells int      `json:"drawnCells"`
		Fills      []string `json:"fills"`
		Heatmap    *box     `json:"heatmap"`
		Replies    *box     `json:"replies"`
		Bars       []struct {
			Bucket     int     `json:"bucket"`
			Count      int     `json:"count"`
			Height     float64 `json:"height"`
			BBoxHeight float64 `json:"bboxHeight"`
			Fill       string  `json:"fill"`
		} `json:"bars"`
	} `json:"managers"`
}

type box struct{ Width, Height, Right float64 }

var measureRE = regexp.MustCompile(`(?s)<pre id="measure">(.*?)</pre>`)

// writePage writes the report's page, with extra before </body>, to a file.
func writePage(t *testing.T, r Report, extra string) string {
	t.Helper()
	page := renderHTML(t, r)
	if extra != "" {
		if !strings.Contains(page, "</body>") {
			t.Fatal("page has no </body>")
		}
		page = strings.Replace(page, "</body>", extra+"</body>", 1)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBrowser_DrawsEveryChart(t *testing.T) {
	dom := runChromium(t, writePage(t, htmlTestReport(230), measureScript), "--dump-dom")
	match := measureRE.FindSubmatch(dom)
	if match == nil {
		t.Fatalf("dumped DOM has no <pre id=\"measure\">; did the script run?\n%s", tail(string(dom), 2000))
	}
	var got measured
	if err := json.Unmarshal([]byte(html.UnescapeString(string(match[1]))), &got); err != nil {
		t.Fatalf("measure JSON: %v\n%s", err, match[1])
	}
	t.Logf("measured: viewport %v, scroll width %v", got.Viewport, got.ScrollWidth)

	if got.Viewport != 1200 {
		t.Errorf("viewport is %v px wide; want 1200 (--window-size)", got.Viewport)
	}
	if got.ScrollWidth > got.Viewport {
		t.Errorf("page is %v px wide in a %v px window; want no horizontal overflow", got.ScrollWidth, got.Viewport)
	}
	if len(got.Managers) != 2 {
		t.Fatalf("browser saw %d manager sections; want 2", len(got.Managers))
	}
	for _, m := range got.Managers {
		if m.Heatmap == nil || m.Heatmap.Width <= 0 || m.Heatmap.Height <= 0 {
			t.Errorf("%s: heatmap not laid out: %+v", m.ID, m.Heatmap)
		} else if m.Heatmap.Right > got.Viewport {
			t.Errorf("%s: heatmap ends at %v px, past the %v px window", m.ID, m.Heatmap.Right, got.Viewport)
		}
		if m.Cells != 7*24 || m.DrawnCells != 7*24 {
			t.Errorf("%s: browser drew %d of %d heatmap cells; want %d of %d", m.ID, m.DrawnCells, m.Cells, 7*24, 7*24)
		}
	}

	rich, empty := got.Managers[0], got.Managers[1]
	// Both hue scales are used: team in hours (blue) and out (orange).
	if len(rich.Fills) < 6 {
		t.Errorf("rich manager's heatmap has %d distinct fills %v; want both scales", len(rich.Fills), rich.Fills)
	}
	if len(empty.Fills) != 1 {
		t.Errorf("empty manager's heatmap has fills %v; want one (no messages, no team hours)", empty.Fills)
	}
	if empty.Replies != nil {
		t.Errorf("empty manager has a reply chart: %+v", empty.Replies)
	}

	if rich.Replies == nil || rich.Replies.Width <= 0 || rich.Replies.Height <= 0 {
		t.Fatalf("rich manager's reply chart not laid out: %+v", rich.Replies)
	}
	if len(rich.Bars) != len(replyBuckets) {
		t.Fatalf("reply chart has %d bars; want %d", len(rich.Bars), len(replyBuckets))
	}
	tallest, tallestCount := 0, 0
	for i, b := range rich.Bars {
		if b.Height != b.BBoxHeight {
			t.Errorf("bar %d: drawn %v px high, getBBox %v; want the same (unscaled chart)", i, b.Height, b.BBoxHeight)
		}
		if (b.Count > 0) != (b.Height > 0) {
			t.Errorf("bar %d: count %d drawn %v px high", i, b.Count, b.Height)
		}
		if b.Count > rich.Bars[tallestCount].Count {
			tallestCount = i
		}
		if b.Height > rich.Bars[tallest].Height {
			tallest = i
		}
		for j, o := range rich.Bars {
			if b.Count > o.Count && b.Height <= o.Height {
				t.Errorf("bar %d (count %d) is %v px, not taller than bar %d (count %d) at %v px", i, b.Count, b.Height, j, o.Count, o.Height)
			}
		}
	}
	if tallest != tallestCount {
		t.Errorf("tallest bar is bucket %d; want %d, the bucket with most replies", tallest, tallestCount)
	}
	if slow := rich.Bars[len(rich.Bars)-1]; slow.Fill == rich.Bars[0].Fill {
		t.Errorf("slow bar has the same fill as the others: %s", slow.Fill)
	}
}

// TestBrowser_ScreenshotShowsHeatmapColours looks at the pixels: the
// heatmap's colours must be on screen in quantity, not only in the markup.
func TestBrowser_ScreenshotShowsHeatmapColours(t *testing.T) {
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, writePage(t, htmlTestReport(3), ""), "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 {
		t.Errorf("screenshot is %d px wide; want 1200", b.Dx())
	}
	const cell = hmCellW * hmCellH // pixels in one unoutlined cell at 1×
	for _, tt := range []struct {
		what   string
		colour string
		cells  int // at least this many cells' worth
	}{
		// The rich manager's and the empty manager's hours with no messages
		// and most of the team off: 120 + 168 cells.
		{"empty out-of-hours cells", hmOutFills[0], 200},
		// Weekday working hours, 45 cells: 5 with no messages, 7 of the
		// busiest level.
		{"empty in-hours cells", hmInFills[0], 4},
		{"busiest in-hours cells", hmInFills[5], 5},
		{"slow bar", "#d94801", 10},
	} {
		n := countNear(img, tt.colour)
		t.Logf("%s (%s): %d pixels, %.1f cells", tt.what, tt.colour, n, float64(n)/cell)
		if n < tt.cells*cell {
			t.Errorf("%s (%s): %d pixels; want at least %d", tt.what, tt.colour, n, tt.cells*cell)
		}
	}
}

// countNear counts pixels within a small distance of hex colour c, so that
// antialiasing at the edges does not matter and colour management a little.
func countNear(img image.Image, c string) int {
	var want [3]int
	for i := range want {
		v, err := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		if err != nil {
			panic("countNear: bad colour " + c)
		}
		want[i] = int(v)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(int(r>>8), want[0]) && near(int(g>>8), want[1]) && near(int(bl>>8), want[2]) {
				n++
			}
		}
	}
	return n
}

func near(a, b int) bool { return a-b <= 3 && b-a <= 3 }

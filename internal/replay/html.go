package replay

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/people"
)

//go:embed report.html.tmpl
var reportHTML string

var pageTemplate = template.Must(template.New("report.html").Parse(reportHTML))

// maxNudgeRows caps each manager's nudge table; the rest are counted.
const maxNudgeRows = 200

// WriteHTML writes r as one self-contained HTML page: no external assets (no
// <link>, no remote <script>/<img>/fonts; inline <style> and inline SVG
// only), usable offline and when mailed around. The page holds only what r
// holds (counts, times and IDs, no text) and is the same for the same r.
func WriteHTML(w io.Writer, r Report) error {
	if err := pageTemplate.Execute(w, newHTMLPage(r)); err != nil {
		return fmt.Errorf("replay: write html: %w", err)
	}
	return nil
}

// htmlPage is a Report laid out for the template: every number the page
// shows, every coordinate of its charts.
type htmlPage struct {
	Team         string
	Covered      string
	Asked        string
	MessagesRead int
	Warnings     int
	Hours        string
	GraceMinutes int
	SlowAfter    int
	IncludeDMs   bool
	Managers     []htmlManager
}

type htmlManager struct {
	Index int
	Title string // name, or ID when unnamed
	Named bool
	ID    string
	Zone  string

	Members            int
	AfterHoursMessages int
	Requests           int
	SlowRequests       int
	Unanswered         int
	AnsweredByReaction int
	Median             string

	Heatmap    htmlHeatmap
	Replies    htmlBarChart
	Nudges     []htmlNudge
	MoreNudges int
}

type htmlNudge struct{ Kind, At, Detail string }

func newHTMLPage(r Report) htmlPage {
	p := htmlPage{
		Team:         string(r.Team),
		Covered:      "no messages in range",
		MessagesRead: r.MessagesRead,
		Warnings:     r.Warnings,
		Hours:        r.Hours,
		GraceMinutes: int(detect.Grace / time.Minute),
		SlowAfter:    int(detect.SlowAfter),
		IncludeDMs:   r.IncludeDMs,
	}
	if !r.First.IsZero() || !r.Last.IsZero() {
		p.Covered = htmlUTC(r.First) + " – " + htmlUTC(r.Last)
	}
	switch {
	case !r.From.IsZero() && !r.To.IsZero():
		p.Asked = "from " + htmlUTC(r.From) + " until " + htmlUTC(r.To) + " (not included)"
	case !r.From.IsZero():
		p.Asked = "from " + htmlUTC(r.From)
	case !r.To.IsZero():
		p.Asked = "until " + htmlUTC(r.To) + " (not included)"
	}
	for i, m := range r.Managers {
		p.Managers = append(p.Managers, newHTMLManager(i, m))
	}
	return p
}

func newHTMLManager(i int, m ManagerReport) htmlManager {
	loc, zone := htmlZone(m.TZ)
	title := m.Name
	if title == "" {
		title = string(m.Manager)
	}
	h := htmlManager{
		Index:              i,
		Title:              title,
		Named:              m.Name != "",
		ID:                 string(m.Manager),
		Zone:               zone,
		Members:            m.Members,
		AfterHoursMessages: m.AfterHoursMessages,
		Requests:           m.Requests,
		SlowRequests:       m.SlowRequests,
		Unanswered:         m.Unanswered,
		AnsweredByReaction: m.AnsweredByReaction,
		Median:             "—",
		Heatmap:            newHTMLHeatmap(title, zone, m),
		Replies:            newHTMLBarChart(title, m),
	}
	if med, ok := m.MedianReplyMinutes(); ok {
		h.Median = fmt.Sprintf("%.0f", med)
	}
	for j, n := range m.Nudges {
		if j == maxNudgeRows {
			h.MoreNudges = len(m.Nudges) - maxNudgeRows
			break
		}
		h.Nudges = append(h.Nudges, htmlNudge{
			Kind:   htmlKind(n.Kind),
			At:     n.At.In(loc).Format("Mon 2 Jan 2006 15:04"),
			Detail: htmlNudgeDetail(n),
		})
	}
	return h
}

// htmlZone is the manager's zone, or UTC when it is empty or unknown here;
// the name says which was used.
func htmlZone(tz string) (*time.Location, string) {
	if tz == "" {
		return time.UTC, "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC, "UTC (" + tz + " is unknown here)"
	}
	return loc, tz
}

func htmlUTC(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC") }

func htmlKind(kind string) string {
	if w, ok := people.Kinds[kind]; ok {
		return w
	}
	return kind
}

func htmlNudgeDetail(n Nudge) string {
	switch n.Kind {
	case people.KindAfterHours:
		return "reached " + nounCount(n.Reached, "team member", "team members") + " out of hours"
	case people.KindSlowReply:
		return nounCount(n.Waiting, "request", "requests") + " waiting"
	}
	return ""
}

func nounCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

var hmDays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// Heatmap geometry, in SVG user units.
const (
	hmLeft  = 36 // room for day names
	hmTop   = 20 // room for hour labels
	hmCellW = 22
	hmCellH = 20
	hmGap   = 2
	hmWidth = hmLeft + 24*(hmCellW+hmGap)
	hmGridH = hmTop + 7*(hmCellH+hmGap)
	hmSwW   = 14
	hmSwH   = 12
)

// Fill levels: 0 for no messages, then five steps up to the busiest hour.
// Blue when most of the team is in its working hours, orange when not.
var (
	hmInFills  = [6]string{"#e3ebf6", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"}
	hmOutFills = [6]string{"#f9e5d3", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"}
)

type htmlHeatmap struct {
	Width, Height int
	Label         string
	Zone          string
	Days, Hours   []htmlSVGText
	Cells         []htmlHeatCell
	Legend        []htmlLegendItem
}

type htmlSVGText struct {
	X, Y int
	Text string
}

type htmlHeatCell struct {
	Day, Hour, Messages int
	X, Y, W, H          int
	Fill                string
	Outline             bool
	Title               string
}

// htmlLegendItem is a text when Text is set, else a swatch.
type htmlLegendItem struct {
	X, Y, W, H int
	Text       string
	Fill       string
	Outline    bool
}

func newHTMLHeatmap(title, zone string, m ManagerReport) htmlHeatmap {
	busiest, total, outside, reached := 0, 0, 0, 0
	bd, bh := 0, 0
	for d := range 7 {
		for h := range 24 {
			c := m.Messages[d][h]
			total += c
			reached += m.AfterHours[d][h]
			if m.TeamInHours[d][h] < 0.5 {
				outside += c
			}
			if c > busiest {
				busiest, bd, bh = c, d, h
			}
		}
	}
	hm := htmlHeatmap{Width: hmWidth, Zone: zone}
	for d, name := range hmDays {
		hm.Days = append(hm.Days, htmlSVGText{X: hmLeft - 6, Y: hmTop + d*(hmCellH+hmGap) + 14, Text: name})
	}
	for _, h := range []int{0, 6, 12, 18} {
		hm.Hours = append(hm.Hours, htmlSVGText{X: hmLeft + h*(hmCellW+hmGap), Y: hmTop - 6, Text: fmt.Sprintf("%02d:00", h)})
	}
	for d := range 7 {
		for h := range 24 {
			c, ah, in := m.Messages[d][h], m.AfterHours[d][h], m.TeamInHours[d][h]
			fills := hmInFills
			if in < 0.5 {
				fills = hmOutFills
			}
			cell := htmlHeatCell{
				Day: d, Hour: h, Messages: c,
				X: hmLeft + h*(hmCellW+hmGap), Y: hmTop + d*(hmCellH+hmGap), W: hmCellW, H: hmCellH,
				Fill:    fills[heatLevel(c, busiest)],
				Outline: ah > 0,
				Title:   hmCellTitle(d, h, c, ah, in),
			}
			if cell.Outline { // keep the stroke inside the cell
				cell.X, cell.Y, cell.W, cell.H = cell.X+1, cell.Y+1, cell.W-2, cell.H-2
			}
			hm.Cells = append(hm.Cells, cell)
		}
	}
	hm.Legend, hm.Height = hmLegend(busiest)

	var b strings.Builder
	fmt.Fprintf(&b, "Messages by hour of the week for %s in %s: %s", title, zone, nounCount(total, "message", "messages"))
	if total > 0 {
		fmt.Fprintf(&b, ", %d sent when most of the team was out of hours, %d reached someone out of hours; busiest hour %s with %d",
			outside, reached, hmHourSpan(bd, bh), busiest)
	}
	b.WriteString(".")
	hm.Label = b.String()
	return hm
}

// heatLevel is the fill step, 0–5, of a cell with c messages when the busiest
// hour has busiest.
func heatLevel(c, busiest int) int {
	if c <= 0 || busiest <= 0 {
		return 0
	}
	return (5*c + busiest - 1) / busiest
}

func hmHourSpan(d, h int) string {
	return fmt.Sprintf("%s %02d:00–%02d:00", hmDays[d], h, (h+1)%24)
}

func hmCellTitle(d, h, c, ah int, in float64) string {
	s := hmHourSpan(d, h) + ": " + nounCount(c, "message", "messages")
	if ah > 0 {
		s += fmt.Sprintf(", %d reached someone out of hours", ah)
	}
	return s + fmt.Sprintf("; %d%% of the team in working hours", int(math.Round(in*100)))
}

// hmLegend lays the legend out under the grid and returns the SVG's full
// height.
func hmLegend(busiest int) ([]htmlLegendItem, int) {
	var items []htmlLegendItem
	y := hmGridH + 14
	row := func(label string, fills [6]string) {
		items = append(items, htmlLegendItem{X: 0, Y: y + 10, Text: label})
		x := 196
		items = append(items, htmlLegendItem{X: x - 6, Y: y + 10, Text: "0"})
		for i, f := range fills {
			items = append(items, htmlLegendItem{X: x + 6 + i*(hmSwW+2), Y: y, W: hmSwW, H: hmSwH, Fill: f})
		}
		items = append(items, htmlLegendItem{X: x + 6 + 6*(hmSwW+2) + 4, Y: y + 10, Text: nounCount(busiest, "message", "messages") + " in the busiest hour"})
		y += hmSwH + 8
	}
	row("Most of the team working", hmInFills)
	row("Most of the team off", hmOutFills)
	items = append(items,
		htmlLegendItem{X: 202, Y: y, W: hmSwW, H: hmSwH, Fill: hmInFills[0], Outline: true},
		htmlLegendItem{X: 202 + hmSwW + 8, Y: y + 10, Text: "reached a team member out of hours"},
	)
	return items, y + hmSwH + 4
}

// Reply-time chart geometry.
const (
	barWidth  = 480
	barTop    = 22 // room for the counts
	barPlotH  = 130
	barW      = 56
	barGap    = 20
	barLeft   = 12
	barHeight = barTop + barPlotH + 30
)

type htmlBarChart struct {
	Empty         bool
	Width, Height int
	Label         string
	Reactions     int
	AxisX1        int
	AxisX2        int
	AxisY         int
	Bars          []htmlBar
}

type htmlBar struct {
	Index, Count   int
	X, Y, W, H     int
	CX             int
	CountY, LabelY int
	Fill           string
	Slow           bool
	Label, Title   string
}

// replyBuckets label the histogram's buckets of working time waited; the
// last is slow.
var replyBuckets = [6]struct{ label, title string }{
	{"<15 min", "under 15 minutes"},
	{"15–60 min", "15 to 60 minutes"},
	{"1–2 h", "1 to 2 hours"},
	{"2–4 h", "2 to 4 hours"},
	{"4–8 h", "4 to 8 hours"},
	{">8 h", "more than 8 hours (slow)"},
}

// replyBucket is the index in replyBuckets of a reply that waited wait working
// minutes. Exactly detect.SlowAfter is not slow, as in detect.
func replyBucket(wait float64) int {
	switch {
	case wait < 15:
		return 0
	case wait < 60:
		return 1
	case wait < 120:
		return 2
	case wait < 240:
		return 3
	case wait <= detect.SlowAfter:
		return 4
	}
	return 5
}

func newHTMLBarChart(title string, m ManagerReport) htmlBarChart {
	c := htmlBarChart{Reactions: m.AnsweredByReaction}
	if len(m.ReplyMinutes) == 0 {
		c.Empty = true
		return c
	}
	counts := make([]int, len(replyBuckets))
	for _, wait := range m.ReplyMinutes {
		counts[replyBucket(wait)]++
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	c.Width, c.Height = barWidth, barHeight
	c.AxisX1, c.AxisX2, c.AxisY = barLeft-6, barLeft+len(counts)*(barW+barGap)-barGap+6, barTop+barPlotH
	var parts []string
	for i, n := range counts {
		h := int(math.Round(float64(barPlotH) * float64(n) / float64(top)))
		if n > 0 && h < 2 {
			h = 2
		}
		x := barLeft + i*(barW+barGap)
		slow := i == len(counts)-1
		fill := "#3182bd"
		if slow {
			fill = "#d94801"
		}
		c.Bars = append(c.Bars, htmlBar{
			Index: i, Count: n,
			X: x, Y: barTop + barPlotH - h, W: barW, H: h,
			CX: x + barW/2, CountY: barTop + barPlotH - h - 6, LabelY: barTop + barPlotH + 18,
			Fill: fill, Slow: slow,
			Label: replyBuckets[i].label,
			Title: fmt.Sprintf("%s of working time: %s", replyBuckets[i].title, nounCount(n, "request", "requests")),
		})
		parts = append(parts, fmt.Sprintf("%s %d", replyBuckets[i].label, n))
	}
	c.Label = fmt.Sprintf("Reply times in working time for %s, requests answered by a message: %s.", title, strings.Join(parts, ", "))
	return c
}

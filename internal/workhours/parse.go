package workhours

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// SyntaxError says what is wrong with an hours spec and where. Its message
// is written to be shown as is to the person who typed the spec.
type SyntaxError struct {
	Part string // the offending piece of the spec, as written; "" when the spec as a whole is wrong
	Msg  string // what is wrong with it
}

const msgUnknownZone = "unknown time zone"

func (e *SyntaxError) Error() string {
	switch {
	case e.Part == "":
		return e.Msg
	case e.Msg == msgUnknownZone: // reads better with the name last
		return e.Msg + " " + quote(e.Part)
	}
	return quote(e.Part) + ": " + e.Msg
}

func quote(s string) string { return strconv.Quote(s) }

const example = `"Mon-Fri 09:00-18:00"`

var dayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// dayIndex maps lower-case day names to 0 (Monday) … 6 (Sunday).
var dayIndex = map[string]int{
	"mon": 0, "monday": 0,
	"tue": 1, "tues": 1, "tuesday": 1,
	"wed": 2, "weds": 2, "wednesday": 2,
	"thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
	"fri": 4, "friday": 4,
	"sat": 5, "saturday": 5,
	"sun": 6, "sunday": 6,
}

// dayGroups are words that stand for several days (bit 0 = Monday).
var dayGroups = map[string]uint8{
	"weekdays": 0x1f,
	"weekend":  0x60, "weekends": 0x60,
	"daily": 0x7f, "everyday": 0x7f,
}

// Parse reads a spec: groups of days each followed by one or more time
// ranges, then optionally an IANA zone name.
//
//	Mon-Fri 09:00-18:00
//	Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin
//	Sun-Thu 22:00-06:00          (ends at 06:00 the next day)
//	Mon,Wed,Fri 09:00-12:00 13:00-17:00
//
// Day names are case-insensitive, short or long; day ranges may wrap the
// week (Fri-Mon); weekdays, weekends and daily name common groups. Times
// are HH:MM; 24:00 ends a day. Commas and spaces both separate, and spaces
// around dashes are ignored. Without a zone the calendar has none (HasZone
// is false) and is read in UTC until In gives it one.
//
// Errors are *SyntaxError naming the offending part.
func Parse(spec string) (Hours, error) {
	toks := tokens(spec)
	if len(toks) == 0 {
		return Hours{}, &SyntaxError{Msg: "no working hours given, e.g. " + example}
	}
	var h Hours
	if last := toks[len(toks)-1]; !isTimeToken(last) && !looksLikeDays(last) {
		loc, err := loadZone(last)
		if err != nil {
			return Hours{}, &SyntaxError{Part: last, Msg: msgUnknownZone}
		}
		h.loc = loc
		toks = toks[:len(toks)-1]
		if len(toks) == 0 {
			return Hours{}, &SyntaxError{Msg: "no working hours given before the time zone, e.g. " + example}
		}
	}

	var (
		wins    []window
		days    uint8  // days of the group being read
		daysTok string // its last day token, for errors
		ranges  int    // time ranges read for it so far
	)
	for _, tok := range toks {
		if isTimeToken(tok) {
			if days == 0 {
				return Hours{}, &SyntaxError{Part: tok, Msg: "days must come first, e.g. " + example}
			}
			start, end, err := parseRange(tok)
			if err != nil {
				return Hours{}, err
			}
			for d := int32(0); d < 7; d++ {
				if days&(1<<d) != 0 {
					wins = append(wins, window{
						span:  span{d*dayMinutes + start, d*dayMinutes + end},
						day:   d,
						text:  tok,
						order: len(wins),
					})
				}
			}
			ranges++
			continue
		}
		if strings.Contains(tok, "/") {
			return Hours{}, &SyntaxError{Part: tok, Msg: "the time zone must come last"}
		}
		if ranges > 0 { // days after ranges start a new group
			days, ranges = 0, 0
		}
		m, err := parseDays(tok)
		if err != nil {
			return Hours{}, err
		}
		days |= m
		daysTok = tok
	}
	if ranges == 0 {
		return Hours{}, &SyntaxError{Part: daysTok, Msg: "needs a time range after it, e.g. " + example}
	}
	spans, err := spansOf(wins)
	if err != nil {
		return Hours{}, err
	}
	h.spans = spans
	return h, nil
}

// window is one written window on one day, kept with its origin so an
// overlap can be reported in the user's words.
type window struct {
	span
	day   int32
	text  string // the time range as written
	order int    // position in the spec
}

func (w window) String() string { return dayNames[w.day] + " " + w.text }

// spansOf rejects overlapping windows and merges touching ones into the
// canonical spans.
func spansOf(wins []window) ([]span, error) {
	slices.SortStableFunc(wins, func(a, b window) int { return cmp.Compare(a.start, b.start) })
	overlap := func(a, b window) error {
		if a.order > b.order {
			a, b = b, a
		}
		return &SyntaxError{Part: b.String(), Msg: "overlaps " + a.String()}
	}
	for i := 1; i < len(wins); i++ {
		if wins[i-1].end > wins[i].start {
			return nil, overlap(wins[i-1], wins[i])
		}
	}
	if n := len(wins); n > 1 && wins[n-1].end-weekMinutes > wins[0].start {
		return nil, overlap(wins[n-1], wins[0])
	}

	spans := make([]span, 0, len(wins))
	for _, w := range wins {
		if n := len(spans); n > 0 && spans[n-1].end == w.start {
			spans[n-1].end = w.end
			continue
		}
		spans = append(spans, w.span)
	}
	if n := len(spans); n > 1 && spans[n-1].end-weekMinutes == spans[0].start {
		spans[n-1].end = spans[0].end + weekMinutes
		spans = spans[1:]
	}
	if len(spans) == 1 && spans[0].end-spans[0].start >= weekMinutes {
		spans[0] = span{0, weekMinutes} // the whole week has no natural start
	}
	return slices.Clip(spans), nil
}

var dashes = strings.NewReplacer("\u2013", "-", "\u2014", "-", "\u2212", "-")

// tokens splits a spec at spaces, commas and semicolons, and glues back
// dashes typed with spaces around them ("Mon - Fri", "09:00 - 18:00").
func tokens(spec string) []string {
	fields := strings.FieldsFunc(dashes.Replace(spec), func(r rune) bool {
		return r == ',' || r == ';' || unicode.IsSpace(r)
	})
	out := fields[:0]
	for _, f := range fields {
		if n := len(out); n > 0 && (strings.HasPrefix(f, "-") || strings.HasSuffix(out[n-1], "-")) {
			out[n-1] += f
			continue
		}
		out = append(out, f)
	}
	return out
}

// isTimeToken tells time ranges from days and zones: only they start with
// a digit.
func isTimeToken(tok string) bool { return tok[0] >= '0' && tok[0] <= '9' }

// looksLikeDays tells a mistyped day range ("Mon-Fryday") from a zone name
// at the end of a spec, so the error names the right kind of thing.
func looksLikeDays(tok string) bool {
	if _, err := parseDays(tok); err == nil {
		return true
	}
	if strings.Contains(tok, "/") {
		return false
	}
	for p := range strings.SplitSeq(tok, "-") {
		if _, ok := dayIndex[strings.ToLower(p)]; ok {
			return true
		}
	}
	return false
}

// parseDays reads "Mon", "monday", "Mon-Fri", "Fri-Mon" (wrapping) or a
// group word into a set of days, bit 0 = Monday.
func parseDays(tok string) (uint8, error) {
	if m, ok := dayGroups[strings.ToLower(tok)]; ok {
		return m, nil
	}
	parts := strings.Split(tok, "-")
	if len(parts) > 2 || slices.Contains(parts, "") {
		return 0, &SyntaxError{Part: tok, Msg: "not a day or day range, e.g. Mon-Fri"}
	}
	var ds [2]int
	for i, p := range parts {
		d, ok := dayIndex[strings.ToLower(p)]
		if !ok {
			return 0, &SyntaxError{Part: p, Msg: "unknown day"}
		}
		ds[i] = d
	}
	if len(parts) == 1 {
		return 1 << ds[0], nil
	}
	var m uint8
	for d := ds[0]; ; d = (d + 1) % 7 {
		m |= 1 << d
		if d == ds[1] {
			return m, nil
		}
	}
}

// parseRange reads "09:00-18:00" into minutes from the start of the day.
// An end at or before the start means the next day, so the window crosses
// midnight; the end may then be up to 2*dayMinutes-1.
func parseRange(tok string) (start, end int32, err error) {
	parts := strings.Split(tok, "-")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return 0, 0, &SyntaxError{Part: tok, Msg: "not a time range, e.g. 09:00-18:00"}
	}
	if start, err = parseClock(parts[0], false); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(parts[1], true); err != nil {
		return 0, 0, err
	}
	switch {
	case start == end:
		return 0, 0, &SyntaxError{Part: tok, Msg: "empty window (a whole day is 00:00-24:00)"}
	case end < start:
		end += dayMinutes
	}
	return start, end, nil
}

// parseClock reads H:MM or HH:MM into minutes after midnight. 24:00 is
// allowed only as an end, meaning midnight at the end of the day.
func parseClock(s string, isEnd bool) (int32, error) {
	i := strings.IndexByte(s, ':')
	if i < 1 || i > 2 || len(s) != i+3 || !digits(s[:i]) || !digits(s[i+1:]) {
		return 0, &SyntaxError{Part: s, Msg: "not a time, e.g. 09:00"}
	}
	h, _ := strconv.Atoi(s[:i])
	m, _ := strconv.Atoi(s[i+1:])
	switch {
	case h == 24 && m == 0 && isEnd:
		return dayMinutes, nil
	case h == 24 && m == 0:
		return 0, &SyntaxError{Part: s, Msg: "only an end time can be 24:00"}
	case h > 23:
		return 0, &SyntaxError{Part: s, Msg: "hour must be 00-23"}
	case m > 59:
		return 0, &SyntaxError{Part: s, Msg: "minutes must be 00-59"}
	}
	return int32(h*60 + m), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// zones caches loaded locations by name: LoadLocation reads and parses a
// file on every call, and specs are parsed often. Only successes are kept,
// so the cache is bounded by the zone database.
var zones sync.Map // string → *time.Location

func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

package workhours

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that its errors are
// *SyntaxError with a message fit for a Slack reply, and that whatever it
// accepts prints canonically and parses back to an Equal calendar.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		Default,
		"Mon-Thu 08:30-17:00, Fri 08:30-13:00",
		"Sun-Thu 22:00-06:00 Europe/Berlin",
		"Sat 10:00-12:00",
		"Mon,Wed,Fri 09:00-17:00 Asia/Kathmandu",
		"Fri-Mon 22:00-02:00",
		"daily 00:00-24:00",
		"weekdays 09:00-12:00 13:00-18:00, weekends 10:00-11:00 UTC",
		"Sun 12:00-24:00, Mon 00:00-12:00",
		"mon - fri 9:00 - 18:00",
		"Mon 25:00-26:00",
		"Mon 09:75-10:00",
		"Funday 09:00-10:00",
		"Mon-Fri 09:00-18:00 Mars/Base",
		"Mon 09:00-09:00",
		"Mon-Fri 09:00-18:00, Wed 10:00-11:00",
		"",
	} {
		f.Add(s)
	}
	at := time.Date(2025, 3, 28, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		h, err := Parse(spec)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error is %T; want *SyntaxError", spec, err)
			}
			msg := err.Error()
			if r, _ := utf8.DecodeLastRuneInString(msg); msg == "" || unicode.IsPunct(r) && r != '"' && r != ')' {
				t.Fatalf("Parse(%q) error %q is empty or ends in punctuation", spec, msg)
			}
			if r, _ := utf8.DecodeRuneInString(se.Msg); !unicode.IsLower(r) {
				t.Fatalf("Parse(%q) error message %q does not start lower case", spec, se.Msg)
			}
			return
		}
		s := h.String()
		back, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", spec, s, err)
		}
		if !back.Equal(h) {
			t.Fatalf("Parse(%q) = %q, which parses to %q", spec, s, back)
		}
		if again := back.String(); again != s {
			t.Fatalf("Parse(%q) prints %q, then %q", spec, s, again)
		}
		if strings.TrimSpace(s) != s || s == "" {
			t.Fatalf("Parse(%q).String() = %q", spec, s)
		}
		// Every accepted calendar has working time, so these must find it.
		if h.Next(at).IsZero() || h.WorkingTime(at, at.Add(8*24*time.Hour)) == 0 {
			t.Fatalf("Parse(%q): Next or WorkingTime found no working time in %q", spec, s)
		}
	})
}

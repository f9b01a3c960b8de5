package nudge

import (
	"strings"
	"testing"
)

func TestParseButtonValue_RoundTrip(t *testing.T) {
	for _, tt := range []struct{ id, kind string }{
		{"n-2026-11-15-0001", "after_hours"},
		{"slow_reply/quick-ack@1763200000", "slow_reply"},
		{"an|id|with|bars", "weekly_digest"},
	} {
		v := ButtonValue(tt.id, tt.kind)
		id, kind, err := ParseButtonValue(v)
		if err != nil || id != tt.id || kind != tt.kind {
			t.Errorf("ParseButtonValue(%q) = %q, %q, %v; want %q, %q, nil", v, id, kind, err, tt.id, tt.kind)
		}
	}
}

func TestParseButtonValue_RejectsBadInput(t *testing.T) {
	for _, v := range []string{
		"",
		"no-separator",
		"|after_hours",
		"  |after_hours",
		"n1|",
		"n1|After-Hours",
		"n1|after hours",
		"n1\n|after_hours",
		"\xff|after_hours",
		strings.Repeat("n", 2000) + "|after_hours",
	} {
		if id, kind, err := ParseButtonValue(v); err == nil {
			t.Errorf("ParseButtonValue(%q) = %q, %q, nil; want an error", v, id, kind)
		}
	}
}

func FuzzParseButtonValue(f *testing.F) {
	f.Add("n-1|after_hours")
	f.Add("a|b|slow_reply")
	f.Add("|")
	f.Fuzz(func(t *testing.T, v string) {
		id, kind, err := ParseButtonValue(v)
		if err != nil {
			return
		}
		if got := ButtonValue(id, kind); got != v {
			t.Errorf("ButtonValue(ParseButtonValue(%q)) = %q", v, got)
		}
		if len(v) > maxButtonValue {
			t.Errorf("accepted a %d-byte value", len(v))
		}
	})
}

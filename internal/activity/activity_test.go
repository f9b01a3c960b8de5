package activity

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTS_TimeAndValid(t *testing.T) {
	tests := []struct {
		ts    TS
		valid bool
		want  time.Time
	}{
		{"1700000000.000100", true, time.Unix(1700000000, 100_000).UTC()},
		{"1700000000.5", true, time.Unix(1700000000, 500_000_000).UTC()},
		{"1700000000", false, time.Unix(1700000000, 0).UTC()},
		{"", false, time.Time{}},
		{"abc.def", false, time.Time{}},
		{"-1.000001", false, time.Time{}},
		{"1.2.3", false, time.Time{}},
	}
	for _, tt := range tests {
		if got := tt.ts.Valid(); got != tt.valid {
			t.Errorf("TS(%q).Valid() = %v; want %v", tt.ts, got, tt.valid)
		}
		if got := tt.ts.Time(); !got.Equal(tt.want) {
			t.Errorf("TS(%q).Time() = %v; want %v", tt.ts, got, tt.want)
		}
	}
}

func TestTSFromTime_RoundTrips(t *testing.T) {
	at := time.Date(2026, 11, 16, 9, 5, 0, 123456000, time.UTC)
	ts := TSFromTime(at)
	if ts != "1794819900.123456" || !ts.Valid() || !ts.Time().Equal(at) {
		t.Errorf("TSFromTime(%v) = %q (time %v); want round trip", at, ts, ts.Time())
	}
}

func TestParseChannelKind(t *testing.T) {
	for in, want := range map[string]ChannelKind{"channel": KindPublic, "group": KindPrivate, "private_channel": KindPrivate, "im": KindIM, "mpim": KindGroupIM, "app_home": KindUnknown} {
		if got := ParseChannelKind(in); got != want {
			t.Errorf("ParseChannelKind(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		in   string
		want []UserID
	}{
		{"", nil},
		{"no mentions", nil},
		{"<@U1>", []UserID{"U1"}},
		{"<@U1|alice> <@W2>", []UserID{"U1", "W2"}},
		{"<@U1> <@U1>", []UserID{"U1"}},
		{"<@C1> <!channel> <@u1> <@U1", nil},
		{"<@<@U5>", []UserID{"U5"}},
	}
	for _, tt := range tests {
		if got := Mentions(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Mentions(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestIsUserID(t *testing.T) {
	for s, want := range map[string]bool{
		"U1": true, "W0ABC": true, "U" + strings.Repeat("9", 31): true,
		"": false, "U": false, "C123": false, "u123": false, "U12a": false, "U" + strings.Repeat("9", 32): false,
	} {
		if got := IsUserID(s); got != want {
			t.Errorf("IsUserID(%q) = %v; want %v", s, got, want)
		}
	}
}

package workhours

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zone files
)

func TestParse_GoodSpecsPrintCanonically(t *testing.T) {
	tests := []struct {
		spec, want string
		zone       bool
	}{
		{Default, "Mon-Fri 09:00-18:00", false},
		{"Mon-Thu 08:30-17:00, Fri 08:30-13:00", "Mon-Thu 08:30-17:00, Fri 08:30-13:00", false},
		{"Sun-Thu 22:00-06:00", "Sun-Thu 22:00-06:00", false},
		{"Sat 10:00-12:00", "Sat 10:00-12:00", false},
		{"Mon,Wed,Fri 09:00-17:00", "Mon,Wed,Fri 09:00-17:00", false},
		{"Mon-Fri 09:00-18:00 Europe/Berlin", "Mon-Fri 09:00-18:00 Europe/Berlin", true},
		{"Mon-Fri 09:00-18:00 UTC", "Mon-Fri 09:00-18:00 UTC", true},
		{"Mon-Fri 09:00-18:00 Asia/Kathmandu", "Mon-Fri 09:00-18:00 Asia/Kathmandu", true},
		{"Mon 20:00-24:00", "Mon 20:00-24:00", false},
		{"Mon 00:00-24:00", "Mon 00:00-24:00", false},
		{"Fri-Mon 10:00-11:00", "Fri-Mon 10:00-11:00", false},
		{"Fri-Mon 10:00-11:00, Wed 10:00-11:00", "Fri-Mon,Wed 10:00-11:00", false},
		{"Fri-Mon 22:00-02:00", "Fri-Mon 22:00-02:00", false},
		{"Sat-Sun 10:00-12:00", "Sat,Sun 10:00-12:00", false},
		{"Mon-Mon 10:00-12:00", "Mon 10:00-12:00", false},
		// Case, long names, spacing and punctuation are forgiven.
		{"monday-FRIDAY 9:00-18:00", "Mon-Fri 09:00-18:00", false},
		{"  Mon  -  Fri   09:00 - 18:00   Europe/Berlin ", "Mon-Fri 09:00-18:00 Europe/Berlin", true},
		{"Mon–Fri 09:00–18:00", "Mon-Fri 09:00-18:00", false},
		{"Mon, Wed; Fri 09:00-17:00", "Mon,Wed,Fri 09:00-17:00", false},
		{"Tues Thurs 09:00-17:00", "Tue,Thu 09:00-17:00", false},
		{"weekdays 09:00-17:00, weekends 10:00-12:00", "Mon-Fri 09:00-17:00, Sat,Sun 10:00-12:00", false},
		{"daily 08:00-20:00", "Mon-Sun 08:00-20:00", false},
		// Several ranges for the same days; a bare range after a comma keeps the days.
		{"Mon-Fri 09:00-12:00 13:00-18:00", "Mon-Fri 09:00-12:00 13:00-18:00", false},
		{"Mon-Fri 13:00-18:00, 09:00-12:00", "Mon-Fri 09:00-12:00 13:00-18:00", false},
		{"Mon 09:00-18:00 19:00-20:00, Tue-Fri 09:00-18:00", "Mon 09:00-18:00 19:00-20:00, Tue-Fri 09:00-18:00", false},
		// Touching windows merge, so one calendar has one spelling.
		{"Mon 09:00-12:00 12:00-18:00", "Mon 09:00-18:00", false},
		{"Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00", false},
		{"daily 06:00-18:00 18:00-06:00", "Mon-Sun 00:00-24:00", false},
		{"Mon 22:00-24:00, Tue 00:00-06:00", "Mon 22:00-06:00", false},
		{"Sun 22:00-24:00, Mon 00:00-06:00", "Sun 22:00-06:00", false},
		{"Mon 00:00-24:00, Tue 00:00-24:00", "Mon,Tue 00:00-24:00", false},
		{"Sun 12:00-24:00, Mon 00:00-12:00", "Mon 00:00-12:00, Sun 12:00-24:00", false},
	}
	for _, tt := range tests {
		h, err := Parse(tt.spec)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.spec, err)
			continue
		}
		if got := h.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q; want %q", tt.spec, got, tt.want)
		}
		if h.HasZone() != tt.zone {
			t.Errorf("Parse(%q).HasZone() = %v; want %v", tt.spec, h.HasZone(), tt.zone)
		}
		back, err := Parse(h.String())
		if err != nil || !back.Equal(h) {
			t.Errorf("Parse(%q) = %v, %v; want a calendar Equal to Parse(%q)", h.String(), back, err, tt.spec)
		}
	}
}

func TestParse_ErrorsNameTheBadPart(t *testing.T) {
	tests := []struct{ spec, want, part string }{
		{"", `no working hours given, e.g. "Mon-Fri 09:00-18:00"`, ""},
		{" , ", `no working hours given, e.g. "Mon-Fri 09:00-18:00"`, ""},
		{"Europe/Berlin", `no working hours given before the time zone, e.g. "Mon-Fri 09:00-18:00"`, ""},
		{"Mon-Fri 25:00-18:00", `"25:00": hour must be 00-23`, "25:00"},
		{"Mon-Fri 09:00-24:30", `"24:30": hour must be 00-23`, "24:30"},
		{"Mon-Fri 09:75-18:00", `"09:75": minutes must be 00-59`, "09:75"},
		{"Mon-Fri 24:00-06:00", `"24:00": only an end time can be 24:00`, "24:00"},
		{"Mon-Fri 9-18", `"9": not a time, e.g. 09:00`, "9"},
		{"Mon-Fri 09:0-18:00", `"09:0": not a time, e.g. 09:00`, "09:0"},
		{"Mon-Fri 009:00-18:00", `"009:00": not a time, e.g. 09:00`, "009:00"},
		{"Mon-Fri 09:00", `"09:00": not a time range, e.g. 09:00-18:00`, "09:00"},
		{"Mon-Fri 09:00-12:00-18:00", `"09:00-12:00-18:00": not a time range, e.g. 09:00-18:00`, "09:00-12:00-18:00"},
		{"Funday 09:00-18:00", `"Funday": unknown day`, "Funday"},
		{"Mon-Funday 09:00-18:00", `"Funday": unknown day`, "Funday"},
		{"Mon-Fri 09:00-18:00 Mon-Funday", `"Funday": unknown day`, "Funday"},
		{"Mon-Wed-Fri 09:00-18:00", `"Mon-Wed-Fri": not a day or day range, e.g. Mon-Fri`, "Mon-Wed-Fri"},
		{"Mon- 09:00-18:00", `"Mon-09:00-18:00": not a day or day range, e.g. Mon-Fri`, "Mon-09:00-18:00"},
		{"Mon-Fri 09:00-18:00 Mars/Base", `unknown time zone "Mars/Base"`, "Mars/Base"},
		{"Mon-Fri 09:00-18:00 Berlin", `unknown time zone "Berlin"`, "Berlin"},
		{"Mon-Fri Europe/Berlin 09:00-18:00", `"Europe/Berlin": the time zone must come last`, "Europe/Berlin"},
		{"Mon 09:00-09:00", `"09:00-09:00": empty window (a whole day is 00:00-24:00)`, "09:00-09:00"},
		{"Mon 00:00-00:00", `"00:00-00:00": empty window (a whole day is 00:00-24:00)`, "00:00-00:00"},
		{"09:00-18:00", `"09:00-18:00": days must come first, e.g. "Mon-Fri 09:00-18:00"`, "09:00-18:00"},
		{"09:00-18:00 Mon-Fri", `"09:00-18:00": days must come first, e.g. "Mon-Fri 09:00-18:00"`, "09:00-18:00"},
		{"Mon-Fri", `"Mon-Fri": needs a time range after it, e.g. "Mon-Fri 09:00-18:00"`, "Mon-Fri"},
		{"Mon-Fri 09:00-18:00, Sat", `"Sat": needs a time range after it, e.g. "Mon-Fri 09:00-18:00"`, "Sat"},
		{"Mon-Fri 09:00-18:00, Wed 10:00-11:00", `"Wed 10:00-11:00": overlaps Wed 09:00-18:00`, "Wed 10:00-11:00"},
		{"Wed 10:00-11:00, Mon-Fri 09:00-18:00", `"Wed 09:00-18:00": overlaps Wed 10:00-11:00`, "Wed 09:00-18:00"},
		{"Mon-Fri 09:00-12:00 11:00-13:00", `"Mon 11:00-13:00": overlaps Mon 09:00-12:00`, "Mon 11:00-13:00"},
		{"Mon 09:00-10:00, Mon 09:00-10:00", `"Mon 09:00-10:00": overlaps Mon 09:00-10:00`, "Mon 09:00-10:00"},
		{"Sun-Thu 22:00-06:00, Mon 05:00-09:00", `"Mon 05:00-09:00": overlaps Sun 22:00-06:00`, "Mon 05:00-09:00"},
		{"Mon 22:00-06:00, Tue 05:00-09:00", `"Tue 05:00-09:00": overlaps Mon 22:00-06:00`, "Tue 05:00-09:00"},
	}
	for _, tt := range tests {
		h, err := Parse(tt.spec)
		if err == nil {
			t.Errorf("Parse(%q) = %q; want error %q", tt.spec, h, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%q) error = %q; want %q", tt.spec, got, tt.want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error is %T; want *SyntaxError", tt.spec, err)
		} else if se.Part != tt.part {
			t.Errorf("Parse(%q) error Part = %q; want %q", tt.spec, se.Part, tt.part)
		}
	}
}

func TestMustParse_PanicsOnBadSpec(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"Funday 09:00-10:00\") did not panic")
		}
	}()
	MustParse("Funday 09:00-10:00")
}

func TestEqual_ComparesMinutesAndZoneName(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Mon-Fri 09:00-18:00", "monday-friday 9:00-18:00", true},
		{"Mon-Fri 09:00-18:00", "Mon-Fri 09:00-12:00 12:00-18:00", true},
		{"Mon-Fri 09:00-18:00", "Mon-Fri 09:00-17:00", false},
		{"Mon-Fri 09:00-18:00", "Mon-Thu 09:00-18:00", false},
		{"Mon-Fri 09:00-18:00 Europe/Berlin", "Mon-Fri 09:00-18:00 Europe/Berlin", true},
		{"Mon-Fri 09:00-18:00 Europe/Berlin", "Mon-Fri 09:00-18:00", false},
		{"Mon-Fri 09:00-18:00 Europe/Berlin", "Mon-Fri 09:00-18:00 Europe/Paris", false},
		{"Mon-Fri 09:00-18:00 UTC", "Mon-Fri 09:00-18:00", false},
	}
	for _, tt := range tests {
		if got := MustParse(tt.a).Equal(MustParse(tt.b)); got != tt.want {
			t.Errorf("MustParse(%q).Equal(MustParse(%q)) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
	if !(Hours{}).Equal(Hours{}) || (Hours{}).String() != "" || !(Hours{}).IsZero() || MustParse(Default).IsZero() {
		t.Error("the zero Hours is not an empty calendar printing as \"\"")
	}
}

func TestIn_ReplacesTheZoneOnly(t *testing.T) {
	h := MustParse(Default)
	if h.HasZone() || h.Location() != time.UTC {
		t.Fatalf("MustParse(%q): HasZone %v, Location %v; want false, UTC", Default, h.HasZone(), h.Location())
	}
	ny := mustZone(t, "America/New_York")
	in := h.In(ny)
	if !in.HasZone() || in.Location() != ny || in.String() != "Mon-Fri 09:00-18:00 America/New_York" {
		t.Errorf("In(New York) = %q (zone %v)", in, in.Location())
	}
	if h.HasZone() {
		t.Error("In changed the receiver")
	}
	if back := in.In(nil); !back.Equal(h) {
		t.Errorf("In(nil) = %q; want %q", back, h)
	}
}

func TestText_RoundTripsThroughMarshalling(t *testing.T) {
	h := MustParse("Sun-Thu 22:00-06:00, Fri 08:30-13:00 Europe/Berlin")
	b, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back Hours
	if err := back.UnmarshalText(b); err != nil || !back.Equal(h) {
		t.Errorf("UnmarshalText(%q) = %q, %v; want %q", b, back, err, h)
	}
	if err := back.UnmarshalText([]byte("Funday 09:00-10:00")); err == nil {
		t.Error("UnmarshalText accepted an unknown day")
	}
}

package poll

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/workhours"
)

func TestDefaultOptions_AreAValidStart(t *testing.T) {
	opts := DefaultOptions()
	if n := len(opts); n < MinOptions || n > MaxOptions {
		t.Fatalf("len(DefaultOptions()) = %d; want %d..%d", n, MinOptions, MaxOptions)
	}
	withHours, without := 0, 0
	for i, o := range opts {
		if n := utf8.RuneCountInString(o.Label); n == 0 || n > MaxLabel {
			t.Errorf("option %d label %q has %d characters; want 1..%d", i, o.Label, n, MaxLabel)
		}
		if o.Hours == "" {
			without++
			continue
		}
		withHours++
		h, err := workhours.Parse(o.Hours)
		if err != nil {
			t.Errorf("option %d hours %q: %v", i, o.Hours, err)
		}
		if h.HasZone() {
			t.Errorf("option %d hours %q name a zone; want them read in each member's zone", i, o.Hours)
		}
	}
	if withHours == 0 || without == 0 {
		t.Errorf("DefaultOptions() has %d options with hours and %d without; want some of each", withHours, without)
	}

	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	d := Draft{Question: DefaultQuestion, Options: opts, Channel: "C1", Deadline: now.Add(72 * time.Hour)}
	if errs := Validate(d, now); len(errs) != 0 {
		t.Errorf("Validate(defaults) = %v; want none", errs)
	}

	opts[0].Label = "changed"
	if DefaultOptions()[0].Label == "changed" {
		t.Error("DefaultOptions shares its slice between calls")
	}
}

func TestDefaultOptions_Hours(t *testing.T) {
	want := map[string]string{
		"Weekdays 9–18, nothing after":                    "Mon-Fri 09:00-18:00",
		"Weekdays 8–17":                                   "Mon-Fri 08:00-17:00",
		"Weekdays 10–19":                                  "Mon-Fri 10:00-19:00",
		"Any time is fine, no reply expected after hours": "",
	}
	for _, o := range DefaultOptions() {
		spec, ok := want[o.Label]
		if !ok {
			continue
		}
		if o.Hours != spec {
			t.Errorf("option %q hours = %q; want %q", o.Label, o.Hours, spec)
		}
		if spec != "" && !workhours.MustParse(o.Hours).Equal(workhours.MustParse(spec)) {
			t.Errorf("option %q hours %q differ from %q", o.Label, o.Hours, spec)
		}
		delete(want, o.Label)
	}
	for label := range want {
		t.Errorf("DefaultOptions() lacks %q", label)
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC) // Mon
	good := func() Draft {
		return Draft{
			Question: DefaultQuestion,
			Options: []Option{
				{Label: "Weekdays 9–18", Hours: "Mon-Fri 09:00-18:00"},
				{Label: "Any time", Hours: ""},
			},
			Channel:  "C123",
			Deadline: now.Add(72 * time.Hour),
		}
	}
	opts := func(labels ...string) []Option {
		var os []Option
		for _, l := range labels {
			os = append(os, Option{Label: l})
		}
		return os
	}
	tests := []struct {
		name   string
		edit   func(d *Draft)
		fields []string // fields with an error, in order
		msg    string   // part of the first error's message
	}{
		{"valid", func(d *Draft) {}, nil, ""},
		{"valid with six options and blanks between", func(d *Draft) {
			d.Options = opts("a", "", "b", "  ", "c", "d", "e", "f")
		}, nil, ""},
		{"valid label of exactly MaxLabel characters", func(d *Draft) {
			d.Options[0].Label = strings.Repeat("é", MaxLabel)
		}, nil, ""},
		{"valid question of exactly MaxQuestion characters", func(d *Draft) {
			d.Question = strings.Repeat("ü", MaxQuestion)
		}, nil, ""},
		{"valid deadline exactly MaxDeadline ahead", func(d *Draft) {
			d.Deadline = now.Add(MaxDeadline)
		}, nil, ""},
		{"valid hours with a zone", func(d *Draft) {
			d.Options[1].Hours = "Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin"
		}, nil, ""},
		{"empty question", func(d *Draft) { d.Question = " \t\n" }, []string{"question"}, "Ask a question"},
		{"long question", func(d *Draft) { d.Question = strings.Repeat("x", MaxQuestion+1) }, []string{"question"}, "300 characters; it has 301"},
		{"one option", func(d *Draft) { d.Options = opts("only", "", " ") }, []string{"options"}, "at least 2 options; there are 1"},
		{"no options", func(d *Draft) { d.Options = nil }, []string{"options"}, "at least 2"},
		{"seven options", func(d *Draft) {
			d.Options = opts("a", "b", "c", "d", "e", "f", "g")
		}, []string{"options"}, "at most 6 options; there are 7"},
		{"duplicate labels ignoring case and spaces", func(d *Draft) {
			d.Options = opts("Any time", "Weekdays", "  any   TIME ")
		}, []string{"option_3"}, "same as option 1"},
		{"long label", func(d *Draft) {
			d.Options[1].Label = strings.Repeat("a", MaxLabel+1)
		}, []string{"option_2"}, "75 characters"},
		{"hours without a label", func(d *Draft) {
			d.Options = append(d.Options, Option{Hours: "Mon-Fri 08:00-17:00"})
		}, []string{"option_3"}, "label"},
		{"bad hours spec quotes the parse error", func(d *Draft) {
			d.Options[0].Hours = "Mon-Fry 09:00-18:00"
		}, []string{"option_1"}, `Can't read these hours: "Fry": unknown day`},
		{"bad hours out of range", func(d *Draft) {
			d.Options[0].Hours = "Mon 25:00-26:00"
		}, []string{"option_1"}, `"25:00": hour must be 00-23`},
		{"no channel", func(d *Draft) { d.Channel = "" }, []string{"channel"}, "channel"},
		{"no deadline", func(d *Draft) { d.Deadline = time.Time{} }, []string{"deadline"}, "Pick a deadline"},
		{"deadline in the past", func(d *Draft) { d.Deadline = now.Add(-time.Minute) }, []string{"deadline"}, "already passed"},
		{"deadline now", func(d *Draft) { d.Deadline = now }, []string{"deadline"}, "already passed"},
		{"deadline past 30 days", func(d *Draft) { d.Deadline = now.Add(MaxDeadline + time.Second) }, []string{"deadline"}, "at most 30 days"},
		{"every field at once", func(d *Draft) {
			*d = Draft{Question: "", Options: []Option{
				{Label: "x", Hours: "nonsense"},
				{Label: strings.Repeat("y", 80)},
				{Label: "X", Hours: "Mon-Fri 09:00-18:00"},
				{Label: "a"}, {Label: "b"}, {Label: "c"}, {Label: "d"},
			}, Deadline: now.Add(-time.Hour)}
		}, []string{"question", "options", "option_1", "option_2", "option_3", "channel", "deadline"}, "Ask a question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good()
			tt.edit(&d)
			errs := Validate(d, now)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Msg == "" {
					t.Errorf("field %s has an empty message", e.Field)
				}
			}
			if !slices.Equal(fields, tt.fields) {
				t.Fatalf("Validate fields = %q; want %q (errors %v)", fields, tt.fields, errs)
			}
			if tt.msg != "" && !strings.Contains(errs[0].Msg, tt.msg) {
				t.Errorf("Validate message = %q; want it to contain %q", errs[0].Msg, tt.msg)
			}
		})
	}
}

func TestNew_CleansTheDraft(t *testing.T) {
	now := time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)
	d := Draft{
		Question: "  When?  ",
		Options:  []Option{{Label: " a ", Hours: " Mon-Fri 09:00-18:00 "}, {}, {Label: "b"}},
		Channel:  "C1",
		Deadline: now.Add(time.Hour),
		Live:     true,
	}
	p := New(d, "P1", "T1", "U1", now)
	want := []Option{{Label: "a", Hours: "Mon-Fri 09:00-18:00"}, {Label: "b"}}
	if !slices.Equal(p.Options, want) {
		t.Errorf("New options = %q; want %q", p.Options, want)
	}
	if p.Question != "When?" || p.ID != "P1" || p.Team != "T1" || p.Creator != "U1" || p.Channel != "C1" ||
		!p.Created.Equal(now) || !p.Deadline.Equal(d.Deadline) || !p.Live || p.Adopted != -1 || !p.Open(now) {
		t.Errorf("New = %+v", p)
	}
}

// Package nudge turns the nudge library in nudges/ into the private messages
// trustnudge sends a manager.
//
// The library is content: one YAML file per pattern (after_hours,
// slow_reply, …), each with several variants of what to say, written and
// edited without touching Go. Load reads and validates it; the Render
// functions lay one entry out as Slack Block Kit together with the facts of
// the moment (how many people a message reached, which questions wait), and
// PlainText shows the same message in a terminal.
//
// The package is pure: no I/O beyond reading the library, no clock, no
// Slack calls. Which variant to send, and when, is the policy's business.
package nudge

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/trustnudge/trustnudge/nudges"
)

// Entry is one variant of a nudge: what it says to the manager.
type Entry struct {
	// ID is unique and stable across edits ("after_hours/schedule-send"), so
	// feedback and rotation can refer to it.
	ID string
	// Pattern is the kind of nudge the entry answers ("after_hours"). It is
	// also the kind a manager switches off with "Stop these".
	Pattern string
	// Lead is the short bold first line. It comes from the pattern's file
	// unless the variant sets its own.
	Lead string
	// Body is two or three sentences to the manager, as "you".
	Body string
	// Try is one concrete habit to try.
	Try string
	// Fact is a finding from research on trust or work, and Source where it
	// comes from.
	Fact   string
	Source string
}

// MinVariants is how many variants every pattern needs, so that nudges
// rotate and the same words don't repeat.
const MinVariants = 3

// Longest allowed text of each field, in characters, before placeholders
// are filled. They keep every rendered block well inside Slack's limits
// (3000 characters of section text) and keep nudges short enough to read at a
// glance.
const (
	MaxIDLen     = 80
	MaxLeadLen   = 100
	MaxBodyLen   = 600
	MaxTryLen    = 300
	MaxFactLen   = 500
	MaxSourceLen = 300
)

// Library is a loaded, validated nudge library. It is read-only and safe for
// concurrent use.
type Library struct {
	patterns  []string
	byPattern map[string][]Entry
	byID      map[string]Entry
}

// Patterns lists the library's patterns, sorted.
func (l *Library) Patterns() []string { return slices.Clone(l.patterns) }

// Variants returns the pattern's entries in the order they appear in its
// file, or nil for an unknown pattern.
func (l *Library) Variants(pattern string) []Entry { return slices.Clone(l.byPattern[pattern]) }

// Entry returns the entry with the given ID.
func (l *Library) Entry(id string) (Entry, bool) {
	e, ok := l.byID[id]
	return e, ok
}

var defaultLibrary = sync.OnceValue(func() *Library {
	l, err := Load(nudges.FS)
	if err != nil {
		panic("nudge: the embedded library in nudges/ is invalid: " + err.Error())
	}
	return l
})

// Default returns the library embedded from nudges/. It panics if that
// library is invalid, which the tests of this package and of nudges/ rule
// out.
func Default() *Library { return defaultLibrary() }

// LoadError lists everything wrong with a library, so a writer can fix all
// of it in one go.
type LoadError struct {
	Problems []string
}

func (e *LoadError) Error() string {
	if len(e.Problems) == 1 {
		return "nudge library: " + e.Problems[0]
	}
	return fmt.Sprintf("nudge library: %d problems:\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// file is the shape of one content file.
type file struct {
	Pattern  string    `json:"pattern"`
	Lead     string    `json:"lead"`
	Variants []variant `json:"variants"`
}

type variant struct {
	ID     string `json:"id"`
	Lead   string `json:"lead"`
	Body   string `json:"body"`
	Try    string `json:"try"`
	Fact   string `json:"fact"`
	Source string `json:"source"`
}

var (
	patternName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	idSlug      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Load reads every *.yaml file at the root of fsys as one pattern of the
// library and validates all of it: required fields, the shape and
// uniqueness of IDs, at least MinVariants variants per pattern, known
// placeholders only, and lengths that fit Slack. It reports every problem
// it finds in one *LoadError.
func Load(fsys fs.FS) (*Library, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("nudge library: %w", err)
	}
	var problems []string
	addf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(names) == 0 {
		addf("no *.yaml files found")
	}

	l := &Library{byPattern: map[string][]Entry{}, byID: map[string]Entry{}}
	patternFile := map[string]string{}
	idWhere := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			addf("%s: %v", name, err)
			continue
		}
		var f file
		if err := yaml.UnmarshalStrict(b, &f); err != nil {
			addf("%s: %v", name, err)
			continue
		}
		p := strings.TrimSpace(f.Pattern)
		switch {
		case p == "":
			addf(`%s: missing "pattern"`, name)
			continue
		case !patternName.MatchString(p):
			addf(`%s: pattern %q: use lower-case letters, digits and "_", starting with a letter`, name, p)
			continue
		case name != p+".yaml":
			addf("%s: pattern %q belongs in a file named %s.yaml", name, p, p)
		}
		if other, dup := patternFile[p]; dup {
			addf("%s: pattern %q is already defined in %s", name, p, other)
			continue
		}
		patternFile[p] = name
		lead := clean(f.Lead)
		if lead == "" {
			addf(`%s: missing "lead" (the short bold first line of every %s nudge)`, name, p)
		}

		for i, v := range f.Variants {
			where := fmt.Sprintf("%s: variant %d", name, i+1)
			e := Entry{
				ID: strings.TrimSpace(v.ID), Pattern: p, Lead: clean(v.Lead),
				Body: clean(v.Body), Try: clean(v.Try), Fact: clean(v.Fact), Source: clean(v.Source),
			}
			if e.ID != "" {
				where += " (" + e.ID + ")"
			}
			if e.Lead == "" {
				e.Lead = lead
			}
			var entryProblems []string
			bad := func(format string, args ...any) {
				entryProblems = append(entryProblems, where+": "+fmt.Sprintf(format, args...))
			}
			checkID(e.ID, p, bad)
			if prev, dup := idWhere[e.ID]; dup && e.ID != "" {
				bad("id %q is already used by %s", e.ID, prev)
			}
			allowed := placeholderNames(p)
			for _, fld := range []struct {
				name, text   string
				max          int
				placeholders bool
			}{
				{"body", e.Body, MaxBodyLen, true},
				{"try", e.Try, MaxTryLen, true},
				{"fact", e.Fact, MaxFactLen, false},
				{"source", e.Source, MaxSourceLen, false},
				{"lead", e.Lead, MaxLeadLen, true},
			} {
				if fld.text == "" {
					if fld.name != "lead" { // a missing lead is reported once per file
						bad("missing %q", fld.name)
					}
					continue
				}
				if n := utf8.RuneCountInString(fld.text); n > fld.max {
					bad("%s is %d characters; at most %d fit", fld.name, n, fld.max)
				}
				var ok []string
				if fld.placeholders {
					ok = allowed
				}
				if err := checkPlaceholders(fld.text, ok); err != nil {
					bad("%s: %v", fld.name, err)
				}
			}
			if strings.Contains(e.Lead, "*") {
				bad(`lead: leave out "*"; the lead is shown in bold already`)
			}
			if len(entryProblems) > 0 {
				problems = append(problems, entryProblems...)
				if e.ID != "" {
					idWhere[e.ID] = where
				}
				continue
			}
			idWhere[e.ID] = where
			l.byID[e.ID] = e
			l.byPattern[p] = append(l.byPattern[p], e)
		}
		if n := len(f.Variants); n < MinVariants {
			addf("%s: pattern %q has %d variants; it needs at least %d so nudges can rotate", name, p, n, MinVariants)
		}
		l.patterns = append(l.patterns, p)
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	slices.Sort(l.patterns)
	return l, nil
}

func checkID(id, pattern string, bad func(string, ...any)) {
	if id == "" {
		bad(`missing "id"`)
		return
	}
	slug, ok := strings.CutPrefix(id, pattern+"/")
	switch {
	case !ok:
		bad("id %q must start with %q", id, pattern+"/")
	case !idSlug.MatchString(slug):
		bad(`id %q: after %q use lower-case letters, digits and single "-"`, id, pattern+"/")
	case len(id) > MaxIDLen:
		bad("id %q is %d characters; at most %d", id, len(id), MaxIDLen)
	}
}

// clean folds every run of white space (including the line breaks of YAML
// block scalars) into one space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

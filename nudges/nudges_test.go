package nudges_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/nudges"
)

// These tests are for writers: `go test ./nudges/` says what is wrong with
// an edit before anything is built. internal/nudge checks that every entry
// also renders within Slack's limits.

func load(t *testing.T) *nudge.Library {
	t.Helper()
	lib, err := nudge.Load(nudges.FS)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestLibrary_IsValid(t *testing.T) {
	lib := load(t)
	for _, p := range []string{"after_hours", "slow_reply", "weekly_digest"} {
		if n := len(lib.Variants(p)); n < nudge.MinVariants {
			t.Errorf("%s: %d variants; want at least %d", p, n, nudge.MinVariants)
		}
	}
}

var (
	sentenceEnd = regexp.MustCompile(`[.!?]["”')]?(\s|$)`)
	year        = regexp.MustCompile(`\b(19|20)\d\d\b`)
	scolding    = regexp.MustCompile(`(?i)\b(should|must|never|always|bad|wrong|failed?)\b`)
)

// TestLibrary_ReadsAsANudge holds the house style: a body of two or three
// sentences speaking to the manager as "you", no scolding words, and a
// source precise enough to look up (with its year).
func TestLibrary_ReadsAsANudge(t *testing.T) {
	lib := load(t)
	for _, p := range lib.Patterns() {
		for _, e := range lib.Variants(p) {
			if n := len(sentenceEnd.FindAllString(e.Body, -1)); n < 2 || n > 3 {
				t.Errorf("%s: body has %d sentences; write two or three", e.ID, n)
			}
			if !regexp.MustCompile(`(?i)\byou(r)?\b`).MatchString(e.Body) {
				t.Errorf("%s: body doesn't speak to the manager as \"you\"", e.ID)
			}
			for field, text := range map[string]string{"lead": e.Lead, "body": e.Body, "try": e.Try} {
				if w := scolding.FindString(text); w != "" {
					t.Errorf("%s: %s says %q; nudge, don't scold", e.ID, field, w)
				}
			}
			if !year.MatchString(e.Source) {
				t.Errorf("%s: source %q has no year", e.ID, e.Source)
			}
		}
	}
}

// TestREADME_DocumentsEveryPlaceholder keeps README.md in step with what
// the renderer fills.
func TestREADME_DocumentsEveryPlaceholder(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, p := range load(t).Patterns() {
		for _, ph := range nudge.Placeholders(p) {
			if !strings.Contains(readme, "{{"+ph.Name+"}}") {
				t.Errorf("README.md doesn't describe {{%s}} (%s)", ph.Name, p)
			}
		}
	}
}

package nudge

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/trustnudge/trustnudge/internal/people"
)

// Placeholder is a word in double braces ({{reached}}) that the renderer
// fills in an entry's lead, body or try. Facts and sources are shown as
// written.
type Placeholder struct {
	Name    string
	Means   string
	Example string
}

// placeholders are what each pattern's entries may use. A pattern without
// a renderer here takes none.
var placeholders = map[string][]Placeholder{
	people.KindAfterHours: {
		{"reached", "how many of your team the message reached outside their working hours",
			"3 people on your team"},
		{"suggest", "the first moment inside all their working hours, to use with Schedule send " +
			`("the start of their working day" when there is none to suggest)`,
			"Tue 09:00 their time (08:00 for you)"},
	},
	people.KindSlowReply: {
		{"waiting", "how many questions are waiting", "3 questions"},
		{"oldest", "the longest wait, in your working time", "1 working day 3 h"},
	},
}

// Placeholders lists the placeholders entries of pattern may use.
func Placeholders(pattern string) []Placeholder { return slices.Clone(placeholders[pattern]) }

func placeholderNames(pattern string) []string {
	var names []string
	for _, p := range placeholders[pattern] {
		names = append(names, p.Name)
	}
	return names
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}\s]*)\s*\}\}`)

// checkPlaceholders reports placeholders in text that are not in allowed,
// and braces that don't form a placeholder.
func checkPlaceholders(text string, allowed []string) error {
	var unknown []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(allowed, m[1]) && !slices.Contains(unknown, m[0]) {
			unknown = append(unknown, m[0])
		}
	}
	if len(unknown) > 0 {
		if len(allowed) == 0 {
			return fmt.Errorf("unknown placeholder %s (this field takes no placeholders)", strings.Join(unknown, ", "))
		}
		known := make([]string, len(allowed))
		for i, a := range allowed {
			known[i] = "{{" + a + "}}"
		}
		return fmt.Errorf("unknown placeholder %s (this field may use %s)",
			strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	rest := placeholderRE.ReplaceAllString(text, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return fmt.Errorf(`unclosed or malformed placeholder: write it as {{name}}`)
	}
	return nil
}

// expand fills the placeholders in text from values; one without a value
// becomes empty (Load has made sure that doesn't happen for a valid entry).
func expand(text string, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		return values[placeholderRE.FindStringSubmatch(m)[1]]
	})
}

// uses reports whether text contains the placeholder name.
func uses(text, name string) bool {
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if m[1] == name {
			return true
		}
	}
	return false
}

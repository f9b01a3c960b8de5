package nudge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trustnudge/trustnudge/internal/people"
)

func TestDefault_LoadsTheEmbeddedLibrary(t *testing.T) {
	lib := Default()
	for _, p := range []string{people.KindAfterHours, people.KindSlowReply, people.KindDigest} {
		if !slices.Contains(lib.Patterns(), p) {
			t.Errorf("Patterns() = %v; want %q among them", lib.Patterns(), p)
		}
		vs := lib.Variants(p)
		if len(vs) < MinVariants {
			t.Errorf("%s has %d variants; want at least %d", p, len(vs), MinVariants)
		}
		for _, e := range vs {
			got, ok := lib.Entry(e.ID)
			if !ok || got != e {
				t.Errorf("Entry(%q) = %+v, %v; want %+v", e.ID, got, ok, e)
			}
			if e.Pattern != p || !strings.HasPrefix(e.ID, p+"/") {
				t.Errorf("entry %q has pattern %q; want %q", e.ID, e.Pattern, p)
			}
		}
	}
	if !slices.IsSorted(lib.Patterns()) {
		t.Errorf("Patterns() = %v; want them sorted", lib.Patterns())
	}
	if _, ok := lib.Entry("after_hours/no-such-entry"); ok {
		t.Error("Entry of an unknown ID was found")
	}
	if vs := lib.Variants("no_such_pattern"); vs != nil {
		t.Errorf("Variants(unknown) = %v; want nil", vs)
	}
}

func TestLibrary_VariantsKeepFileOrderAndAreCopies(t *testing.T) {
	lib, err := Load(fstest.MapFS{"slow_reply.yaml": {Data: []byte(library("slow_reply", "zeta", "alpha", "mid"))}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range lib.Variants("slow_reply") {
		ids = append(ids, e.ID)
	}
	if want := []string{"slow_reply/zeta", "slow_reply/alpha", "slow_reply/mid"}; !slices.Equal(ids, want) {
		t.Errorf("Variants = %v; want %v", ids, want)
	}
	vs := lib.Variants("slow_reply")
	vs[0].Body = "changed"
	if lib.Variants("slow_reply")[0].Body == "changed" {
		t.Error("Variants returned the library's own slice")
	}
}

func TestLoad_FoldsWhiteSpaceAndInheritsTheLead(t *testing.T) {
	src := `pattern: after_hours
lead: Sent late
variants:
  - id: after_hours/a
    body: |
      First line
        and   second.
    try: t
    fact: f
    source: s
  - id: after_hours/b
    lead: Own lead
    body: b
    try: t
    fact: f
    source: s
  - id: after_hours/c
    body: c
    try: t
    fact: f
    source: s
`
	lib, err := Load(fstest.MapFS{"after_hours.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := lib.Entry("after_hours/a")
	b, _ := lib.Entry("after_hours/b")
	if a.Body != "First line and second." || a.Lead != "Sent late" || b.Lead != "Own lead" {
		t.Errorf("a = %+v, b = %+v", a, b)
	}
}

// library writes a valid pattern file with one variant per slug.
func library(pattern string, slugs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pattern: %s\nlead: A lead\nvariants:\n", pattern)
	for _, s := range slugs {
		fmt.Fprintf(&b, "  - id: %s/%s\n    body: Body of %s.\n    try: Try %s.\n    fact: A fact.\n    source: A source, 2020\n", pattern, s, s, s)
	}
	return b.String()
}

func TestLoad_ReportsWhatIsWrong(t *testing.T) {
	valid := library("slow_reply", "a", "b", "c")
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{"no files", map[string]string{"README.md": "# hi"}, []string{"no *.yaml files found"}},
		{"not YAML", map[string]string{"slow_reply.yaml": "pattern: [unclosed"}, []string{"slow_reply.yaml:"}},
		{"unknown field (a typo)", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "    source:", "    sorce:", 1)},
			[]string{"slow_reply.yaml:", `unknown field "sorce"`}},
		{"missing pattern", map[string]string{"slow_reply.yaml": strings.Replace(valid, "pattern: slow_reply\n", "", 1)},
			[]string{`slow_reply.yaml: missing "pattern"`}},
		{"bad pattern name", map[string]string{"Slow-Reply.yaml": strings.ReplaceAll(valid, "slow_reply", "Slow-Reply")},
			[]string{`pattern "Slow-Reply": use lower-case letters`}},
		{"file named after another pattern", map[string]string{"other.yaml": valid},
			[]string{`other.yaml: pattern "slow_reply" belongs in a file named slow_reply.yaml`}},
		{"missing lead", map[string]string{"slow_reply.yaml": strings.Replace(valid, "lead: A lead\n", "", 1)},
			[]string{`slow_reply.yaml: missing "lead"`}},
		{"missing field", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "    fact: A fact.\n", "", 1)},
			[]string{`slow_reply.yaml: variant 1 (slow_reply/a): missing "fact"`}},
		{"missing id", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "  - id: slow_reply/b\n    body", "  - body", 1)},
			[]string{`slow_reply.yaml: variant 2: missing "id"`}},
		{"duplicate id", map[string]string{"slow_reply.yaml": library("slow_reply", "a", "b", "a")},
			[]string{`variant 3 (slow_reply/a): id "slow_reply/a" is already used by slow_reply.yaml: variant 1 (slow_reply/a)`}},
		{"id outside its pattern", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "id: slow_reply/b", "id: after_hours/b", 1)},
			[]string{`id "after_hours/b" must start with "slow_reply/"`}},
		{"badly shaped id", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "id: slow_reply/b", "id: slow_reply/Big Idea", 1)},
			[]string{`id "slow_reply/Big Idea": after "slow_reply/" use lower-case letters`}},
		{"unknown placeholder", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "body: Body of a.", "body: Reached {{reached}} people.", 1)},
			[]string{`variant 1 (slow_reply/a): body: unknown placeholder {{reached}} (this field may use {{waiting}}, {{oldest}})`}},
		{"placeholder in a fact", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "fact: A fact.", "fact: '{{waiting}} wait.'", 1)},
			[]string{`fact: unknown placeholder {{waiting}} (this field takes no placeholders)`}},
		{"unclosed placeholder", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "try: Try b.", "try: Answer {{oldest first.", 1)},
			[]string{`variant 2 (slow_reply/b): try: unclosed or malformed placeholder`}},
		{"placeholders of a pattern without a renderer", map[string]string{
			"weekly_digest.yaml": strings.Replace(library("weekly_digest", "a", "b", "c"), "body: Body of c.", "body: '{{count}} this week.'", 1)},
			[]string{`variant 3 (weekly_digest/c): body: unknown placeholder {{count}} (this field takes no placeholders)`}},
		{"too long for Slack", map[string]string{
			"slow_reply.yaml": strings.Replace(valid, "body: Body of a.", "body: "+strings.Repeat("x", MaxBodyLen+1), 1)},
			[]string{fmt.Sprintf("body is %d characters; at most %d fit", MaxBodyLen+1, MaxBodyLen)}},
		{"bold lead", map[string]string{"slow_reply.yaml": strings.Replace(valid, "lead: A lead", "lead: '*Late*'", 1)},
			[]string{`lead: leave out "*"`}},
		{"fewer than three variants", map[string]string{"slow_reply.yaml": library("slow_reply", "a", "b")},
			[]string{`slow_reply.yaml: pattern "slow_reply" has 2 variants; it needs at least 3`}},
		{"pattern defined twice", map[string]string{"slow_reply.yaml": valid, "slow_reply_2.yaml": valid},
			[]string{"belongs in a file named slow_reply.yaml", `slow_reply_2.yaml: pattern "slow_reply" is already defined in slow_reply.yaml`}},
		{"every problem at once", map[string]string{
			"slow_reply.yaml":  library("slow_reply", "a"),
			"after_hours.yaml": strings.Replace(library("after_hours", "a", "b", "c"), "    try: Try c.\n", "", 1)},
			[]string{"2 problems", `after_hours.yaml: variant 3 (after_hours/c): missing "try"`, `"slow_reply" has 1 variants`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			lib, err := Load(fsys)
			if err == nil {
				t.Fatalf("Load = %v, nil; want an error", lib)
			}
			var le *LoadError
			if !errors.As(err, &le) && tt.name != "no files" {
				t.Errorf("error is %T; want *LoadError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error =\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoad_AcceptsAValidLibraryOfAnyPattern(t *testing.T) {
	fsys := fstest.MapFS{
		"slow_reply.yaml":    {Data: []byte(library("slow_reply", "a", "b", "c"))},
		"weekly_digest.yaml": {Data: []byte(library("weekly_digest", "a", "b", "c", "d"))},
		"README.md":          {Data: []byte("# not a pattern")},
	}
	lib, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := lib.Patterns(); !slices.Equal(got, []string{"slow_reply", "weekly_digest"}) {
		t.Errorf("Patterns() = %v", got)
	}
	if n := len(lib.Variants("weekly_digest")); n != 4 {
		t.Errorf("%d weekly_digest variants; want 4", n)
	}
}

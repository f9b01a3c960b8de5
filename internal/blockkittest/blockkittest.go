// Package blockkittest checks rendered Block Kit (messages, App Home and
// modal views, as JSON) against Slack's documented limits, so that what
// Slack would reject fails in a test instead of in a workspace. It is for
// tests only.
package blockkittest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Marshal writes v (a message, view or blocks) as indented JSON, as
// readable as possible for golden files: mentions and links read as <@U…>.
func Marshal(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	b := []byte(unescapeHTML.Replace(buf.String()))
	if !json.Valid(b) {
		t.Fatalf("marshal %T: invalid JSON after unescaping:\n%s", v, b)
	}
	return b
}

// unescapeHTML undoes encoding/json's HTML escaping, which slack-go's own
// MarshalJSON methods apply whatever the outer encoder says. What we render
// holds no backslashes, so no "\\u003c" can be mistaken for an escape.
var unescapeHTML = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// CheckGolden compares got with testdata/name.golden.json in the package
// under test, or rewrites the file when update (the package's -update flag).
func CheckGolden(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff\ngot:\n%s", path, got)
	}
}

// CheckMessage fails t for every problem in a rendered message (JSON with
// "text" and "blocks", as chat.postMessage takes it).
func CheckMessage(t testing.TB, b []byte) {
	t.Helper()
	var msg map[string]any
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	for _, p := range MessageProblems(msg) {
		t.Error(p)
	}
}

// CheckView fails t for every problem in a rendered view (home or modal).
func CheckView(t testing.TB, b []byte) {
	t.Helper()
	var view map[string]any
	if err := json.Unmarshal(b, &view); err != nil {
		t.Fatal(err)
	}
	for _, p := range ViewProblems(view) {
		t.Error(p)
	}
}

// MessageProblems lists what Slack would reject in a message.
func MessageProblems(msg map[string]any) []string {
	l := &limits{}
	if s, _ := msg["text"].(string); strings.TrimSpace(s) == "" {
		l.addf("message has no fallback text")
	} else {
		l.maxLen("fallback text", s, 40000)
	}
	blocks, _ := msg["blocks"].([]any)
	if len(blocks) == 0 || len(blocks) > 50 {
		l.addf("message has %d blocks; Slack allows 1 to 50", len(blocks))
	}
	l.blocks(blocks, false)
	return l.problems
}

// ViewProblems lists what Slack would reject in a home or modal view.
func ViewProblems(view map[string]any) []string {
	l := &limits{}
	blocks, _ := view["blocks"].([]any)
	if len(blocks) == 0 || len(blocks) > 100 {
		l.addf("view has %d blocks; Slack allows 1 to 100", len(blocks))
	}
	modal := false
	switch view["type"] {
	case "home":
	case "modal":
		modal = true
		l.text("modal title", view["title"], 24, true)
		for _, k := range []string{"submit", "close"} {
			if v, ok := view[k]; ok {
				l.text("modal "+k, v, 24, true)
			}
		}
		hasInput := false
		for _, b := range blocks {
			if m, _ := b.(map[string]any); m["type"] == "input" {
				hasInput = true
			}
		}
		if _, ok := view["submit"]; hasInput && !ok {
			l.addf("a modal with input blocks needs submit")
		}
	default:
		l.addf("view type %v", view["type"])
	}
	s, _ := view["private_metadata"].(string)
	l.maxLen("private_metadata", s, 3000)
	for _, k := range []string{"callback_id", "external_id"} {
		s, _ := view[k].(string)
		l.maxLen(k, s, 255)
	}
	l.blocks(blocks, modal)
	return l.problems
}

type limits struct{ problems []string }

func (l *limits) addf(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *limits) maxLen(where, s string, n int) {
	if c := utf8.RuneCountInString(s); c > n {
		l.addf("%s: %d characters; Slack allows %d", where, c, n)
	}
}

// controlRE matches the mrkdwn control sequences trustnudge writes: user
// and channel mentions, and http(s) links with a label.
var controlRE = regexp.MustCompile(`<@[UW][A-Z0-9]+(\|[^<>]*)?>|<#[CG][A-Z0-9]+(\|[^<>]*)?>|<https?://[^<>|\s]+\|[^<>]+>`)

// text checks a text object: plain_text or mrkdwn (plain_text only if
// plainOnly), not blank, at most n characters; mrkdwn must not hold a
// stray "<" or ">" that Slack would read as a broken link or mention.
func (l *limits) text(where string, v any, n int, plainOnly bool) {
	o, ok := v.(map[string]any)
	if !ok {
		l.addf("%s: not a text object: %v", where, v)
		return
	}
	typ, _ := o["type"].(string)
	s, _ := o["text"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
		if _, has := o["emoji"]; has {
			l.addf("%s: mrkdwn text can't set emoji", where)
		}
		if rest := controlRE.ReplaceAllString(s, ""); strings.ContainsAny(rest, "<>") {
			l.addf("%s: unescaped < or > outside a mention or link: %q", where, s)
		}
	default:
		l.addf("%s: text type %q not allowed", where, typ)
	}
	if strings.TrimSpace(s) == "" {
		l.addf("%s: empty text", where)
	}
	l.maxLen(where, s, n)
}

// blocks checks each block; input blocks only in modals.
func (l *limits) blocks(blocks []any, modal bool) {
	blockIDs := map[string]bool{}
	for i, raw := range blocks {
		b, _ := raw.(map[string]any)
		where := fmt.Sprintf("block %d (%v)", i, b["type"])
		if id, _ := b["block_id"].(string); id != "" {
			l.maxLen(where+" block_id", id, 255)
			if blockIDs[id] {
				l.addf("%s: block_id %q repeated", where, id)
			}
			blockIDs[id] = true
		}
		actionIDs := map[string]bool{}
		switch b["type"] {
		case "header":
			l.text(where+" text", b["text"], 150, true)
		case "divider":
		case "section":
			if b["text"] == nil && b["fields"] == nil {
				l.addf("%s: needs text or fields", where)
			}
			if b["text"] != nil {
				l.text(where+" text", b["text"], 3000, false)
			}
			if fs, ok := b["fields"].([]any); ok {
				if len(fs) > 10 {
					l.addf("%s: %d fields; Slack allows 10", where, len(fs))
				}
				for j, f := range fs {
					l.text(fmt.Sprintf("%s field %d", where, j), f, 2000, false)
				}
			}
			if a, ok := b["accessory"]; ok {
				l.element(where+" accessory", a, actionIDs)
			}
		case "context":
			es, _ := b["elements"].([]any)
			if len(es) == 0 || len(es) > 10 {
				l.addf("%s: %d elements; Slack allows 1 to 10", where, len(es))
			}
			for j, e := range es {
				l.text(fmt.Sprintf("%s element %d", where, j), e, 3000, false)
			}
		case "actions":
			es, _ := b["elements"].([]any)
			if len(es) == 0 || len(es) > 25 {
				l.addf("%s: %d elements; Slack allows 1 to 25", where, len(es))
			}
			for j, e := range es {
				l.element(fmt.Sprintf("%s element %d", where, j), e, actionIDs)
			}
		case "input":
			if !modal {
				l.addf("%s: input blocks belong in modals", where)
			}
			l.text(where+" label", b["label"], 2000, true)
			if h, ok := b["hint"]; ok {
				l.text(where+" hint", h, 2000, true)
			}
			l.element(where+" element", b["element"], actionIDs)
		default:
			l.addf("%s: block type not checked here; add its limits", where)
		}
	}
}

func (l *limits) element(where string, v any, actionIDs map[string]bool) {
	e, _ := v.(map[string]any)
	if id, _ := e["action_id"].(string); id != "" {
		l.maxLen(where+" action_id", id, 255)
		if actionIDs[id] {
			l.addf("%s: action_id %q repeated in one block", where, id)
		}
		actionIDs[id] = true
	} else {
		l.addf("%s: no action_id, so the adapter can't route it", where)
	}
	if p, ok := e["placeholder"]; ok {
		l.text(where+" placeholder", p, 150, true)
	}
	if c, ok := e["confirm"]; ok {
		cm, _ := c.(map[string]any)
		l.text(where+" confirm title", cm["title"], 100, true)
		l.text(where+" confirm text", cm["text"], 300, false)
		l.text(where+" confirm button", cm["confirm"], 30, true)
		l.text(where+" confirm deny", cm["deny"], 30, true)
		if s, ok := cm["style"]; ok && s != "primary" && s != "danger" {
			l.addf("%s: confirm style %v", where, s)
		}
	}
	options := func(max int) {
		os, _ := e["options"].([]any)
		if len(os) == 0 || len(os) > max {
			l.addf("%s: %d options; Slack allows 1 to %d", where, len(os), max)
		}
		values := map[string]bool{}
		for j, o := range os {
			om, _ := o.(map[string]any)
			l.text(fmt.Sprintf("%s option %d", where, j), om["text"], 75, false)
			val, _ := om["value"].(string)
			if val == "" || values[val] {
				l.addf("%s option %d: value %q empty or repeated", where, j, val)
			}
			values[val] = true
			l.maxLen(fmt.Sprintf("%s option %d value", where, j), val, 150)
		}
	}
	switch e["type"] {
	case "button":
		l.text(where+" text", e["text"], 75, true)
		s, _ := e["value"].(string)
		l.maxLen(where+" value", s, 2000)
		if s, ok := e["style"]; ok && s != "primary" && s != "danger" {
			l.addf("%s: style %v", where, s)
		}
	case "static_select":
		options(100)
	case "radio_buttons":
		options(10)
	case "multi_users_select":
		max, ok := e["max_selected_items"].(float64)
		if ok && max < 1 {
			l.addf("%s: max_selected_items %v", where, max)
		}
		us, _ := e["initial_users"].([]any)
		if ok && float64(len(us)) > max {
			l.addf("%s: %d initial users but at most %v selectable", where, len(us), max)
		}
		if len(us) > 100 {
			l.addf("%s: %d initial users; Slack allows 100", where, len(us))
		}
	case "plain_text_input":
		max, ok := e["max_length"].(float64)
		if ok && (max < 1 || max > 3000) {
			l.addf("%s: max_length %v; Slack allows up to 3000", where, max)
		}
		s, _ := e["initial_value"].(string)
		if ok && float64(utf8.RuneCountInString(s)) > max {
			l.addf("%s: initial_value longer than max_length", where)
		}
	case "conversations_select":
		f, _ := e["filter"].(map[string]any)
		inc, _ := f["include"].([]any)
		if f != nil && len(inc) == 0 {
			l.addf("%s: filter.include can't be empty", where)
		}
		for _, k := range inc {
			if s, _ := k.(string); !slices.Contains([]string{"im", "mpim", "private", "public"}, s) {
				l.addf("%s: filter.include %v", where, k)
			}
		}
		if c, ok := e["initial_conversation"].(string); ok && (c == "" || len(c) > 32) {
			l.addf("%s: initial_conversation %q", where, c)
		}
	case "datetimepicker":
		if v, ok := e["initial_date_time"]; ok {
			f, _ := v.(float64)
			if f < 1e9 || f >= 1e10 || f != float64(int64(f)) {
				l.addf("%s: initial_date_time %v is not 10-digit UNIX seconds", where, v)
			}
		}
	case "checkboxes":
		os, _ := e["options"].([]any)
		if len(os) == 0 || len(os) > 10 {
			l.addf("%s: %d options; Slack allows 1 to 10", where, len(os))
		}
		values := map[string]bool{}
		for j, o := range os {
			om, _ := o.(map[string]any)
			l.text(fmt.Sprintf("%s option %d", where, j), om["text"], 75, false)
			if d, ok := om["description"]; ok {
				l.text(fmt.Sprintf("%s option %d description", where, j), d, 75, false)
			}
			val, _ := om["value"].(string)
			if val == "" || values[val] {
				l.addf("%s option %d: value %q empty or repeated", where, j, val)
			}
			values[val] = true
			l.maxLen(fmt.Sprintf("%s option %d value", where, j), val, 150)
		}
		inits, _ := e["initial_options"].([]any)
		for _, o := range inits {
			om, _ := o.(map[string]any)
			if val, _ := om["value"].(string); !values[val] {
				l.addf("%s: initial option %q is not an option", where, val)
			}
		}
	default:
		l.addf("%s: element type %v not checked here; add its limits", where, e["type"])
	}
}

// ElementProblems lists what Slack would reject in one interactive element
// (a button, a select, an input…), for tests of the checker itself.
func ElementProblems(where string, e map[string]any) []string {
	l := &limits{}
	l.element(where, e, map[string]bool{})
	return l.problems
}

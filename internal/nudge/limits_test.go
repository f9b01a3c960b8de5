package nudge

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkLimits checks a rendered message (as JSON) against Slack's
// documented Block Kit limits for messages, so a nudge Slack would reject
// fails here instead of in a workspace. The idea is slackui's checker,
// narrowed to what messages can hold.
func checkLimits(t *testing.T, b []byte) {
	t.Helper()
	var msg map[string]any
	if err := json.Unmarshal(b, &msg); err != nil {
		t.Fatal(err)
	}
	for _, p := range messageProblems(msg) {
		t.Error(p)
	}
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

// text checks a text object: plain_text or mrkdwn (plain_text only if
// plainOnly), non-empty, at most n characters; mrkdwn must not hold a
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

// controlRE matches the mrkdwn control sequences nudges may contain: user
// mentions and http(s) links with a label.
var controlRE = regexp.MustCompile(`<@[UW][A-Z0-9]+>|<https?://[^<>|\s]+\|[^<>]+>`)

func messageProblems(msg map[string]any) []string {
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
		switch b["type"] {
		case "divider":
		case "header":
			l.text(where+" text", b["text"], 150, true)
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
			if _, ok := b["accessory"]; ok {
				l.addf("%s: nudges don't use accessories; add their limits here first", where)
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
			actionIDs := map[string]bool{}
			for j, e := range es {
				l.button(fmt.Sprintf("%s element %d", where, j), e, actionIDs)
			}
		default:
			l.addf("%s: block type not checked here; add its limits", where)
		}
	}
	return l.problems
}

func (l *limits) button(where string, v any, actionIDs map[string]bool) {
	e, _ := v.(map[string]any)
	if e["type"] != "button" {
		l.addf("%s: element type %v not checked here; add its limits", where, e["type"])
		return
	}
	id, _ := e["action_id"].(string)
	if id == "" {
		l.addf("%s: no action_id, so the adapter can't route it", where)
	}
	l.maxLen(where+" action_id", id, 255)
	if actionIDs[id] {
		l.addf("%s: action_id %q repeated in one block", where, id)
	}
	actionIDs[id] = true
	l.text(where+" text", e["text"], 75, true)
	value, _ := e["value"].(string)
	l.maxLen(where+" value", value, 2000)
	if s, ok := e["style"]; ok && s != "primary" && s != "danger" {
		l.addf("%s: style %v", where, s)
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
}

func TestLimits_CheckerCatchesViolations(t *testing.T) {
	m := RenderSlowReply(SlowReplyView{Entry: testSlowReply, NudgeID: "n1", Items: items(3)})
	var msg map[string]any
	if err := json.Unmarshal(marshal(t, m), &msg); err != nil {
		t.Fatal(err)
	}
	if p := messageProblems(msg); len(p) != 0 {
		t.Fatalf("unexpected problems: %q", p)
	}

	msg["text"] = ""
	bs := msg["blocks"].([]any)
	last := bs[len(bs)-1].(map[string]any)
	btn := last["elements"].([]any)[0].(map[string]any)
	btn["text"].(map[string]any)["text"] = strings.Repeat("x", 76)
	btn["value"] = strings.Repeat("v", 2001)
	bs[0].(map[string]any)["text"].(map[string]any)["text"] = "a <stray bracket"
	for len(bs) <= 50 {
		bs = append(bs, map[string]any{"type": "divider"})
	}
	msg["blocks"] = bs
	p := messageProblems(msg)
	for _, want := range []string{"no fallback text", "76 characters", "2001 characters", "unescaped <", "51 blocks"} {
		if !strings.Contains(strings.Join(p, "\n"), want) {
			t.Errorf("problems = %q; want one about %q", p, want)
		}
	}
	if len(p) != 5 {
		t.Errorf("got %d problems; want 5: %q", len(p), p)
	}
}

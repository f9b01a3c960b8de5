package slackui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

// checkLimits checks a rendered view (home or modal, as JSON) against Slack's
// documented Block Kit limits, so a view Slack would reject fails here
// instead of in a workspace.
func checkLimits(t *testing.T, b []byte) {
	t.Helper()
	var view map[string]any
	if err := json.Unmarshal(b, &view); err != nil {
		t.Fatal(err)
	}
	for _, p := range viewProblems(view) {
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
// plainOnly), non-empty, at most n characters.
func (l *limits) text(where string, v any, n int, plainOnly bool) {
	o, ok := v.(map[string]any)
	if !ok {
		l.addf("%s: not a text object: %v", where, v)
		return
	}
	typ, _ := o["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
		if _, has := o["emoji"]; has {
			l.addf("%s: mrkdwn text can't set emoji", where)
		}
	default:
		l.addf("%s: text type %q not allowed", where, typ)
	}
	s, _ := o["text"].(string)
	if s == "" {
		l.addf("%s: empty text", where)
	}
	l.maxLen(where, s, n)
}

func viewProblems(view map[string]any) []string {
	l := &limits{}
	blocks, _ := view["blocks"].([]any)
	if len(blocks) == 0 || len(blocks) > 100 {
		l.addf("view has %d blocks; Slack allows 1 to 100", len(blocks))
	}
	switch view["type"] {
	case "home":
	case "modal":
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
	for _, k := range []string{"private_metadata"} {
		s, _ := view[k].(string)
		l.maxLen(k, s, 3000)
	}
	for _, k := range []string{"callback_id", "external_id"} {
		s, _ := view[k].(string)
		l.maxLen(k, s, 255)
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
			if view["type"] != "modal" {
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
	return l.problems
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
	default:
		l.addf("%s: element type %v not checked here; add its limits", where, e["type"])
	}
}

// bigTeam makes n user IDs of the longest ordinary shape (W + 10).
func bigTeam(n int) []activity.UserID {
	us := make([]activity.UserID, n)
	for i := range us {
		us[i] = activity.UserID(fmt.Sprintf("W%010d", i))
	}
	return us
}

func TestLimits_LargeTeamHomeStaysWithinBlockKit(t *testing.T) {
	now := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	kinds := make([]string, 2*maxKindsShown)
	for i := range kinds {
		kinds[i] = strings.Repeat("k", 200) + fmt.Sprint(i)
	}
	h := Home{
		User: "U0BIG", Now: now,
		OptedIn:        true,
		Members:        bigTeam(MaxTeam),
		SnoozedUntil:   now.Add(people.MaxSnooze),
		SnoozeReason:   people.SnoozeOnCall,
		OwnHours:       strings.Repeat("Mon 09:00-10:00 ", 200),
		EffectiveHours: strings.Repeat("Tue <09:00-10:00> ", 200),
		HoursSource:    SourceNorm,
		OnTeamsOf:      100,
		IsAdmin:        true,
		KindsOff:       kinds,
		Notice:         strings.Repeat("<!channel> & ", 500),
	}
	b := marshal(t, HomeView(h))
	checkLimits(t, b)

	// Every member is still shown.
	for _, u := range h.Members {
		if !strings.Contains(string(b), "<@"+string(u)+">") {
			t.Fatalf("member %s is missing from the home view", u)
		}
	}
}

func TestLimits_VeryLongIDsSpreadOverSeveralSections(t *testing.T) {
	us := make([]activity.UserID, MaxTeam)
	for i := range us {
		us[i] = activity.UserID(fmt.Sprintf("U%031d", i)) // 32 characters, the longest isUserID takes
	}
	v := HomeView(Home{OptedIn: true, Members: us})
	b := marshal(t, v)
	checkLimits(t, b)
	mentions := strings.Count(string(b), "<@U")
	if mentions != MaxTeam {
		t.Errorf("%d mentions; want %d", mentions, MaxTeam)
	}
}

func TestLimits_LargeTeamModalIsCappedAtMaxTeam(t *testing.T) {
	m := TeamModal(bigTeam(MaxTeam + 50))
	b := marshal(t, m)
	checkLimits(t, b)
	if n := strings.Count(string(b), `"W0`); n != MaxTeam {
		t.Errorf("%d initial users; want %d", n, MaxTeam)
	}
}

func TestLimits_LongHoursSpecAndExample(t *testing.T) {
	long := strings.Repeat("Mon-Fri 09:00-18:00 ", 200)
	checkLimits(t, marshal(t, HoursModal(long, long)))
}

func TestLimits_CheckerCatchesViolations(t *testing.T) {
	// The checker itself must fail on what Slack rejects.
	h := HomeView(Home{})
	long := strings.Repeat("x", 76)
	h.Blocks.BlockSet = append(h.Blocks.BlockSet, sectionWith("ok", button("a", "ok")))
	b := marshal(t, h)
	var view map[string]any
	if err := json.Unmarshal(b, &view); err != nil {
		t.Fatal(err)
	}
	if p := viewProblems(view); len(p) != 0 {
		t.Fatalf("unexpected problems: %v", p)
	}
	bs := view["blocks"].([]any)
	last := bs[len(bs)-1].(map[string]any)
	last["accessory"].(map[string]any)["text"].(map[string]any)["text"] = long
	for len(bs) <= 100 {
		bs = append(bs, map[string]any{"type": "divider"})
	}
	view["blocks"] = bs
	p := viewProblems(view)
	if len(p) != 2 {
		t.Errorf("problems = %q; want the long button text and the block count", p)
	}
}

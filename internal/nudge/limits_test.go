package nudge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/blockkittest"
)

func TestLimits_CheckerCatchesViolations(t *testing.T) {
	m := RenderSlowReply(SlowReplyView{Entry: testSlowReply, NudgeID: "n1", Items: items(3)})
	var msg map[string]any
	if err := json.Unmarshal(blockkittest.Marshal(t, m), &msg); err != nil {
		t.Fatal(err)
	}
	if p := blockkittest.MessageProblems(msg); len(p) != 0 {
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
	p := blockkittest.MessageProblems(msg)
	for _, want := range []string{"no fallback text", "76 characters", "2001 characters", "unescaped <", "51 blocks"} {
		if !strings.Contains(strings.Join(p, "\n"), want) {
			t.Errorf("problems = %q; want one about %q", p, want)
		}
	}
	if len(p) != 5 {
		t.Errorf("got %d problems; want 5: %q", len(p), p)
	}
}

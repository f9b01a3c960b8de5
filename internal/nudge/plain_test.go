package nudge

import (
	"encoding/json"
	"go/build"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/blockkittest"
)

func TestPlainText_SlowReply(t *testing.T) {
	names := map[activity.UserID]string{"U0ALICE": "alice", "U0BOB": "bob"}
	got := PlainText(RenderSlowReply(slowReplyGoldenView(t)), func(u activity.UserID) string { return names[u] })
	want := `Waiting for you: 3 questions from your team
Your team has 3 questions waiting for you; the longest wait so far is 3 working days. A short answer today means a lot.
• Question (https://acme.slack.com/archives/C0TEAM/p1763200000000) from @alice · asked Mon 16:00 · waiting 3 working days
• Question (https://acme.slack.com/archives/C0TEAM/p1763200000001) from @bob · asked Mon 16:47 · waiting 2 working days 6 h
• Question (https://acme.slack.com/archives/C0TEAM/p1763200000002) from @U0CAROL · asked Mon 17:34 · waiting 2 working days 5 h
Try this: Reply with a quick "Seen it", then keep that promise.
Why it matters: Trust rests on relationships, judgment and consistency. — J. Zenger & J. Folkman, "The 3 Elements of Trust", Harvard Business Review, 2019
[Helpful] [Not helpful] [Snooze a week] [Stop these]
`
	if got != want {
		t.Errorf("PlainText =\n%s\nwant\n%s", got, want)
	}
}

func TestPlainText_AfterHoursUnescapesContent(t *testing.T) {
	got := PlainText(RenderAfterHours(afterHoursGoldenView(t)), nil)
	for _, want := range []string{
		"Sent outside their working hours\nYour message reached 3 people on your team outside their working hours. When it lands is what they read as the expectation.\n",
		"Next time, try Slack's Schedule send for Tue 09:00 their time (08:00 for you).\n",
		"Try this: Write whenever it suits you & send when their day starts.\n",
		"Why it matters: Expecting replies after hours raises <anxiety>. — A. Author & B. Author,",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("PlainText =\n%s\nwant it to contain %q", got, want)
		}
	}
}

// TestImports_StayPure keeps rendering free of the store and the Slack
// adapter: the adapter imports this package, never the reverse.
func TestImports_StayPure(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		for _, banned := range []string{"/internal/store", "/internal/slackapp", "/internal/slackfake", "/internal/slackui"} {
			if strings.HasSuffix(imp, banned) || strings.Contains(imp, banned+"/") {
				t.Errorf("nudge imports %s", imp)
			}
		}
	}
}

// TestPlainText_SameAfterAJSONRoundTrip covers the demo's use: it reads
// the blocks back from what was posted to Slack.
func TestPlainText_SameAfterAJSONRoundTrip(t *testing.T) {
	for _, m := range []Message{RenderAfterHours(afterHoursGoldenView(t)), RenderSlowReply(slowReplyGoldenView(t))} {
		var back struct {
			Text   string       `json:"text"`
			Blocks slack.Blocks `json:"blocks"`
		}
		if err := json.Unmarshal(blockkittest.Marshal(t, m), &back); err != nil {
			t.Fatal(err)
		}
		want := PlainText(m, nil)
		if got := PlainText(Message{Text: back.Text, Blocks: back.Blocks.BlockSet}, nil); got != want {
			t.Errorf("after a round trip PlainText =\n%s\nwant\n%s", got, want)
		}
	}
}

package nudge

import (
	"cmp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/people"
)

// maxHeaderText is Slack's limit on a header block's text.
const maxHeaderText = 150

// DigestView is one weekly digest: the numbers of the week and the
// library entry with the habit to try.
type DigestView struct {
	Entry Entry
	// DigestID identifies this digest in button values (Entry.ID if empty).
	DigestID string
	Report   digest.Report
	// PollButton adds "Ask my team about messaging hours" (ActionAskTeam):
	// for a team without an agreed norm.
	PollButton bool
}

// RenderDigest lays out a weekly digest: which week it is about, the good
// news said out loud, the numbers (after-hours messages with their trend,
// requests and reply times, what waits now, the team norm), then the
// entry's habit to try with the fact behind it, and the buttons.
func RenderDigest(v DigestView) Message {
	r, e := v.Report, v.Entry
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(truncate(r.Title(), maxHeaderText))),
		section(escape(r.Intro())),
	}
	if good := r.GoodNews(); len(good) > 0 {
		lines := make([]string, len(good))
		for i, g := range good {
			lines[i] = ":sparkles: *" + escape(g) + "*"
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	var lines []string
	for _, l := range r.Lines() {
		lines = append(lines, digestLine(l))
	}
	for _, text := range pack(lines, maxSectionText) {
		blocks = append(blocks, section(text))
	}
	blocks = append(blocks,
		slack.NewDividerBlock(),
		section("*"+escape(e.Lead)+"*\n"+escape(e.Body)),
		trySection(e.Try),
		factContext(e),
		digestActions(cmp.Or(v.DigestID, e.ID), v.PollButton),
	)
	return Message{Text: escape(stripEmphasis(r.Summary())), Blocks: blocks}
}

// digestLine is "• *Label:* `code` text".
func digestLine(l digest.Line) string {
	s := "• *" + escape(l.Label) + ":* "
	if c := strings.ReplaceAll(l.Code, "`", "'"); c != "" {
		s += "`" + escape(truncate(c, 200)) + "` "
	}
	return s + escape(l.Text)
}

// digestActions are the digest's buttons: the norms poll when the team has
// no norm yet, and a way to stop digests.
func digestActions(id string, poll bool) *slack.ActionBlock {
	value := ButtonValue(id, people.KindDigest)
	var els []slack.BlockElement
	if poll {
		els = append(els, button(ActionAskTeam, "Ask my team about messaging hours", value).WithStyle(slack.StylePrimary))
	}
	confirm := slack.NewConfirmationBlockObject(plain("Stop weekly digests?"),
		plain("You won't get a digest on Mondays any more. You can turn them back on from trustnudge's Home tab."),
		plain("Stop them"), plain("Keep them")).WithStyle(slack.StyleDanger)
	els = append(els, button(ActionStop, "Stop weekly digests", value).WithConfirm(confirm))
	return slack.NewActionBlock("", els...)
}

package nudge

import (
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// PlainText shows a rendered nudge as readable plain text, for the demo
// and for logs of what a test sent: one line per block's line, mentions as
// "@name" (name may be nil to show the raw ID), links as "label (url)",
// bold and italics unmarked, and buttons as "[Label]".
func PlainText(m Message, name func(activity.UserID) string) string {
	var out []string
	for _, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil {
				out = append(out, textOf(b.Text, name))
			}
			for _, f := range b.Fields {
				out = append(out, textOf(f, name))
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, textOf(t, name))
				}
			}
			out = append(out, strings.Join(parts, " "))
		case *slack.ActionBlock:
			var labels []string
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.Text != nil {
					labels = append(labels, "["+btn.Text.Text+"]")
				}
			}
			out = append(out, strings.Join(labels, " "))
		case *slack.HeaderBlock:
			if b.Text != nil {
				out = append(out, b.Text.Text)
			}
		case *slack.DividerBlock:
			out = append(out, "---")
		}
	}
	if len(out) == 0 {
		return m.Text + "\n"
	}
	return strings.Join(out, "\n") + "\n"
}

func textOf(t *slack.TextBlockObject, name func(activity.UserID) string) string {
	if t.Type == slack.PlainTextType {
		return t.Text
	}
	return mrkdwnToPlain(t.Text, name)
}

var (
	mentionRE = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	linkRE    = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>`)
	boldRE    = regexp.MustCompile(`\*([^*\n]+)\*`)
	italicRE  = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
)

// mrkdwnToPlain reads Slack mrkdwn as plain text.
func mrkdwnToPlain(s string, name func(activity.UserID) string) string {
	s = mentionRE.ReplaceAllStringFunc(s, func(m string) string {
		id := activity.UserID(mentionRE.FindStringSubmatch(m)[1])
		n := string(id)
		if name != nil {
			if got := name(id); got != "" {
				n = got
			}
		}
		return "@" + strings.TrimPrefix(n, "@")
	})
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		if sub[2] == "" {
			return sub[1]
		}
		return sub[2] + " (" + sub[1] + ")"
	})
	s = stripEmphasis(s)
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// stripEmphasis removes mrkdwn's *bold* and _italic_ marks.
func stripEmphasis(s string) string {
	s = boldRE.ReplaceAllString(s, "$1")
	return italicRE.ReplaceAllString(s, "$1$2")
}

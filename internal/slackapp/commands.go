package slackapp

import (
	"strings"

	"github.com/slack-go/slack"
)

// helpText explains the app in plain words, including what it never reads.
const helpText = "*trustnudge* helps managers build trust with their teams through small, private nudges.\n" +
	"It reads only message *metadata*: who posted, in which conversation, when, in which thread, and whom they mentioned. " +
	"It never reads, stores or logs what anyone wrote.\n\n" +
	"*Commands*\n" +
	"• `/trustnudge help`: this message"

// commandReply answers a slash command in the Socket Mode ack, so the
// person sees an answer within Slack's 3 seconds. Replies are ephemeral.
func (a *App) commandReply(cmd slack.SlashCommand) map[string]any {
	verb, _, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	a.log.Debug("slash command", "user", cmd.UserID, "channel", cmd.ChannelID, "verb", verbForLog(verb))
	switch strings.ToLower(verb) {
	case "", "help":
		return ephemeral(helpText)
	default:
		return ephemeral("I don't know `" + truncate(verb, 40) + "`. Usage: `/trustnudge help`")
	}
}

// verbForLog keeps free text out of logs: only known verbs are logged.
func verbForLog(verb string) string {
	switch strings.ToLower(verb) {
	case "", "help":
		return strings.ToLower(verb)
	}
	return "(other)"
}

func ephemeral(text string) map[string]any {
	return map[string]any{"response_type": "ephemeral", "text": text}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

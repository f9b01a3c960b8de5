package command

import (
	"errors"
	"strings"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

// parseUsers reads the people named in a team command. Slack sends a
// mention picked from the @ menu as <@U…> or <@U…|name>; anything else is
// refused with the reason, since guessing who "bob" is would put the wrong
// person on a team. It stops at the first problem, or as soon as more than
// MaxPeople are named, so its work is bounded by what it returns.
func parseUsers(s string) (users []activity.UserID, problem string) {
	seen := make(map[activity.UserID]bool)
	for s != "" {
		var tok string
		tok, s = cut(s, isSpaceComma)
		if f := fold(tok); f == "and" || f == "&amp;" || f == "&" {
			continue
		}
		id, problem := mention(tok)
		if problem != "" {
			return nil, problem
		}
		if seen[id] {
			continue
		}
		if len(users) == MaxPeople {
			return nil, "That's more than 100 people for one command; name at most 100 at a time."
		}
		seen[id] = true
		users = append(users, id)
	}
	return users, ""
}

// mention reads one escaped user mention, or says why tok isn't one.
func mention(tok string) (activity.UserID, string) {
	notMention := "“" + echo(tok) + "” isn't a Slack mention: pick people from the @ menu so Slack sends who they are."
	if len(tok) < 3 || tok[0] != '<' || tok[len(tok)-1] != '>' {
		return "", notMention
	}
	body, label, _ := strings.Cut(tok[1:len(tok)-1], "|")
	switch {
	case strings.HasPrefix(body, "@"):
		if id := body[1:]; ValidUserID(id) {
			return activity.UserID(id), ""
		}
	case strings.HasPrefix(body, "#"):
		switch id := body[1:]; {
		case label != "":
			return "", "#" + echo(label) + " is a channel; a team is made of people."
		case slackID(id):
			// Slack shows the channel's name in place of <#C…>.
			return "", "<#" + id + "> is a channel; a team is made of people."
		}
		return "", "That's a channel; a team is made of people."
	case strings.HasPrefix(body, "!subteam^"):
		if label != "" {
			return "", "User groups like " + echo(label) + " aren't supported yet; name people one by one."
		}
		return "", "User groups aren't supported yet; name people one by one."
	case strings.HasPrefix(body, "!"):
		name, _, _ := strings.Cut(body[1:], "^")
		if name != "" {
			return "", "@" + echo(name) + " isn't a person; name people one by one."
		}
	}
	return "", notMention
}

// ValidUserID reports whether id looks like a Slack user ID: U or W (for
// Enterprise Grid) and then upper-case letters and digits.
func ValidUserID(id string) bool {
	return len(id) >= 3 && (id[0] == 'U' || id[0] == 'W') && slackID(id)
}

func slackID(id string) bool {
	if len(id) < 2 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// hoursProblem is what workhours says is wrong, with the offending part
// clipped like any other echo of user input.
func hoursProblem(err error) string {
	var se *workhours.SyntaxError
	if !errors.As(err, &se) {
		return "that isn't a working-hours spec"
	}
	c := *se
	c.Part = echo(c.Part)
	return c.Error()
}

package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/command"
)

// Request is one /trustnudge command.
type Request struct {
	Team    activity.TeamID
	User    activity.UserID
	Channel activity.ChannelID
	Text    string
}

// Reply is the ephemeral answer, and whether the person's App Home should
// be refreshed because something changed.
type Reply struct {
	Text        string
	HomeChanged bool
}

// failed is said when the app itself failed; nothing was changed.
const failed = "Sorry, something went wrong on trustnudge's side and nothing was changed. Please try again in a minute."

// HelpText explains the app and lists the commands.
func HelpText() string {
	var b strings.Builder
	b.WriteString("*trustnudge* helps managers build trust with their teams through small, private nudges.\n")
	b.WriteString("It reads only message *metadata*: who posted, in which conversation, when, in which thread, and whom they mentioned. ")
	b.WriteString("It never reads, stores or logs what anyone wrote. Nudges are seen only by the manager they are for.\n\n*Commands*\n")
	for _, l := range command.HelpLines() {
		b.WriteString("• " + l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Command parses and performs one /trustnudge command. It always returns
// something to say: a usage line for bad input, a refusal with its reason,
// or an apology when the app failed.
func (e *Engine) Command(ctx context.Context, req Request) Reply {
	cmd, err := command.Parse(req.Text)
	if err != nil {
		return Reply{Text: err.Error()}
	}
	a := Actor{Team: req.Team, User: req.User}
	var text string
	changes := true
	switch cmd.Kind {
	case command.Help:
		return Reply{Text: HelpText()}
	case command.OptIn:
		text, err = e.OptIn(ctx, a)
	case command.OptOut:
		text, err = e.OptOut(ctx, a)
	case command.TeamShow:
		text, err = e.ShowTeam(ctx, a)
		changes = false
	case command.TeamSet:
		text, err = e.SetTeam(ctx, a, cmd.Users)
	case command.TeamAdd:
		text, err = e.AddToTeam(ctx, a, cmd.Users)
	case command.TeamRemove:
		text, err = e.RemoveFromTeam(ctx, a, cmd.Users)
	case command.HoursShow:
		text, err = e.ShowHours(ctx, a)
		changes = false
	case command.HoursSet:
		text, err = e.SetHours(ctx, a, cmd.Spec)
	case command.Snooze:
		text, err = e.Snooze(ctx, a, cmd.Snooze, cmd.Reason)
	case command.SnoozeOff:
		text, err = e.Unsnooze(ctx, a)
	case command.Status:
		text, err = e.Status(ctx, a)
		changes = false
	case command.ExcludeMe:
		text, err = e.Exclude(ctx, a)
	case command.IncludeMe:
		text, err = e.Include(ctx, a)
	case command.ForgetMe:
		text, err = e.Forget(ctx, a)
	case command.Digest:
		text, err = e.DigestNow(ctx, a)
		changes = false
	case command.AdminStatus:
		text, err = e.AdminStatus(ctx, a)
		changes = false
	case command.AdminHoursShow:
		text, err = e.AdminShowHours(ctx, a)
		changes = false
	case command.AdminHours:
		text, err = e.AdminSetHours(ctx, a, cmd.Spec)
	default:
		return Reply{Text: HelpText()}
	}
	return e.reply(cmd.Kind.String(), req, text, err, changes)
}

func (e *Engine) reply(what string, req Request, text string, err error, changes bool) Reply {
	var r *Refusal
	switch {
	case errors.As(err, &r):
		return Reply{Text: r.Msg}
	case err != nil:
		e.log.Error("command failed", "command", what, "team", req.Team, "user", req.User, "err", err)
		return Reply{Text: failed}
	}
	return Reply{Text: text, HomeChanged: changes}
}

// Failed is the reply for an action that failed inside the app.
func Failed() string { return failed }

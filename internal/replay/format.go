package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trustnudge/trustnudge/internal/people"
)

// The JSON form's keys are an interface: tools rely on them.
type jsonReport struct {
	MessagesRead int           `json:"messages_read"`
	Team         string        `json:"team"`
	From         string        `json:"from,omitempty"`
	To           string        `json:"to,omitempty"`
	First        string        `json:"first_message,omitempty"`
	Last         string        `json:"last_message,omitempty"`
	Warnings     int           `json:"warnings"`
	Hours        string        `json:"hours"`
	IncludeDMs   bool          `json:"include_dms"`
	Managers     []jsonManager `json:"managers"`
}

type jsonManager struct {
	Manager            string      `json:"manager"`
	Name               string      `json:"name,omitempty"`
	TZ                 string      `json:"tz"`
	Members            int         `json:"members"`
	AfterHoursMessages int         `json:"after_hours_messages"`
	Requests           int         `json:"requests"`
	SlowRequests       int         `json:"slow_requests"`
	Unanswered         int         `json:"unanswered"`
	AnsweredByReaction int         `json:"answered_by_reaction"`
	MedianReply        *float64    `json:"median_reply_working_minutes"`
	Nudges             []jsonNudge `json:"nudges"`
}

type jsonNudge struct {
	Kind    string `json:"kind"`
	At      string `json:"at"`
	Channel string `json:"channel,omitempty"`
	Reached int    `json:"reached,omitempty"`
	Waiting int    `json:"waiting,omitempty"`
}

// WriteJSON writes r as one JSON object.
func WriteJSON(w io.Writer, r Report) error {
	out := jsonReport{
		MessagesRead: r.MessagesRead,
		Team:         string(r.Team),
		From:         rfc3339(r.From, time.UTC),
		To:           rfc3339(r.To, time.UTC),
		First:        rfc3339(r.First, time.UTC),
		Last:         rfc3339(r.Last, time.UTC),
		Warnings:     r.Warnings,
		Hours:        r.Hours,
		IncludeDMs:   r.IncludeDMs,
		Managers:     make([]jsonManager, 0, len(r.Managers)),
	}
	for _, m := range r.Managers {
		loc := zone(m.TZ)
		jm := jsonManager{
			Manager:            string(m.Manager),
			Name:               m.Name,
			TZ:                 m.TZ,
			Members:            m.Members,
			AfterHoursMessages: m.AfterHoursMessages,
			Requests:           m.Requests,
			SlowRequests:       m.SlowRequests,
			Unanswered:         m.Unanswered,
			AnsweredByReaction: m.AnsweredByReaction,
			Nudges:             make([]jsonNudge, 0, len(m.Nudges)),
		}
		if med, ok := m.MedianReplyMinutes(); ok {
			med = math.Round(med*10) / 10
			jm.MedianReply = &med
		}
		for _, n := range m.Nudges {
			jm.Nudges = append(jm.Nudges, jsonNudge{
				Kind: n.Kind, At: rfc3339(n.At, loc), Channel: string(n.Channel), Reached: n.Reached, Waiting: n.Waiting,
			})
		}
		out.Managers = append(out.Managers, jm)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// maxTextNudges is how many nudges the text form lists per manager.
const maxTextNudges = 20

// WriteText writes r for a person at a terminal.
func WriteText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Replay of workspace %s: %d messages read", orDash(string(r.Team)), r.MessagesRead)
	if !r.First.IsZero() {
		fmt.Fprintf(&b, ", %s to %s", r.First.UTC().Format("2 Jan 2006"), r.Last.UTC().Format("2 Jan 2006"))
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "Working hours: %s, in each person's own time zone.\n", r.Hours)
	if r.IncludeDMs {
		b.WriteString("Direct messages between two people are judged too (--include-dms), though the bot would never see them.\n")
	} else {
		b.WriteString("Direct messages between two people are left out, as the bot never sees them (--include-dms judges them too).\n")
	}
	if r.Warnings > 0 {
		fmt.Fprintf(&b, "%d problem%s in the export %s skipped (see the warnings above).\n", r.Warnings, plural(r.Warnings), wasWere(r.Warnings))
	}
	for _, m := range r.Managers {
		loc := zone(m.TZ)
		name := string(m.Manager)
		if m.Name != "" {
			name = m.Name + " (" + string(m.Manager) + ")"
		}
		fmt.Fprintf(&b, "\n%s, %s, team of %d\n", name, m.TZ, m.Members)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  after-hours messages\t%d\n", m.AfterHoursMessages)
		fmt.Fprintf(tw, "  requests from the team\t%d\n", m.Requests)
		if med, ok := m.MedianReplyMinutes(); ok {
			fmt.Fprintf(tw, "  median reply\t%s of working time\n", workingDuration(med))
		} else {
			fmt.Fprintf(tw, "  median reply\t—\n")
		}
		fmt.Fprintf(tw, "  slow (over a working day)\t%d\n", m.SlowRequests)
		fmt.Fprintf(tw, "  still waiting at the end\t%d\n", m.Unanswered)
		fmt.Fprintf(tw, "  answered with a reaction\t%d\n", m.AnsweredByReaction)
		if err := tw.Flush(); err != nil {
			return err
		}
		after, slow := 0, 0
		for _, n := range m.Nudges {
			if n.Kind == people.KindAfterHours {
				after++
			} else {
				slow++
			}
		}
		if len(m.Nudges) == 0 {
			b.WriteString("  Nothing would have been sent.\n")
			continue
		}
		fmt.Fprintf(&b, "  Would have sent %d nudge%s (%d after hours, %d about slow replies):\n", len(m.Nudges), plural(len(m.Nudges)), after, slow)
		for i, n := range m.Nudges {
			if i == maxTextNudges {
				fmt.Fprintf(&b, "    … and %d more (--format json lists all)\n", len(m.Nudges)-maxTextNudges)
				break
			}
			at := n.At.In(loc).Format("Mon 2 Jan 2006 15:04")
			if n.Kind == people.KindAfterHours {
				fmt.Fprintf(&b, "    %s  after hours, reached %d\n", at, n.Reached)
			} else {
				fmt.Fprintf(&b, "    %s  slow replies, %d waiting\n", at, n.Waiting)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// workingDuration says a number of working minutes as people do.
func workingDuration(min float64) string {
	m := int(math.Round(min))
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

func rfc3339(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

func zone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.UTC
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

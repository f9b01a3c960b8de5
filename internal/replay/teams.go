package replay

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/export"
)

// Team is one manager and their team members, as the team map gives them.
type Team struct {
	Manager activity.UserID
	Members []activity.UserID // sorted, without duplicates
}

// LineError is one bad row of a team map.
type LineError struct {
	Line int
	Msg  string
}

// TeamsError lists every bad row of a team map, so all can be mended at
// once.
type TeamsError struct {
	File  string
	Lines []LineError
}

// maxLineErrors is how many bad rows an error message lists.
const maxLineErrors = 20

func (e *TeamsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d bad row", e.File, len(e.Lines))
	if len(e.Lines) != 1 {
		b.WriteString("s")
	}
	for i, l := range e.Lines {
		if i == maxLineErrors {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Lines)-maxLineErrors)
			break
		}
		fmt.Fprintf(&b, "\n  line %d: %s", l.Line, l.Msg)
	}
	return b.String()
}

// TeamsHeader is the header a team map must start with.
const TeamsHeader = "manager,member"

// ParseTeams reads a team map: CSV with the header "manager,member" and one
// pair per line. Each field is a Slack user ID or a user name as in the
// export's users.json (an "@" in front is allowed). Blank lines are
// skipped; a pair given twice counts once. Bad rows are reported together,
// each with its line number, in a *TeamsError named after file.
func ParseTeams(r io.Reader, file string, users []export.User) ([]Team, error) {
	byID := make(map[activity.UserID]bool, len(users))
	byName := make(map[string][]activity.UserID, len(users))
	for _, u := range users {
		byID[u.ID] = true
		if u.Name != "" {
			byName[strings.ToLower(u.Name)] = append(byName[strings.ToLower(u.Name)], u.ID)
		}
	}
	resolve := func(field string) (activity.UserID, string) {
		s := strings.TrimPrefix(strings.TrimSpace(field), "@")
		switch {
		case s == "":
			return "", "empty field; give a Slack user ID or a user name"
		case byID[activity.UserID(s)]:
			return activity.UserID(s), ""
		}
		switch ids := byName[strings.ToLower(s)]; len(ids) {
		case 1:
			return ids[0], ""
		case 0:
			return "", fmt.Sprintf("%q is neither a user ID nor a user name in users.json", s)
		default:
			return "", fmt.Sprintf("%q names %d users in users.json; use the user ID", s, len(ids))
		}
	}

	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, with a clearer message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	terr := &TeamsError{File: file}
	teams := map[activity.UserID][]activity.UserID{}
	header := false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				terr.Lines = append(terr.Lines, LineError{perr.Line, perr.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if !header {
			header = true
			got := strings.ToLower(strings.ReplaceAll(strings.Join(rec, ","), " ", ""))
			if got != TeamsHeader {
				terr.Lines = append(terr.Lines, LineError{line, fmt.Sprintf("the header must be %q", TeamsHeader)})
				return nil, terr
			}
			continue
		}
		if len(rec) != 2 {
			terr.Lines = append(terr.Lines, LineError{line, fmt.Sprintf("want 2 fields (manager,member), got %d", len(rec))})
			continue
		}
		manager, merr := resolve(rec[0])
		member, uerr := resolve(rec[1])
		switch {
		case merr != "":
			terr.Lines = append(terr.Lines, LineError{line, "manager: " + merr})
		case uerr != "":
			terr.Lines = append(terr.Lines, LineError{line, "member: " + uerr})
		case manager == member:
			terr.Lines = append(terr.Lines, LineError{line, "manager and member are the same person"})
		default:
			teams[manager] = append(teams[manager], member)
		}
	}
	if !header {
		terr.Lines = append(terr.Lines, LineError{1, fmt.Sprintf("the file is empty; it needs the header %q and one pair per line", TeamsHeader)})
	}
	if len(terr.Lines) > 0 {
		return nil, terr
	}
	out := make([]Team, 0, len(teams))
	for m, ms := range teams {
		slices.Sort(ms)
		out = append(out, Team{Manager: m, Members: slices.Compact(ms)})
	}
	slices.SortFunc(out, func(a, b Team) int { return strings.Compare(string(a.Manager), string(b.Manager)) })
	return out, nil
}

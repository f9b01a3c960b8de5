package replay

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/export"
)

var teamUsers = []export.User{
	{ID: "U1", Name: "alice"},
	{ID: "U2", Name: "bob"},
	{ID: "U3", Name: "carol"},
	{ID: "U4", Name: "dup"},
	{ID: "U5", Name: "dup"},
}

func TestParseTeams(t *testing.T) {
	in := "manager,member\nU1,U2\nalice,@carol\n\nU1,bob\n U3 , Bob\n"
	got, err := ParseTeams(strings.NewReader(in), "teams.csv", teamUsers)
	if err != nil {
		t.Fatal(err)
	}
	want := []Team{
		{Manager: "U1", Members: []activity.UserID{"U2", "U3"}},
		{Manager: "U3", Members: []activity.UserID{"U2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTeams = %+v; want %+v", got, want)
	}
}

func TestParseTeams_BadRowsAreAllReportedWithLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // one per bad row, in order
	}{
		{"empty file", "", []string{`line 1: the file is empty`}},
		{"no header", "U1,U2\n", []string{`line 1: the header must be "manager,member"`}},
		{"bad rows", "manager,member\nU1,U2\nU1\nU1,nobody\nghost,U2\nU1,U1\nU1,dup\nU1,U2,U3\n,U2\n", []string{
			`line 3: want 2 fields (manager,member), got 1`,
			`line 4: member: "nobody" is neither a user ID nor a user name in users.json`,
			`line 5: manager: "ghost" is neither`,
			`line 6: manager and member are the same person`,
			`line 7: member: "dup" names 2 users in users.json; use the user ID`,
			`line 8: want 2 fields (manager,member), got 3`,
			`line 9: manager: empty field`,
		}},
		{"broken quoting", "manager,member\n\"U1,U2\n", []string{`line 2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTeams(strings.NewReader(tt.in), "teams.csv", teamUsers)
			var te *TeamsError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v; want a *TeamsError", err)
			}
			if len(te.Lines) != len(tt.want) {
				t.Fatalf("%d bad rows reported; want %d:\n%v", len(te.Lines), len(tt.want), err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "teams.csv: ") {
				t.Errorf("error does not name the file: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestTeamsError_ListsAtMostTwenty(t *testing.T) {
	var b strings.Builder
	b.WriteString("manager,member\n")
	for range 30 {
		b.WriteString("U1,nobody\n")
	}
	_, err := ParseTeams(strings.NewReader(b.String()), "t.csv", teamUsers)
	if err == nil || !strings.Contains(err.Error(), "30 bad rows") || !strings.Contains(err.Error(), "… and 10 more") {
		t.Errorf("err = %v; want 30 bad rows with the last 10 summarised", err)
	}
}

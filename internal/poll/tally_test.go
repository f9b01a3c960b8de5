package poll

import (
	"slices"
	"testing"
	"time"
)

// threeOptions is a poll with options 0, 1 and 2.
var threeOptions = Poll{ID: "P1", Creator: "U1", Options: []Option{
	{Label: "Weekdays 9–18", Hours: "Mon-Fri 09:00-18:00"},
	{Label: "Weekdays 8–17", Hours: "Mon-Fri 08:00-17:00"},
	{Label: "Any time"},
}, Adopted: -1}

var t0 = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// vote is a vote for threeOptions by voter for option, m minutes after t0.
func vote(voter string, option, m int) Vote {
	return Vote{Poll: "P1", Voter: voter, Option: option, At: t0.Add(time.Duration(m) * time.Minute)}
}

func TestTallyAndVoters(t *testing.T) {
	tests := []struct {
		name   string
		votes  []Vote
		counts []int
		voters int
	}{
		{"no votes", nil, []int{0, 0, 0}, 0},
		{"one each", []Vote{vote("a", 0, 0), vote("b", 1, 0), vote("c", 2, 0)}, []int{1, 1, 1}, 3},
		{"a changed vote counts once, the latest", []Vote{vote("a", 0, 0), vote("b", 0, 1), vote("a", 2, 5)}, []int{1, 0, 1}, 2},
		{"latest by time, not by position", []Vote{vote("a", 2, 5), vote("a", 0, 0)}, []int{0, 0, 1}, 1},
		{"same time: the later in the slice wins", []Vote{vote("a", 0, 3), vote("a", 1, 3)}, []int{0, 1, 0}, 1},
		{"changed back and forth", []Vote{vote("a", 0, 0), vote("a", 1, 1), vote("a", 0, 2)}, []int{1, 0, 0}, 1},
		{"out-of-range options are ignored", []Vote{vote("a", 3, 0), vote("b", -1, 0), vote("c", 1, 0)}, []int{0, 1, 0}, 3},
		{"an out-of-range change leaves the earlier vote", []Vote{vote("a", 1, 0), vote("a", 7, 9)}, []int{0, 1, 0}, 1},
		{"votes for another poll are ignored", []Vote{{Poll: "P2", Voter: "a", Option: 0}, vote("b", 2, 0)}, []int{0, 0, 1}, 2},
		{"votes without a poll ID count", []Vote{{Voter: "a", Option: 0}}, []int{1, 0, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tally(threeOptions, tt.votes); !slices.Equal(got, tt.counts) {
				t.Errorf("Tally = %v; want %v", got, tt.counts)
			}
			if got := Voters(tt.votes); got != tt.voters {
				t.Errorf("Voters = %d; want %d", got, tt.voters)
			}
		})
	}
}

func TestTally_LengthIsTheNumberOfOptions(t *testing.T) {
	if got := Tally(Poll{}, []Vote{vote("a", 0, 0)}); len(got) != 0 {
		t.Errorf("Tally(no options) = %v; want empty", got)
	}
}

func TestOutcome_QuorumOfThree(t *testing.T) {
	tests := []struct {
		name  string
		votes []Vote
		want  Result
	}{
		{"no votes are hidden", nil, Result{Voters: 0, Hidden: true, Winner: -1}},
		{"two voters are hidden", []Vote{vote("a", 0, 0), vote("b", 0, 0)}, Result{Voters: 2, Hidden: true, Winner: -1}},
		{"two voters, one voting twice, are hidden", []Vote{vote("a", 0, 0), vote("b", 1, 0), vote("a", 1, 1)}, Result{Voters: 2, Hidden: true, Winner: -1}},
		{"an out-of-range vote does not make the quorum", []Vote{vote("a", 0, 0), vote("b", 0, 0), vote("c", 9, 0)}, Result{Voters: 2, Hidden: true, Winner: -1}},
		{"three voters are shown", []Vote{vote("a", 0, 0), vote("b", 0, 0), vote("c", 2, 0)}, Result{Voters: 3, Counts: []int{2, 0, 1}, Winner: 0}},
		{"a three-way tie", []Vote{vote("a", 0, 0), vote("b", 1, 0), vote("c", 2, 0)}, Result{Voters: 3, Counts: []int{1, 1, 1}, Winner: -1, Tie: true}},
		{"a tie for first", []Vote{vote("a", 0, 0), vote("b", 2, 0), vote("c", 2, 0), vote("d", 0, 0), vote("e", 1, 0)}, Result{Voters: 5, Counts: []int{2, 1, 2}, Winner: -1, Tie: true}},
		{"a tie for second is no tie", []Vote{vote("a", 1, 0), vote("b", 1, 0), vote("c", 0, 0), vote("d", 2, 0)}, Result{Voters: 4, Counts: []int{1, 2, 1}, Winner: 1}},
		{"a changed vote breaks a tie", []Vote{vote("a", 0, 0), vote("b", 1, 0), vote("c", 2, 0), vote("c", 1, 4)}, Result{Voters: 3, Counts: []int{1, 2, 0}, Winner: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Outcome(threeOptions, tt.votes, 3)
			if got.Voters != tt.want.Voters || !slices.Equal(got.Counts, tt.want.Counts) || (got.Counts == nil) != (tt.want.Counts == nil) ||
				got.Hidden != tt.want.Hidden || got.Winner != tt.want.Winner || got.Tie != tt.want.Tie {
				t.Errorf("Outcome = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestOutcome_QuorumBelowOneIsTheDefault(t *testing.T) {
	votes := []Vote{vote("a", 0, 0), vote("b", 0, 0)}
	for _, q := range []int{0, -1} {
		if got := Outcome(threeOptions, votes, q); !got.Hidden {
			t.Errorf("Outcome(quorum %d) with 2 voters = %+v; want hidden (DefaultQuorum %d)", q, got, DefaultQuorum)
		}
	}
	if got := Outcome(threeOptions, votes, 1); got.Hidden || got.Winner != 0 {
		t.Errorf("Outcome(quorum 1) = %+v; want shown, winner 0", got)
	}
}

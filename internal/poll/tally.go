package poll

// Tally counts votes per option; the result has one count per option of p.
// Votes for an option p doesn't have, and votes for another poll (Poll set
// and not p.ID), are ignored as if never cast. A voter counts once: when
// they voted more than once, their latest vote wins (by At, then the later
// one in votes).
func Tally(p Poll, votes []Vote) []int {
	counts := make([]int, len(p.Options))
	for _, v := range latest(p, votes) {
		counts[v.Option]++
	}
	return counts
}

// latest returns each voter's vote that counts.
func latest(p Poll, votes []Vote) map[string]Vote {
	last := make(map[string]Vote)
	for _, v := range votes {
		if v.Option < 0 || v.Option >= len(p.Options) || v.Poll != "" && p.ID != "" && v.Poll != p.ID {
			continue
		}
		if prev, ok := last[v.Voter]; ok && v.At.Before(prev.At) {
			continue
		}
		last[v.Voter] = v
	}
	return last
}

// Voters returns how many distinct people voted: the number shown on the
// poll message while it is open.
func Voters(votes []Vote) int {
	seen := make(map[string]struct{}, len(votes))
	for _, v := range votes {
		seen[v.Voter] = struct{}{}
	}
	return len(seen)
}

// Result is what may be shown of a poll: how many voted, and the counts
// only when at least quorum people did, so that a vote can't be read off a
// tiny team.
type Result struct {
	Voters int   // distinct people whose vote counts
	Counts []int // per option; nil when hidden
	Hidden bool  // fewer than quorum voted
	Winner int   // option with the most votes; -1 on a tie, with no votes, or when hidden
	Tie    bool  // two or more options share the most votes (false when hidden)
}

// Outcome tallies the votes and says what may be shown. A quorum below 1
// means DefaultQuorum. Whether the poll is closed (or Live) is for the
// caller to check: Outcome only guards anonymity.
func Outcome(p Poll, votes []Vote, quorum int) Result {
	if quorum < 1 {
		quorum = DefaultQuorum
	}
	counts := Tally(p, votes)
	r := Result{Winner: -1}
	for _, c := range counts {
		r.Voters += c
	}
	if r.Voters < quorum {
		r.Hidden = true
		return r
	}
	r.Counts = counts
	top := 0
	for i, c := range counts {
		switch {
		case c > top:
			top, r.Winner, r.Tie = c, i, false
		case c == top && c > 0:
			r.Tie = true
		}
	}
	if r.Tie {
		r.Winner = -1
	}
	return r
}

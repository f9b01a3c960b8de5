package store_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/poll"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// newPoll is an open poll in team's channel ch, created sec seconds after t0
// with a deadline three days later and three options.
func newPoll(team activity.TeamID, id string, ch activity.ChannelID, sec int) poll.Poll {
	created := t0.Add(time.Duration(sec) * time.Second)
	return poll.Poll{
		ID: id, Team: team, Creator: "UMANAGER01", Channel: ch,
		Question: "When are work messages welcome?",
		Options: []poll.Option{
			{Label: "Weekdays 9 to 6", Hours: "Mon-Fri 09:00-18:00"},
			{Label: "Weekdays 8 to 5", Hours: "Mon-Fri 08:00-17:00"},
			{Label: "Reply by next working day"},
		},
		Created: created, Deadline: created.Add(72 * time.Hour), Adopted: -1,
	}
}

func putPoll(t testing.TB, db *store.DB, p poll.Poll) {
	t.Helper()
	if err := db.PutPoll(p); err != nil {
		t.Fatalf("PutPoll(%s) = %v", p.ID, err)
	}
}

func vote(t testing.TB, db *store.DB, team activity.TeamID, pollID string, user activity.UserID, option int, at time.Time) bool {
	t.Helper()
	changed, err := db.RecordVote(team, pollID, user, option, at)
	if err != nil {
		t.Fatalf("RecordVote(%s, %s, %s, %d) = %v", team, pollID, user, option, err)
	}
	return changed
}

func pollIDs(ps []poll.Poll) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

// tally counts votes per option.
func tally(vs []poll.Vote, options int) []int {
	n := make([]int, options)
	for _, v := range vs {
		n[v.Option]++
	}
	return n
}

func samePoll(a, b poll.Poll) bool {
	return a.ID == b.ID && a.Team == b.Team && a.Creator == b.Creator && a.Channel == b.Channel &&
		a.Question == b.Question && slices.Equal(a.Options, b.Options) &&
		a.Created.Equal(b.Created) && a.Deadline.Equal(b.Deadline) && a.Live == b.Live &&
		a.MessageTS == b.MessageTS && a.Reminded == b.Reminded && a.Closed.Equal(b.Closed) &&
		a.ClosedBy == b.ClosedBy && a.Adopted == b.Adopted
}

func TestPutPoll_RoundTripsAndReplaces(t *testing.T) {
	db := storetest.Open(t)
	p := newPoll("T1", "P1", "C1", 0)
	p.Live, p.MessageTS = true, "1772442000.000100"
	putPoll(t, db, p)
	got, err := db.Poll("T1", "P1")
	if err != nil || !samePoll(got, p) {
		t.Fatalf("Poll(T1, P1) = %+v, %v; want %+v", got, err, p)
	}
	if got.Adopted != -1 {
		t.Errorf("Poll(T1, P1).Adopted = %d; want -1", got.Adopted)
	}

	p.Reminded, p.Closed, p.ClosedBy, p.Adopted = true, t0.Add(time.Hour), "UADMIN01", 0
	putPoll(t, db, p)
	if got, err := db.Poll("T1", "P1"); err != nil || !samePoll(got, p) {
		t.Errorf("Poll(T1, P1) after closing = %+v, %v; want %+v", got, err, p)
	}
	for _, c := range []struct{ team, id string }{{"T1", "P2"}, {"T2", "P1"}} {
		if _, err := db.Poll(activity.TeamID(c.team), c.id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Poll(%s, %s) = %v; want ErrNotFound", c.team, c.id, err)
		}
	}
}

func TestPutPoll_RefusesMalformedPolls(t *testing.T) {
	db := storetest.Open(t)
	ok := newPoll("T1", "P1", "C1", 0)
	for name, mod := range map[string]func(*poll.Poll){
		"no id":           func(p *poll.Poll) { p.ID = "" },
		"no team":         func(p *poll.Poll) { p.Team = "" },
		"no creator":      func(p *poll.Poll) { p.Creator = "" },
		"no channel":      func(p *poll.Poll) { p.Channel = "" },
		"NUL in id":       func(p *poll.Poll) { p.ID = "P\x001" },
		"adopted too big": func(p *poll.Poll) { p.Adopted = 3 },
		"adopted -2":      func(p *poll.Poll) { p.Adopted = -2 },
	} {
		p := ok
		mod(&p)
		if err := db.PutPoll(p); err == nil {
			t.Errorf("PutPoll(%s) = nil; want an error", name)
		}
	}
}

func TestOpenPolls_SoonestDeadlineFirstAndClosedLeave(t *testing.T) {
	db := storetest.Open(t)
	late := newPoll("T1", "PLATE", "C1", 100)
	early := newPoll("T1", "PEARLY", "C2", 10)
	closed := newPoll("T1", "PCLOSED", "C1", 0)
	closed.Closed = t0.Add(time.Minute)
	other := newPoll("T2", "POTHER", "C1", 50)
	for _, p := range []poll.Poll{late, early, closed, other} {
		putPoll(t, db, p)
	}
	ps, err := db.OpenPolls("T1")
	if want := []string{"PEARLY", "PLATE"}; err != nil || !slices.Equal(pollIDs(ps), want) {
		t.Errorf("OpenPolls(T1) = %v, %v; want %v", pollIDs(ps), err, want)
	}
	ps, err = db.AllOpenPolls()
	if want := []string{"PEARLY", "POTHER", "PLATE"}; err != nil || !slices.Equal(pollIDs(ps), want) {
		t.Errorf("AllOpenPolls() = %v, %v; want %v", pollIDs(ps), err, want)
	}
	if ps[1].Team != "T2" {
		t.Errorf("AllOpenPolls()[1].Team = %s; want T2", ps[1].Team)
	}

	// A new deadline moves it; closing removes it.
	early.Deadline = late.Deadline.Add(time.Hour)
	putPoll(t, db, early)
	late.Closed = t0.Add(time.Hour)
	putPoll(t, db, late)
	ps, err = db.OpenPolls("T1")
	if want := []string{"PEARLY"}; err != nil || !slices.Equal(pollIDs(ps), want) {
		t.Errorf("OpenPolls(T1) after changes = %v, %v; want %v", pollIDs(ps), err, want)
	}
	if ps, err := db.OpenPolls("T9"); err != nil || len(ps) != 0 {
		t.Errorf("OpenPolls(T9) = %v, %v; want none", pollIDs(ps), err)
	}
}

func TestPollsIn_ChannelOldestFirst(t *testing.T) {
	db := storetest.Open(t)
	for _, p := range []poll.Poll{
		newPoll("T1", "PB", "C1", 20),
		newPoll("T1", "PA", "C1", 10),
		newPoll("T1", "PC", "C10", 0), // C1 is a prefix of C10
		newPoll("T2", "PD", "C1", 0),
	} {
		putPoll(t, db, p)
	}
	closed := newPoll("T1", "PE", "C1", 30)
	closed.Closed = t0.Add(time.Hour)
	putPoll(t, db, closed)
	ps, err := db.PollsIn("T1", "C1")
	if want := []string{"PA", "PB", "PE"}; err != nil || !slices.Equal(pollIDs(ps), want) {
		t.Errorf("PollsIn(T1, C1) = %v, %v; want %v", pollIDs(ps), err, want)
	}
	// Moving a poll to another channel moves its index entry.
	moved := newPoll("T1", "PA", "C2", 10)
	putPoll(t, db, moved)
	ps, err = db.PollsIn("T1", "C1")
	if want := []string{"PB", "PE"}; err != nil || !slices.Equal(pollIDs(ps), want) {
		t.Errorf("PollsIn(T1, C1) after move = %v, %v; want %v", pollIDs(ps), err, want)
	}
}

func TestRecordVote_IdempotentAndChangesInPlace(t *testing.T) {
	db := storetest.Open(t)
	putPoll(t, db, newPoll("T1", "P1", "C1", 0))
	at := t0.Add(time.Minute)

	if !vote(t, db, "T1", "P1", "UA", 0, at) {
		t.Error("first vote: changed = false; want true")
	}
	if vote(t, db, "T1", "P1", "UA", 0, at.Add(time.Minute)) {
		t.Error("same vote again: changed = true; want false")
	}
	vs, err := db.Votes("T1", "P1")
	// Only the day of a vote is kept, so its time can't be matched to anyone.
	if day := at.UTC().Truncate(24 * time.Hour); err != nil || len(vs) != 1 || !vs[0].At.Equal(day) {
		t.Fatalf("Votes after repeated vote = %+v, %v; want one vote on %v (unchanged, day only)", vs, err, day)
	}
	if !vote(t, db, "T1", "P1", "UA", 2, at.Add(2*time.Minute)) {
		t.Error("changed vote: changed = false; want true")
	}
	vote(t, db, "T1", "P1", "UB", 1, at)

	vs, err = db.Votes("T1", "P1")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Votes(T1, P1) = %+v, %v; want 2", vs, err)
	}
	if got, want := tally(vs, 3), []int{0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("tally = %v; want %v", got, want)
	}
	for _, v := range vs {
		if v.Poll != "P1" || len(v.Voter) != 64 || strings.Contains(v.Voter, "UA") || strings.Contains(v.Voter, "UB") {
			t.Errorf("vote %+v: want poll P1 and a 64-digit hex voter key", v)
		}
	}
	keyA := db.VoterKey("P1", "UA")
	if i := slices.IndexFunc(vs, func(v poll.Vote) bool { return v.Voter == keyA }); i < 0 || vs[i].Option != 2 || !vs[i].At.Equal(at.UTC().Truncate(24*time.Hour)) {
		t.Errorf("Votes = %+v; want UA's key %s with option 2 at the time of the change", vs, keyA)
	}
	if n, err := db.VoteCount("T1", "P1"); err != nil || n != 2 {
		t.Errorf("VoteCount(T1, P1) = %d, %v; want 2", n, err)
	}
	for _, c := range []struct {
		user activity.UserID
		opt  int
		ok   bool
	}{{"UA", 2, true}, {"UB", 1, true}, {"UC", 0, false}} {
		if opt, ok, err := db.MyVote("T1", "P1", c.user); err != nil || opt != c.opt || ok != c.ok {
			t.Errorf("MyVote(%s) = %d, %v, %v; want %d, %v", c.user, opt, ok, err, c.opt, c.ok)
		}
	}
}

func TestRecordVote_RefusesClosedMissingAndBadOptions(t *testing.T) {
	clk := clock.NewFake(t0.Add(time.Hour))
	db := storetest.OpenWith(t, store.Options{Clock: clk})
	open := newPoll("T1", "POPEN", "C1", 0)
	closed := newPoll("T1", "PCLOSED", "C1", 0)
	closed.Closed = t0.Add(time.Minute)
	putPoll(t, db, open)
	putPoll(t, db, closed)
	vote(t, db, "T1", "POPEN", "UA", 1, time.Time{}) // zero: the DB's clock

	for _, c := range []struct {
		name     string
		team     activity.TeamID
		id       string
		user     activity.UserID
		opt      int
		at       time.Time
		is       error
		noRecord bool
	}{
		{name: "closed", team: "T1", id: "PCLOSED", user: "UB", at: t0.Add(2 * time.Minute), is: store.ErrPollClosed},
		{name: "past deadline", team: "T1", id: "POPEN", user: "UB", at: open.Deadline, is: store.ErrPollClosed},
		{name: "missing poll", team: "T1", id: "PNONE", user: "UB", at: t0, is: store.ErrNotFound},
		{name: "missing team", team: "T9", id: "POPEN", user: "UB", at: t0, is: store.ErrNotFound},
		{name: "option -1", team: "T1", id: "POPEN", user: "UB", opt: -1, at: t0},
		{name: "option 3", team: "T1", id: "POPEN", user: "UB", opt: 3, at: t0},
		{name: "change to bad option", team: "T1", id: "POPEN", user: "UA", opt: 7, at: t0},
		{name: "no user", team: "T1", id: "POPEN", at: t0},
		{name: "NUL in user", team: "T1", id: "POPEN", user: "U\x00B", at: t0},
	} {
		changed, err := db.RecordVote(c.team, c.id, c.user, c.opt, c.at)
		if err == nil || changed || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("RecordVote(%s) = %v, %v; want an error (%v)", c.name, changed, err, c.is)
		}
	}
	vs, err := db.Votes("T1", "POPEN")
	if day := clk.Now().UTC().Truncate(24 * time.Hour); err != nil || len(vs) != 1 || vs[0].Option != 1 || !vs[0].At.Equal(day) {
		t.Errorf("Votes after refused votes = %+v, %v; want only UA's option 1 on %v", vs, err, day)
	}
	for _, f := range map[string]func() error{
		"Votes":     func() error { _, err := db.Votes("T1", "PNONE"); return err },
		"VoteCount": func() error { _, err := db.VoteCount("T1", "PNONE"); return err },
		"MyVote":    func() error { _, _, err := db.MyVote("T1", "PNONE", "UA"); return err },
	} {
		if err := f(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("on a missing poll: %v; want ErrNotFound", err)
		}
	}
}

func TestVoterKey_SamePersonSamePollOnly(t *testing.T) {
	db := storetest.Open(t)
	a1, a1again, a2, b1 := db.VoterKey("P1", "UA"), db.VoterKey("P1", "UA"), db.VoterKey("P2", "UA"), db.VoterKey("P1", "UB")
	if a1 != a1again {
		t.Errorf("VoterKey(P1, UA) = %s then %s; want the same", a1, a1again)
	}
	if a1 == a2 || a1 == b1 {
		t.Errorf("VoterKey: P1/UA %s, P2/UA %s, P1/UB %s; want all different", a1, a2, b1)
	}
	if _, err := hex.DecodeString(a1); err != nil || len(a1) != 64 {
		t.Errorf("VoterKey(P1, UA) = %q; want 64 hex digits", a1)
	}
	// The separator keeps (poll "P1", user "2UA") apart from ("P12", "UA").
	if db.VoterKey("P1", "2UA") == db.VoterKey("P12", "UA") {
		t.Error("VoterKey(P1, 2UA) == VoterKey(P12, UA)")
	}
	// Another database has another secret.
	if other := storetest.Open(t); other.VoterKey("P1", "UA") == a1 {
		t.Error("two databases with generated secrets give the same voter key")
	}
}

func TestVoterKey_SurvivesReopen(t *testing.T) {
	for _, c := range []struct {
		name   string
		secret []byte
	}{
		{"generated", nil},
		{"given raw", []byte("a raw secret that is long enough!!")},
		{"given hex", []byte(strings.Repeat("0123456789abcdef", 4))},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trustnudge.db")
			db, err := store.Open(path, store.Options{NoSync: true, Secret: c.secret})
			if err != nil {
				t.Fatal(err)
			}
			putPoll(t, db, newPoll("T1", "P1", "C1", 0))
			vote(t, db, "T1", "P1", "UA", 1, t0)
			key := db.VoterKey("P1", "UA")
			db.Close()

			db, err = store.Open(path, store.Options{NoSync: true, Secret: c.secret})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.VoterKey("P1", "UA"); got != key {
				t.Errorf("VoterKey after reopen = %s; want %s", got, key)
			}
			if vote(t, db, "T1", "P1", "UA", 2, t0) == false {
				t.Error("changed vote after reopen: changed = false")
			}
			if n, err := db.VoteCount("T1", "P1"); err != nil || n != 1 {
				t.Errorf("VoteCount after a change after reopen = %d, %v; want 1 (changed, not added)", n, err)
			}
			if err := db.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOpen_SecretHexAndRawAreTheSameKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xa5}, 32)
	a := storetest.OpenWith(t, store.Options{Secret: raw})
	b := storetest.OpenWith(t, store.Options{Secret: []byte(hex.EncodeToString(raw))})
	if a.VoterKey("P1", "UA") != b.VoterKey("P1", "UA") {
		t.Error("the same secret given raw and as hex gives different voter keys")
	}
}

func TestOpen_RefusesShortSecret(t *testing.T) {
	for _, s := range [][]byte{{}, []byte("short"), []byte(strings.Repeat("x", 31)), []byte(strings.Repeat("ab", 31)), []byte(strings.Repeat("ab", 16)), []byte(strings.Repeat("a", 65))} {
		path := filepath.Join(t.TempDir(), "trustnudge.db")
		db, err := store.Open(path, store.Options{NoSync: true, Secret: s})
		if err == nil {
			db.Close()
			t.Errorf("Open with a %d-byte secret succeeded", len(s))
			continue
		}
		if !strings.Contains(err.Error(), "at least 32 bytes") && !strings.Contains(err.Error(), "odd number") {
			t.Errorf("Open with a %d-byte secret = %v; want it to say what is needed", len(s), err)
		}
		if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("Open with a bad secret created the file (stat: %v)", statErr)
		}
	}
}

func TestOpen_RefusesChangedSecretWhileOpenPollsHaveVotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	first := []byte(strings.Repeat("first ", 6))
	second := []byte(strings.Repeat("second ", 5))
	open := func(secret []byte) (*store.DB, error) {
		return store.Open(path, store.Options{NoSync: true, Secret: secret})
	}
	db, err := open(first)
	if err != nil {
		t.Fatal(err)
	}
	p := newPoll("T1", "P1", "C1", 0)
	putPoll(t, db, p)
	vote(t, db, "T1", "P1", "UA", 1, t0)
	db.Close()

	for _, s := range [][]byte{second, nil} {
		if db, err := open(s); !errors.Is(err, store.ErrVoterSecretChanged) {
			if err == nil {
				db.Close()
			}
			t.Errorf("Open with another secret while P1 has votes = %v; want ErrVoterSecretChanged", err)
		}
	}
	// The right secret still works; once the poll is closed the secret may
	// change.
	if db, err = open(first); err != nil {
		t.Fatal(err)
	}
	p.Closed = t0.Add(time.Hour)
	putPoll(t, db, p)
	db.Close()
	if db, err = open(second); err != nil {
		t.Fatalf("Open with a new secret after the poll closed = %v", err)
	}
	if n, err := db.VoteCount("T1", "P1"); err != nil || n != 1 {
		t.Errorf("VoteCount of the closed poll = %d, %v; want 1 (kept)", n, err)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
	db.Close()
}

func TestPutPoll_OptionsFixedOnceVoted(t *testing.T) {
	db := storetest.Open(t)
	p := newPoll("T1", "P1", "C1", 0)
	putPoll(t, db, p)
	p.Options = p.Options[:2] // no votes yet: allowed
	putPoll(t, db, p)
	vote(t, db, "T1", "P1", "UA", 1, t0)
	p.Options = append(slices.Clone(p.Options[:1]), poll.Option{Label: "Something else"})
	if err := db.PutPoll(p); err == nil {
		t.Error("PutPoll changing the options of a poll with votes = nil; want an error")
	}
	got, _ := db.Poll("T1", "P1")
	got.Reminded = true // other fields may change
	putPoll(t, db, got)
}

func TestForgetVotes_OpenPollsOnly(t *testing.T) {
	db := storetest.Open(t)
	for _, id := range []string{"P1", "P2", "P3"} {
		putPoll(t, db, newPoll("T1", id, "C1", 0))
		vote(t, db, "T1", id, "UA", 0, t0)
		vote(t, db, "T1", id, "UB", 1, t0)
	}
	putPoll(t, db, newPoll("T2", "P1", "C1", 0))
	vote(t, db, "T2", "P1", "UA", 0, t0)
	closed := newPoll("T1", "P3", "C1", 0)
	closed.Closed = t0.Add(time.Hour)
	putPoll(t, db, closed)

	n, err := db.ForgetVotes("T1", "UA")
	if err != nil || n != 2 {
		t.Errorf("ForgetVotes(T1, UA) = %d, %v; want 2", n, err)
	}
	for _, c := range []struct {
		team activity.TeamID
		id   string
		want int
	}{{"T1", "P1", 1}, {"T1", "P2", 1}, {"T1", "P3", 2}, {"T2", "P1", 1}} {
		if got, err := db.VoteCount(c.team, c.id); err != nil || got != c.want {
			t.Errorf("VoteCount(%s, %s) = %d, %v; want %d", c.team, c.id, got, err, c.want)
		}
	}
	if _, ok, _ := db.MyVote("T1", "P1", "UB"); !ok {
		t.Error("UB's vote was forgotten too")
	}
	if n, err := db.ForgetVotes("T1", "UA"); err != nil || n != 0 {
		t.Errorf("ForgetVotes again = %d, %v; want 0", n, err)
	}
	if n, err := db.ForgetVotes("T9", "UA"); err != nil || n != 0 {
		t.Errorf("ForgetVotes(T9) = %d, %v; want 0", n, err)
	}
}

func TestNorm_SetReplaceClear(t *testing.T) {
	db := storetest.Open(t)
	if _, _, ok, err := db.Norm("T1", "UM1"); ok || err != nil {
		t.Errorf("Norm before any = %v, %v; want none", ok, err)
	}
	if err := db.SetNorm("T1", "UM1", "Mon-Fri 09:00-18:00", "P1", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.SetNorm("T1", "UM1", "Mon-Fri 08:00-17:00", "P2", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetNorm("T1", "UM2", "Mon-Thu 09:00-17:00", "", t0); err != nil {
		t.Fatal(err)
	}
	if spec, id, ok, err := db.Norm("T1", "UM1"); spec != "Mon-Fri 08:00-17:00" || id != "P2" || !ok || err != nil {
		t.Errorf("Norm(UM1) = %q, %q, %v, %v; want the second", spec, id, ok, err)
	}
	if spec, id, ok, err := db.Norm("T1", "UM2"); spec != "Mon-Thu 09:00-17:00" || id != "" || !ok || err != nil {
		t.Errorf("Norm(UM2) = %q, %q, %v, %v", spec, id, ok, err)
	}
	if _, _, ok, _ := db.Norm("T2", "UM1"); ok {
		t.Error("Norm(T2, UM1) found; norms are per workspace")
	}
	if err := db.SetNorm("T1", "UM1", "", "", t0); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := db.Norm("T1", "UM1"); ok || err != nil {
		t.Errorf("Norm(UM1) after clearing = %v, %v; want none", ok, err)
	}
	if err := db.SetNorm("T1", "", "Mon-Fri 09:00-18:00", "P1", t0); err == nil {
		t.Error("SetNorm without a manager = nil; want an error")
	}
}

func TestForgetUser_DeletesVotesInOpenPollsAndTheirNormKeepsPolls(t *testing.T) {
	db := storetest.Open(t)
	const team = "T1"
	mine := newPoll(team, "PMINE", "C1", 0)
	mine.Creator = "UX"
	putPoll(t, db, mine)
	putPoll(t, db, newPoll(team, "POTHER", "C1", 0))
	closed := newPoll(team, "PCLOSED", "C1", 0)
	putPoll(t, db, closed)
	for _, id := range []string{"PMINE", "POTHER", "PCLOSED"} {
		vote(t, db, team, id, "UX", 1, t0)
		vote(t, db, team, id, "UY", 2, t0)
	}
	closed.Closed = t0.Add(time.Hour)
	putPoll(t, db, closed)
	if err := db.SetNorm(team, "UX", "Mon-Fri 09:00-18:00", "PMINE", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.SetNorm(team, "UY", "Mon-Fri 08:00-17:00", "POTHER", t0); err != nil {
		t.Fatal(err)
	}

	f, err := db.ForgetUser(team, "UX")
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Forgotten{Votes: 2, Norm: true}); f != want {
		t.Errorf("ForgetUser(UX) = %+v; want %+v", f, want)
	}
	for _, c := range []struct {
		id   string
		want int
	}{{"PMINE", 1}, {"POTHER", 1}, {"PCLOSED", 2}} {
		if n, err := db.VoteCount(team, c.id); err != nil || n != c.want {
			t.Errorf("VoteCount(%s) after forget = %d, %v; want %d", c.id, n, err, c.want)
		}
	}
	if p, err := db.Poll(team, "PMINE"); err != nil || p.Creator != "UX" {
		t.Errorf("Poll(PMINE) after its creator forgot = %+v, %v; want kept", p, err)
	}
	if _, _, ok, _ := db.Norm(team, "UX"); ok {
		t.Error("UX's norm survived ForgetUser")
	}
	if _, _, ok, _ := db.Norm(team, "UY"); !ok {
		t.Error("UY's norm was deleted by ForgetUser(UX)")
	}
}

// The privacy contract (DESIGN.md §2.4): votes are keyed by a keyed hash of
// the voter, never by user ID. Voter IDs go in through RecordVote, MyVote and
// ForgetVotes, votes are cast, changed and withdrawn, and afterwards not one
// of the IDs is anywhere in the file: not in a live page, and not in a page
// bbolt has freed, since no write ever carried one. The creator's ID, which
// is stored, is found in the same bytes, so the search would see one.
func TestPrivacy_VoterIDsNeverReachTheFile(t *testing.T) {
	db := storetest.Open(t)
	path := db.Path()
	voters := make([]activity.UserID, 12)
	for i := range voters {
		voters[i] = activity.UserID(fmt.Sprintf("U0VOTER%c%c%c%d", 'A'+i, 'A'+i, 'A'+i, i))
	}
	p1, p2 := newPoll("T1", "P1", "C1", 0), newPoll("T1", "P2", "C1", 0)
	p1.Creator = "U0CREATORZZ9"
	putPoll(t, db, p1)
	putPoll(t, db, p2)
	for round := range 3 {
		for i, u := range voters {
			vote(t, db, "T1", "P1", u, (i+round)%3, t0.Add(time.Duration(round)*time.Minute))
			vote(t, db, "T1", "P2", u, (i*round)%3, t0)
			if _, _, err := db.MyVote("T1", "P1", u); err != nil {
				t.Fatal(err)
			}
			// A refused vote carries the ID in too.
			if _, err := db.RecordVote("T1", "P1", u, 9, t0); err == nil {
				t.Fatal("RecordVote with option 9 succeeded")
			}
		}
	}
	if n, err := db.ForgetVotes("T1", voters[0]); err != nil || n != 2 {
		t.Fatalf("ForgetVotes = %d, %v; want 2", n, err)
	}
	if _, err := db.ForgetUser("T1", voters[1]); err != nil {
		t.Fatal(err)
	}
	p2.Closed = t0.Add(time.Hour)
	putPoll(t, db, p2)
	vs, err := db.Votes("T1", "P1")
	if err != nil || len(vs) != len(voters)-2 {
		t.Fatalf("Votes(P1) = %d votes, %v; want %d", len(vs), err, len(voters)-2)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(p1.Creator)) {
		t.Fatalf("the creator's ID %s is not in the file; the search cannot be trusted", p1.Creator)
	}
	for _, u := range voters {
		for _, form := range []string{string(u), strings.ToLower(string(u)), hex.EncodeToString([]byte(u))} {
			if i := bytes.Index(raw, []byte(form)); i >= 0 {
				t.Errorf("voter ID %s found in the database file as %q at offset %d", u, form, i)
			}
		}
	}
}

// The secret is never printed: not in any error the store returns about
// votes or secrets, nor by the DB's String, %v, %#v, %x or a log line, nor
// (when given) in the file.
func TestPrivacy_SecretNeverShown(t *testing.T) {
	secret := []byte("SECRET-CANARY-4f1d9c2b-0123456789abcdef")
	forms := func(s []byte) []string {
		return []string{
			string(s), hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
			base64.StdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s),
			fmt.Sprint([]byte(s))[1:20], // the decimal bytes of %v on a []byte
		}
	}
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	db, err := store.Open(path, store.Options{NoSync: true, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	putPoll(t, db, newPoll("T1", "P1", "C1", 0))
	vote(t, db, "T1", "P1", "UA", 1, t0)

	var shown []string
	collect := func(err error) {
		if err != nil {
			shown = append(shown, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	_, err = db.RecordVote("T1", "PNONE", "UA", 0, t0)
	collect(err)
	_, err = db.RecordVote("T1", "P1", "UA", 5, t0)
	collect(err)
	_, err = db.RecordVote("T1", "P1", "U\x00A", 0, t0)
	collect(err)
	_, _, err = db.MyVote("T1", "PNONE", "UA")
	collect(err)
	collect(db.PutPoll(poll.Poll{}))
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("db", "db", db)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("db", "db", db)
	shown = append(shown, db.String(), fmt.Sprint(db), fmt.Sprintf("%v %+v %#v %s %x %q", db, db, db, db, db, db), logs.String())
	if len(shown) < 10 {
		t.Fatalf("collected %d outputs; want the errors too", len(shown))
	}
	db.Close()

	// Errors about secrets themselves.
	_, err = store.Open(path, store.Options{NoSync: true, Secret: []byte("x" + string(secret[:20]))})
	collect(err)
	_, err = store.Open(path, store.Options{NoSync: true, Secret: append([]byte("other-"), secret...)})
	if !errors.Is(err, store.ErrVoterSecretChanged) {
		t.Errorf("Open with another secret = %v; want ErrVoterSecretChanged", err)
	}
	collect(err)

	for _, s := range shown {
		for _, f := range append(forms(secret), forms(secret[:20])...) {
			if strings.Contains(s, f) {
				t.Errorf("secret (as %q) shown in %q", f, s)
			}
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range forms(secret) {
		if bytes.Contains(raw, []byte(f)) {
			t.Errorf("given secret found in the database file as %q", f)
		}
	}
}

// Many people vote at once when a poll is posted: 200 voters each vote and
// then change their vote, all concurrently. Every vote is committed before
// RecordVote returns, and the final tally is exact.
func TestRecordVote_ManyConcurrentVotersExactTally(t *testing.T) {
	db := storetest.Open(t)
	putPoll(t, db, newPoll("T1", "P1", "C1", 0))
	const voters = 200
	var wg sync.WaitGroup
	var changedN atomic.Int64
	start := make(chan struct{})
	begin := time.Now()
	for i := range voters {
		wg.Go(func() {
			<-start
			u := activity.UserID(fmt.Sprintf("UVOTER%04d", i))
			at := t0.Add(time.Duration(i) * time.Millisecond)
			for step, opt := range []int{0, i % 3, i % 3} {
				changed, err := db.RecordVote("T1", "P1", u, opt, at.Add(time.Duration(step)*time.Second))
				if err != nil {
					t.Errorf("RecordVote(%s, %d) = %v", u, opt, err)
					return
				}
				if want := step == 0 || (step == 1 && opt != 0); changed != want {
					t.Errorf("RecordVote(%s, %d) step %d: changed = %v; want %v", u, opt, step, changed, want)
				}
				if changed {
					changedN.Add(1)
				}
				// Committed and visible before RecordVote returned.
				if got, ok, err := db.MyVote("T1", "P1", u); err != nil || !ok || got != opt {
					t.Errorf("MyVote(%s) right after voting %d = %d, %v, %v", u, opt, got, ok, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d voters, %d changes, in %v", voters, changedN.Load(), time.Since(begin))

	vs, err := db.Votes("T1", "P1")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 3)
	for i := range voters {
		want[i%3]++
	}
	if got := tally(vs, 3); !slices.Equal(got, want) {
		t.Errorf("tally = %v; want %v", got, want)
	}
	if n, err := db.VoteCount("T1", "P1"); err != nil || n != voters {
		t.Errorf("VoteCount = %d, %v; want %d", n, err, voters)
	}
	keys := map[string]bool{}
	for _, v := range vs {
		keys[v.Voter] = true
	}
	if len(keys) != voters {
		t.Errorf("%d distinct voter keys; want %d", len(keys), voters)
	}
	if got, want := changedN.Load(), int64(voters+voters*2/3); got != want {
		t.Errorf("%d calls reported a change; want %d", got, want)
	}
}

// BenchmarkRecordVote measures RecordVote with real fsync: "serial" is one
// voter at a time (each waits out bbolt's batch delay), "parallel" many at
// once, committed together; "change" is 200 voters changing their votes
// back and forth concurrently.
func BenchmarkRecordVote(b *testing.B) {
	open := func(b *testing.B) *store.DB {
		db, err := store.Open(b.TempDir()+"/bench.db", store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		p := newPoll("T1", "P1", "C1", 0)
		p.Deadline = time.Now().Add(24 * time.Hour)
		if err := db.PutPoll(p); err != nil {
			b.Fatal(err)
		}
		return db
	}
	var seq atomic.Int64
	b.Run("serial", func(b *testing.B) {
		db := open(b)
		b.ReportAllocs()
		for b.Loop() {
			n := seq.Add(1)
			if _, err := db.RecordVote("T1", "P1", activity.UserID(fmt.Sprintf("U%d", n)), int(n%3), time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db := open(b)
		b.ReportAllocs()
		b.SetParallelism(50)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				if _, err := db.RecordVote("T1", "P1", activity.UserID(fmt.Sprintf("U%d", n)), int(n%3), time.Time{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("change", func(b *testing.B) {
		db := open(b)
		b.ReportAllocs()
		b.SetParallelism(50)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				if _, err := db.RecordVote("T1", "P1", activity.UserID(fmt.Sprintf("U%d", n%200)), int(n%3), time.Time{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

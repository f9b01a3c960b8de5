package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// nudgeAt is a sent slow-reply nudge to manager, created sec seconds after
// t0.
func nudgeAt(team activity.TeamID, id string, manager activity.UserID, sec int) policy.Record {
	at := t0.Add(time.Duration(sec) * time.Second)
	return policy.Record{ID: id, Team: team, Manager: manager, Kind: people.KindSlowReply, Created: at, State: policy.Sent, SentAt: at}
}

// held makes r a held nudge due dueSec seconds after t0.
func held(r policy.Record, dueSec int) policy.Record {
	r.State, r.SentAt, r.Due = policy.Held, time.Time{}, t0.Add(time.Duration(dueSec)*time.Second)
	return r
}

func putNudge(t testing.TB, db *store.DB, r policy.Record) {
	t.Helper()
	if err := db.PutNudge(r); err != nil {
		t.Fatalf("PutNudge(%s) = %v", r.ID, err)
	}
}

func nudgeIDs(rs []policy.Record) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func nudgesOf(t testing.TB, db *store.DB, team activity.TeamID, manager activity.UserID, since time.Time) []string {
	t.Helper()
	rs, err := db.NudgesOf(team, manager, since)
	if err != nil {
		t.Fatalf("NudgesOf(%s, %s) = %v", team, manager, err)
	}
	for _, r := range rs {
		if r.Manager != manager || r.Created.Before(since) {
			t.Errorf("NudgesOf(%s, %s, %v) gave %+v", team, manager, since, r)
		}
	}
	return nudgeIDs(rs)
}

func dueNudges(t testing.TB, db *store.DB, team activity.TeamID, now time.Time) []string {
	t.Helper()
	rs, err := db.DueNudges(team, now)
	if err != nil {
		t.Fatalf("DueNudges(%s) = %v", team, err)
	}
	for _, r := range rs {
		if r.State != policy.Held || r.Due.After(now) {
			t.Errorf("DueNudges(%s, %v) gave %+v", team, now, r)
		}
	}
	return nudgeIDs(rs)
}

func TestRoundTrip_NudgePreservesEveryField(t *testing.T) {
	db := storetest.Open(t)
	// Held and with feedback, so that every index holds it.
	r := policy.Record{ID: "N1", Team: "T1", State: policy.Held, Feedback: policy.Helpful}
	fill(t, &r)

	check := func(when string) {
		t.Helper()
		got, err := db.Nudge("T1", r.ID)
		if err != nil {
			t.Fatalf("%s Nudge = %v", when, err)
		}
		sameFields(t, when+" Nudge", got, r)
		of, err := db.NudgesOf("T1", r.Manager, r.Created)
		if err != nil || len(of) != 1 {
			t.Fatalf("%s NudgesOf = %v, %v; want one", when, nudgeIDs(of), err)
		}
		sameFields(t, when+" NudgesOf", of[0], r)
		due, err := db.DueNudges("T1", r.Due)
		if err != nil || len(due) != 1 {
			t.Fatalf("%s DueNudges = %v, %v; want one", when, nudgeIDs(due), err)
		}
		sameFields(t, when+" DueNudges", due[0], r)
		h, ok, err := db.HeldNudge("T1", r.Manager, r.Kind)
		if err != nil || !ok {
			t.Fatalf("%s HeldNudge = %v, %v; want it", when, ok, err)
		}
		sameFields(t, when+" HeldNudge", h, r)
		if fc, err := db.Feedback("T1"); err != nil || fc != (store.FeedbackCounts{Helpful: 1}) {
			t.Errorf("%s Feedback = %+v, %v; want 1 helpful", when, fc, err)
		}
	}
	putNudge(t, db, r)
	check("")
	db = reopen(t, db)
	check("after reopen:")
}

func TestNudge_NotFound(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.Nudge("T1", "N1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Nudge on an empty file = %v; want ErrNotFound", err)
	}
	putNudge(t, db, nudgeAt("T1", "N1", "UM", 0))
	if _, err := db.Nudge("T1", "N2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Nudge of an unknown id = %v; want ErrNotFound", err)
	}
	if _, err := db.Nudge("T2", "N1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Nudge in another team = %v; want ErrNotFound", err)
	}
	if err := db.SetNudgeState("T1", "N2", policy.Sent, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetNudgeState of an unknown id = %v; want ErrNotFound", err)
	}
	if err := db.SetFeedback("T1", "N2", policy.Helpful); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetFeedback of an unknown id = %v; want ErrNotFound", err)
	}
	if err := db.SetFeedback("T9", "N1", policy.Helpful); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetFeedback in an unknown team = %v; want ErrNotFound", err)
	}
}

func TestNudgesOf_CreatedSinceOldestFirst(t *testing.T) {
	db := storetest.Open(t)
	for _, r := range []policy.Record{
		nudgeAt("T1", "N3", "UM", 300),
		nudgeAt("T1", "N1", "UM", 100),
		nudgeAt("T1", "N2", "UM", 200),
		nudgeAt("T1", "NX", "UM2", 150), // another manager
		nudgeAt("T1", "NY", "UM\x01", 150),
		nudgeAt("T2", "N4", "UM", 250), // another workspace
	} {
		putNudge(t, db, r)
	}
	for _, c := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"N1", "N2", "N3"}},
		{t0.Add(100 * time.Second), []string{"N1", "N2", "N3"}}, // inclusive
		{t0.Add(101 * time.Second), []string{"N2", "N3"}},
		{t0.Add(300 * time.Second), []string{"N3"}},
		{t0.Add(301 * time.Second), nil},
	} {
		if got := nudgesOf(t, db, "T1", "UM", c.since); !slices.Equal(got, c.want) {
			t.Errorf("NudgesOf(UM, %v) = %v; want %v", c.since.Sub(t0), got, c.want)
		}
	}
	if got := nudgesOf(t, db, "T2", "UM", time.Time{}); !slices.Equal(got, []string{"N4"}) {
		t.Errorf("NudgesOf(T2, UM) = %v; want N4", got)
	}
	if got := nudgesOf(t, db, "T9", "UM", time.Time{}); got != nil {
		t.Errorf("NudgesOf in an unknown team = %v; want none", got)
	}
}

func TestPutNudge_ReplacingMovesItInTheIndexes(t *testing.T) {
	db := storetest.Open(t)
	r := held(nudgeAt("T1", "N1", "UM", 100), 500)
	r.Feedback = policy.NotHelpful
	putNudge(t, db, r)
	r2 := nudgeAt("T1", "N1", "UM2", 200) // another manager, sent, no feedback
	putNudge(t, db, r2)
	if got := nudgesOf(t, db, "T1", "UM", time.Time{}); got != nil {
		t.Errorf("NudgesOf(old manager) after replace = %v; want none", got)
	}
	if got := nudgesOf(t, db, "T1", "UM2", time.Time{}); !slices.Equal(got, []string{"N1"}) {
		t.Errorf("NudgesOf(new manager) after replace = %v; want N1", got)
	}
	if got := dueNudges(t, db, "T1", t0.Add(time.Hour)); got != nil {
		t.Errorf("DueNudges after replacing a held nudge with a sent one = %v; want none", got)
	}
	if fc, _ := db.Feedback("T1"); fc != (store.FeedbackCounts{}) {
		t.Errorf("Feedback after replacing = %+v; want none", fc)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}

func TestDueNudgesAndHeldNudge_FollowState(t *testing.T) {
	db := storetest.Open(t)
	after := held(nudgeAt("T1", "N1", "UM", 0), 100)
	after.Kind = people.KindAfterHours
	slow := held(nudgeAt("T1", "N2", "UM", 1), 50)
	other := held(nudgeAt("T1", "N3", "UM2", 2), 200)
	for _, r := range []policy.Record{after, slow, other, nudgeAt("T1", "N4", "UM", 3), held(nudgeAt("T2", "N5", "UM", 0), 0)} {
		putNudge(t, db, r)
	}
	for _, c := range []struct {
		sec  int
		want []string
	}{
		{49, nil},
		{50, []string{"N2"}}, // inclusive
		{100, []string{"N2", "N1"}},
		{1000, []string{"N2", "N1", "N3"}},
	} {
		if got := dueNudges(t, db, "T1", t0.Add(time.Duration(c.sec)*time.Second)); !slices.Equal(got, c.want) {
			t.Errorf("DueNudges(t0+%ds) = %v; want %v (soonest first)", c.sec, got, c.want)
		}
	}
	heldOf := func(m activity.UserID, kind string) string {
		t.Helper()
		r, ok, err := db.HeldNudge("T1", m, kind)
		if err != nil {
			t.Fatalf("HeldNudge(%s, %s) = %v", m, kind, err)
		}
		if !ok {
			return ""
		}
		if r.Manager != m || r.Kind != kind || r.State != policy.Held {
			t.Errorf("HeldNudge(%s, %s) = %+v", m, kind, r)
		}
		return r.ID
	}
	if got := heldOf("UM", people.KindSlowReply); got != "N2" {
		t.Errorf("HeldNudge(UM, slow) = %q; want N2", got)
	}
	if got := heldOf("UM", people.KindAfterHours); got != "N1" {
		t.Errorf("HeldNudge(UM, after-hours) = %q; want N1", got)
	}
	if got := heldOf("UM3", people.KindSlowReply); got != "" {
		t.Errorf("HeldNudge(UM3) = %q; want none", got)
	}

	// Sending takes it out of the held indexes, Sent records when.
	if err := db.SetNudgeState("T1", "N2", policy.Sending, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := dueNudges(t, db, "T1", t0.Add(time.Hour)); !slices.Equal(got, []string{"N1", "N3"}) {
		t.Errorf("DueNudges after N2 is sending = %v; want N1, N3", got)
	}
	if got := heldOf("UM", people.KindSlowReply); got != "" {
		t.Errorf("HeldNudge(UM, slow) after sending = %q; want none", got)
	}
	sentAt := t0.Add(51 * time.Second)
	if err := db.SetNudgeState("T1", "N2", policy.Sent, sentAt); err != nil {
		t.Fatal(err)
	}
	if r, err := db.Nudge("T1", "N2"); err != nil || r.State != policy.Sent || !r.SentAt.Equal(sentAt) || !r.Due.Equal(slow.Due) {
		t.Errorf("Nudge after Sent = %+v, %v; want state sent, SentAt %v, Due kept", r, err, sentAt)
	}
	// Held again: due at the new time.
	if err := db.SetNudgeState("T1", "N3", policy.Held, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := dueNudges(t, db, "T1", t0.Add(10*time.Second)); !slices.Equal(got, []string{"N3"}) {
		t.Errorf("DueNudges after re-holding N3 = %v; want N3", got)
	}
	if err := db.SetNudgeState("T1", "N1", policy.Failed, t0); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Nudge("T1", "N1"); r.State != policy.Failed || !r.SentAt.IsZero() {
		t.Errorf("Nudge after Failed = %+v; want failed, no SentAt", r)
	}
	if err := db.SetNudgeState("T1", "N1", "lost", t0); err == nil {
		t.Error("SetNudgeState to an unknown state succeeded")
	}
	if got := dueNudges(t, db, "T2", t0); !slices.Equal(got, []string{"N5"}) {
		t.Errorf("DueNudges(T2) = %v; want N5", got)
	}
}

func TestSetFeedback_CountsPerWorkspace(t *testing.T) {
	db := storetest.Open(t)
	for i, m := range []activity.UserID{"UM1", "UM1", "UM2", "UM3"} {
		putNudge(t, db, nudgeAt("T1", fmt.Sprintf("N%d", i), m, i))
	}
	putNudge(t, db, nudgeAt("T2", "N0", "UM1", 0))
	if fc, err := db.Feedback("T1"); err != nil || fc != (store.FeedbackCounts{}) {
		t.Errorf("Feedback before any = %+v, %v; want zeros", fc, err)
	}
	for id, fb := range map[string]string{"N0": policy.Helpful, "N1": policy.NotHelpful, "N2": policy.Helpful, "N3": policy.Helpful} {
		if err := db.SetFeedback("T1", id, fb); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetFeedback("T2", "N0", policy.NotHelpful); err != nil {
		t.Fatal(err)
	}
	if fc, err := db.Feedback("T1"); err != nil || fc != (store.FeedbackCounts{Helpful: 3, NotHelpful: 1}) {
		t.Errorf("Feedback(T1) = %+v, %v; want 3 helpful, 1 not", fc, err)
	}
	// A changed mind replaces the answer.
	if err := db.SetFeedback("T1", "N3", policy.NotHelpful); err != nil {
		t.Fatal(err)
	}
	if fc, _ := db.Feedback("T1"); fc != (store.FeedbackCounts{Helpful: 2, NotHelpful: 2}) {
		t.Errorf("Feedback(T1) after a change = %+v; want 2 and 2", fc)
	}
	if r, _ := db.Nudge("T1", "N3"); r.Feedback != policy.NotHelpful || r.State != policy.Sent {
		t.Errorf("Nudge(N3) after feedback = %+v; want not_helpful, rest kept", r)
	}
	if fc, _ := db.Feedback("T2"); fc != (store.FeedbackCounts{NotHelpful: 1}) {
		t.Errorf("Feedback(T2) = %+v; want 1 not helpful", fc)
	}
	if fc, err := db.Feedback("T9"); err != nil || fc != (store.FeedbackCounts{}) {
		t.Errorf("Feedback(unknown team) = %+v, %v; want zeros", fc, err)
	}
	for _, bad := range []string{"", "meh", "Helpful"} {
		if err := db.SetFeedback("T1", "N0", bad); err == nil {
			t.Errorf("SetFeedback(%q) succeeded; want an error", bad)
		}
	}
}

func TestPurgeNudges_KeepsHeldAndNewer(t *testing.T) {
	db := storetest.Open(t)
	for _, r := range []policy.Record{
		nudgeAt("T1", "N1", "UM1", 10),              // purged
		nudgeAt("T1", "N2", "UM1", 100),             // kept: at the cut
		held(nudgeAt("T1", "N3", "UM1", 20), 1000),  // kept: still to send
		nudgeAt("T1", "N4", "UM2", 50),              // purged
		nudgeAt("T2", "N1", "UM1", 99),              // purged
		held(nudgeAt("T2", "N2", "UM9", 200), 1000), // kept
	} {
		putNudge(t, db, r)
	}
	if err := db.SetFeedback("T1", "N1", policy.Helpful); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeNudges(t0.Add(100 * time.Second))
	if err != nil || n != 3 {
		t.Errorf("PurgeNudges = %d, %v; want 3", n, err)
	}
	if got := nudgesOf(t, db, "T1", "UM1", time.Time{}); !slices.Equal(got, []string{"N3", "N2"}) {
		t.Errorf("NudgesOf(UM1) after purge = %v; want N3, N2", got)
	}
	if got := nudgesOf(t, db, "T1", "UM2", time.Time{}); got != nil {
		t.Errorf("NudgesOf(UM2) after purge = %v; want none", got)
	}
	if _, err := db.Nudge("T2", "N1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Nudge(T2, N1) after purge = %v; want ErrNotFound", err)
	}
	if fc, _ := db.Feedback("T1"); fc != (store.FeedbackCounts{}) {
		t.Errorf("Feedback after purging the answered nudge = %+v; want zeros", fc)
	}
	if n, err := db.PurgeNudges(t0.Add(100 * time.Second)); err != nil || n != 0 {
		t.Errorf("second PurgeNudges = %d, %v; want 0", n, err)
	}
}

func TestPutNudge_RejectsMalformedRecords(t *testing.T) {
	db := storetest.Open(t)
	good := nudgeAt("T1", "N1", "UM", 0)
	for name, change := range map[string]func(*policy.Record){
		"no id":         func(r *policy.Record) { r.ID = "" },
		"no team":       func(r *policy.Record) { r.Team = "" },
		"no manager":    func(r *policy.Record) { r.Manager = "" },
		"no kind":       func(r *policy.Record) { r.Kind = "" },
		"no state":      func(r *policy.Record) { r.State = "" },
		"unknown state": func(r *policy.Record) { r.State = "lost" },
		"bad feedback":  func(r *policy.Record) { r.Feedback = "meh" },
		"NUL id":        func(r *policy.Record) { r.ID = "N\x001" },
		"NUL kind":      func(r *policy.Record) { r.Kind = "a\x00b" },
		"NUL channel":   func(r *policy.Record) { r.Channel = "C\x00" },
		"bad UTF-8":     func(r *policy.Record) { r.VariantID = "v\xff" },
	} {
		r := good
		change(&r)
		err := db.PutNudge(r)
		if err == nil {
			t.Errorf("PutNudge with %s succeeded; want an error", name)
		} else if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("PutNudge with %s: error %q; want it to start with \"store: \"", name, err)
		}
	}
	if teams, err := db.Teams(); err != nil || len(teams) != 0 {
		t.Errorf("Teams() after refused writes = %v, %v; want none", teams, err)
	}
}

func TestForgetUser_DeletesTheirNudgesAndRequests(t *testing.T) {
	db := storetest.Open(t)
	const team = "T1"
	for _, r := range []policy.Record{
		nudgeAt(team, "N1", "UX", 1),
		held(nudgeAt(team, "N2", "UX", 2), 100),
		nudgeAt(team, "N3", "UM", 3),     // someone else's
		nudgeAt("T2", "N1", "UX", 1),     // another workspace
		nudgeAt(team, "N4", "UXX", 4),    // an ID that contains UX
		nudgeAt(team, "N5", "UX\x01", 5), // an ID that starts with UX
	} {
		putNudge(t, db, r)
	}
	if err := db.SetFeedback(team, "N1", policy.Helpful); err != nil {
		t.Fatal(err)
	}
	waitsForX := reqAt(team, "UX", "UA", "C1", 1)
	xAsked := reqAt(team, "UM", "UX", "C1", 2)
	otherReq := reqAt(team, "UM", "UA", "C1", 3)
	lookalike := reqAt(team, "UXX", "UXY", "C1", 4)
	for _, r := range []detect.Request{waitsForX, xAsked, otherReq, lookalike, reqAt("T2", "UX", "UA", "C1", 1)} {
		putReq(t, db, r)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	queued := reqAt(team, "UM", "UX", "C2", 5)
	putReq(t, db, queued)
	record(t, db, obsAt(team, "C1", "UX", 1))

	f, err := db.ForgetUser(team, "UX")
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.Forgotten{Observations: 1, Requests: 3, Nudges: 2}); f != want {
		t.Errorf("ForgetUser = %+v; want %+v", f, want)
	}
	if got := nudgesOf(t, db, team, "UX", time.Time{}); got != nil {
		t.Errorf("NudgesOf(UX) after forget = %v; want none", got)
	}
	if _, ok, _ := db.HeldNudge(team, "UX", people.KindSlowReply); ok {
		t.Error("HeldNudge(UX) after forget found one")
	}
	if got := dueNudges(t, db, team, t0.Add(time.Hour)); got != nil {
		t.Errorf("DueNudges after forget = %v; want none", got)
	}
	if fc, _ := db.Feedback(team); fc != (store.FeedbackCounts{}) {
		t.Errorf("Feedback after forget = %+v; want zeros", fc)
	}
	for _, c := range []struct {
		m    activity.UserID
		want []string
	}{{"UM", []string{"N3"}}, {"UXX", []string{"N4"}}, {"UX\x01", []string{"N5"}}} {
		if got := nudgesOf(t, db, team, c.m, time.Time{}); !slices.Equal(got, c.want) {
			t.Errorf("NudgesOf(%q) after forget = %v; want %v", c.m, got, c.want)
		}
	}
	if got := keysOf(pending(t, db, team, "UM")); !slices.Equal(got, []string{otherReq.Key()}) {
		t.Errorf("PendingRequests(UM) after forget = %v; want %s", got, otherReq.Key())
	}
	if got, want := requestManagers(t, db, team), []activity.UserID{"UM", "UXX"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers after forget = %v; want %v", got, want)
	}
	if got := nudgesOf(t, db, "T2", "UX", time.Time{}); len(got) != 1 {
		t.Errorf("T2 nudges after forget in T1 = %v; want 1", got)
	}
	if got := pending(t, db, "T2", "UX"); len(got) != 1 {
		t.Errorf("T2 requests after forget in T1 = %v; want 1", keysOf(got))
	}
	if f, err := db.ForgetUser(team, "UX"); err != nil || f != (store.Forgotten{}) {
		t.Errorf("second ForgetUser = %+v, %v; want nothing", f, err)
	}
}

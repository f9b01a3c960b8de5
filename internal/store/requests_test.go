package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// reqAt is a top-level request by asker to manager in ch, sec seconds after
// t0.
func reqAt(team activity.TeamID, manager, asker activity.UserID, ch activity.ChannelID, sec int) detect.Request {
	at := t0.Add(time.Duration(sec) * time.Second)
	ts := activity.TSFromTime(at)
	return detect.Request{Team: team, Manager: manager, Asker: asker, Channel: ch, TS: ts, ThreadTS: ts, TopLevel: true, Since: at}
}

func putReq(t testing.TB, db *store.DB, r detect.Request) {
	t.Helper()
	if err := db.PutRequest(r); err != nil {
		t.Fatalf("PutRequest(%s) = %v", r.Key(), err)
	}
}

func resolve(t testing.TB, db *store.DB, team activity.TeamID, key string) (detect.Request, bool) {
	t.Helper()
	r, ok, err := db.ResolveRequest(team, key)
	if err != nil {
		t.Fatalf("ResolveRequest(%s) = %v", key, err)
	}
	return r, ok
}

func pending(t testing.TB, db *store.DB, team activity.TeamID, manager activity.UserID) []detect.Request {
	t.Helper()
	rs, err := db.PendingRequests(team, manager)
	if err != nil {
		t.Fatalf("PendingRequests(%s, %s) = %v", team, manager, err)
	}
	return rs
}

func pendingIn(t testing.TB, db *store.DB, team activity.TeamID, manager activity.UserID, ch activity.ChannelID) []detect.Request {
	t.Helper()
	rs, err := db.PendingRequestsIn(team, manager, ch)
	if err != nil {
		t.Fatalf("PendingRequestsIn(%s, %s, %s) = %v", team, manager, ch, err)
	}
	return rs
}

func requestManagers(t testing.TB, db *store.DB, team activity.TeamID) []activity.UserID {
	t.Helper()
	ms, err := db.RequestManagers(team)
	if err != nil {
		t.Fatalf("RequestManagers(%s) = %v", team, err)
	}
	return ms
}

// keysOf shortens requests to their keys.
func keysOf(rs []detect.Request) []string {
	var ks []string
	for _, r := range rs {
		ks = append(ks, r.Key())
	}
	return ks
}

func TestRoundTrip_RequestPreservesEveryField(t *testing.T) {
	db := storetest.Open(t)
	at := t0.Add(time.Minute)
	full := detect.Request{Team: "T1", TS: activity.TSFromTime(at)}
	fill(t, &full)
	reply := full // a reply in a thread: ThreadTS differs, not top level
	reply.TS, reply.ThreadTS, reply.TopLevel = activity.TSFromTime(at.Add(time.Second)), full.TS, false
	reply.Since = at.Add(time.Second)
	want := []detect.Request{full, reply}
	slices.SortFunc(want, func(a, b detect.Request) int { return a.Since.Compare(b.Since) })
	for _, r := range want {
		putReq(t, db, r)
	}

	check := func(when string) {
		t.Helper()
		for name, got := range map[string][]detect.Request{
			"PendingRequests":   pending(t, db, "T1", full.Manager),
			"PendingRequestsIn": pendingIn(t, db, "T1", full.Manager, full.Channel),
		} {
			if len(got) != len(want) {
				t.Fatalf("%s %s gave %d; want %d", when, name, len(got), len(want))
			}
			for i := range want {
				sameFields(t, fmt.Sprintf("%s %s[%d]", when, name, i), got[i], want[i])
			}
		}
	}
	check("pending:")
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	check("flushed:")
	db = reopen(t, db)
	check("after reopen:")
	got, ok := resolve(t, db, "T1", full.Key())
	if !ok {
		t.Fatal("ResolveRequest after reopen found nothing")
	}
	sameFields(t, "ResolveRequest", got, full)
}

// The index by manager and channel always lists exactly the requests of that
// manager in that channel, whatever mix of puts, replacements and resolves
// made them, on disk or still queued.
func TestPendingRequestsIn_FollowsPutsAndResolves(t *testing.T) {
	db := storetest.Open(t)
	managers := []activity.UserID{"UM1", "UM2", "UM3"}
	channels := []activity.ChannelID{"C1", "C2", "C3"}
	model := map[string]detect.Request{}
	var keys []string
	rng := rand.New(rand.NewPCG(1, 2))

	check := func(step int) {
		t.Helper()
		for _, m := range managers {
			var all []detect.Request
			for _, ch := range channels {
				var want []detect.Request
				for _, r := range model {
					if r.Manager == m && r.Channel == ch {
						want = append(want, r)
					}
				}
				all = append(all, want...)
				sortRequests(want)
				if got := keysOf(pendingIn(t, db, "T1", m, ch)); !slices.Equal(got, keysOf(want)) {
					t.Fatalf("step %d: PendingRequestsIn(%s, %s) = %v; want %v", step, m, ch, got, keysOf(want))
				}
			}
			sortRequests(all)
			if got := keysOf(pending(t, db, "T1", m)); !slices.Equal(got, keysOf(all)) {
				t.Fatalf("step %d: PendingRequests(%s) = %v; want %v", step, m, got, keysOf(all))
			}
		}
	}

	for step := range 300 {
		switch op := rng.IntN(10); {
		case op < 5 || len(keys) == 0: // a new request
			r := reqAt("T1", managers[rng.IntN(3)], "UA", channels[rng.IntN(3)], rng.IntN(10000))
			putReq(t, db, r)
			if _, ok := model[r.Key()]; !ok {
				keys = append(keys, r.Key())
			}
			model[r.Key()] = r
		case op < 7: // the same request again, waiting since another time
			r, ok := model[keys[rng.IntN(len(keys))]]
			if !ok {
				continue
			}
			r.Since = t0.Add(time.Duration(rng.IntN(10000)) * time.Second)
			putReq(t, db, r)
			model[r.Key()] = r
		default: // answered, or already answered
			k := keys[rng.IntN(len(keys))]
			want, wantOK := model[k]
			got, ok := resolve(t, db, "T1", k)
			if ok != wantOK || ok && !got.Since.Equal(want.Since) {
				t.Fatalf("step %d: ResolveRequest(%s) = %v, %v; want %v, %v", step, k, got.Since, ok, want.Since, wantOK)
			}
			delete(model, k)
		}
		if step%37 == 0 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if step%10 == 0 {
			check(step)
		}
	}
	check(300)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	check(301)
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func sortRequests(rs []detect.Request) {
	slices.SortFunc(rs, func(a, b detect.Request) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return strings.Compare(a.Key(), b.Key())
	})
}

func TestPendingRequests_OldestFirstAndPerTeam(t *testing.T) {
	db := storetest.Open(t)
	putReq(t, db, reqAt("T1", "UM", "UA", "C1", 30))
	putReq(t, db, reqAt("T1", "UM", "UB", "C2", 10))
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	putReq(t, db, reqAt("T1", "UM", "UA", "C1", 20)) // queued, between the two
	putReq(t, db, reqAt("T2", "UM", "UA", "C1", 5))  // another workspace
	putReq(t, db, reqAt("T1", "UM2", "UA", "C1", 1)) // another manager
	want := []string{
		reqAt("T1", "UM", "UB", "C2", 10).Key(),
		reqAt("T1", "UM", "UA", "C1", 20).Key(),
		reqAt("T1", "UM", "UA", "C1", 30).Key(),
	}
	if got := keysOf(pending(t, db, "T1", "UM")); !slices.Equal(got, want) {
		t.Errorf("PendingRequests(T1, UM) = %v; want %v", got, want)
	}
	if got := keysOf(pendingIn(t, db, "T1", "UM", "C1")); !slices.Equal(got, []string{want[1], want[2]}) {
		t.Errorf("PendingRequestsIn(T1, UM, C1) = %v; want %v", got, want[1:])
	}
	if got := pending(t, db, "T2", "UM"); len(got) != 1 {
		t.Errorf("PendingRequests(T2, UM) = %v; want one", keysOf(got))
	}
	if got := pending(t, db, "T9", "UM"); len(got) != 0 {
		t.Errorf("PendingRequests in an unknown team = %v; want none", keysOf(got))
	}
	if _, ok := resolve(t, db, "T9", want[0]); ok {
		t.Error("ResolveRequest in an unknown team found a request")
	}
	if _, ok := resolve(t, db, "T2", want[0]); ok {
		t.Error("ResolveRequest of a T1 key in T2 found a request")
	}
}

func TestRequests_SurviveCloseAndOpen(t *testing.T) {
	db := storetest.Open(t)
	keep := reqAt("T1", "UM", "UA", "C1", 1)
	gone := reqAt("T1", "UM", "UB", "C1", 2)
	putReq(t, db, keep)
	putReq(t, db, gone)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, ok := resolve(t, db, "T1", gone.Key()); !ok {
		t.Fatal("ResolveRequest found nothing")
	}
	late := reqAt("T1", "UM2", "UA", "C2", 3)
	putReq(t, db, late) // queued at Close
	db = reopen(t, db)
	if got := keysOf(pending(t, db, "T1", "UM")); !slices.Equal(got, []string{keep.Key()}) {
		t.Errorf("PendingRequests(UM) after reopen = %v; want only %s (the other was answered)", got, keep.Key())
	}
	if got := keysOf(pending(t, db, "T1", "UM2")); !slices.Equal(got, []string{late.Key()}) {
		t.Errorf("PendingRequests(UM2) after reopen = %v; want %s, put just before Close", got, late.Key())
	}
}

func TestRequestManagers_OnlyThoseWithPendingRequests(t *testing.T) {
	db := storetest.Open(t)
	if got := requestManagers(t, db, "T1"); len(got) != 0 {
		t.Errorf("RequestManagers on an empty file = %v; want none", got)
	}
	a := reqAt("T1", "UM2", "UA", "C1", 1)
	b := reqAt("T1", "UM1", "UA", "C1", 2)
	c := reqAt("T1", "UM1", "UB", "C2", 3)
	d := reqAt("T1", "UM3", "UB", "C2", 4)
	for _, r := range []detect.Request{a, b, c, reqAt("T2", "UM9", "UA", "C1", 1)} {
		putReq(t, db, r)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	putReq(t, db, d) // queued
	if got, want := requestManagers(t, db, "T1"), []activity.UserID{"UM1", "UM2", "UM3"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers = %v; want %v", got, want)
	}
	resolve(t, db, "T1", a.Key()) // UM2 has none left
	resolve(t, db, "T1", b.Key()) // UM1 still has c
	if got, want := requestManagers(t, db, "T1"), []activity.UserID{"UM1", "UM3"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers after resolves (queued) = %v; want %v", got, want)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := requestManagers(t, db, "T1"), []activity.UserID{"UM1", "UM3"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers after resolves (flushed) = %v; want %v", got, want)
	}
	if got, want := requestManagers(t, db, "T2"), []activity.UserID{"UM9"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers(T2) = %v; want %v", got, want)
	}
}

func TestResolveRequest_ConcurrentCallsResolveOnce(t *testing.T) {
	db := storetest.Open(t)
	const n = 20
	var rs []detect.Request
	for i := range n {
		r := reqAt("T1", "UM", "UA", "C1", i)
		rs = append(rs, r)
		putReq(t, db, r)
		if i%2 == 0 {
			if err := db.Flush(); err != nil { // some on disk, some queued
				t.Fatal(err)
			}
		}
	}
	var wins [n]atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, r := range rs {
				_, ok, err := db.ResolveRequest("T1", r.Key())
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					wins[i].Add(1)
				}
				if i%5 == 0 {
					if err := db.Flush(); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := wins[i].Load(); got != 1 {
			t.Errorf("request %d resolved %d times; want once", i, got)
		}
	}
	if got := pending(t, db, "T1", "UM"); len(got) != 0 {
		t.Errorf("PendingRequests after resolving all = %v; want none", keysOf(got))
	}
}

func TestPutRequest_RejectsWhatCannotBeKeyed(t *testing.T) {
	db := storetest.Open(t)
	good := reqAt("T1", "UM", "UA", "C1", 1)
	for name, change := range map[string]func(*detect.Request){
		"no team":     func(r *detect.Request) { r.Team = "" },
		"no manager":  func(r *detect.Request) { r.Manager = "" },
		"no asker":    func(r *detect.Request) { r.Asker = "" },
		"no channel":  func(r *detect.Request) { r.Channel = "" },
		"bad ts":      func(r *detect.Request) { r.TS = "yesterday" },
		"NUL manager": func(r *detect.Request) { r.Manager = "U\x00M" },
		"NUL thread":  func(r *detect.Request) { r.ThreadTS = "1.2\x00" },
		"bad UTF-8":   func(r *detect.Request) { r.Asker = "U\xff" },
		"no since":    func(r *detect.Request) { r.Since = time.Time{} },
	} {
		r := good
		change(&r)
		err := db.PutRequest(r)
		if err == nil {
			t.Errorf("PutRequest with %s succeeded; want an error", name)
		} else if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("PutRequest with %s: error %q; want it to start with \"store: \"", name, err)
		}
	}
	for name, err := range map[string]error{
		"PendingRequests no manager":  func() error { _, err := db.PendingRequests("T1", ""); return err }(),
		"PendingRequestsIn no chan":   func() error { _, err := db.PendingRequestsIn("T1", "UM", ""); return err }(),
		"ResolveRequest no key":       func() error { _, _, err := db.ResolveRequest("T1", ""); return err }(),
		"RequestManagers no team":     func() error { _, err := db.RequestManagers(""); return err }(),
		"PruneRequests no team":       func() error { _, err := db.PruneRequests("", nil); return err }(),
		"PendingRequests NUL manager": func() error { _, err := db.PendingRequests("T1", "U\x00"); return err }(),
	} {
		if err == nil {
			t.Errorf("%s succeeded; want an error", name)
		}
	}
	if teams, err := db.Teams(); err != nil || len(teams) != 0 {
		t.Errorf("Teams() after refused writes = %v, %v; want none", teams, err)
	}
}

func TestRequests_AfterCloseFailWithErrClosed(t *testing.T) {
	db := storetest.Open(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.PutRequest(reqAt("T1", "UM", "UA", "C1", 1)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("PutRequest after Close = %v; want ErrClosed", err)
	}
	if _, _, err := db.ResolveRequest("T1", "UM/C1/1.1"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("ResolveRequest after Close = %v; want ErrClosed", err)
	}
	if _, err := db.PendingRequests("T1", "UM"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("PendingRequests after Close = %v; want ErrClosed", err)
	}
}

func TestPruneRequests_DeletesWhatKeepRejects(t *testing.T) {
	db := storetest.Open(t)
	for i, m := range []activity.UserID{"UM1", "UM2", "UM1", "UM2"} {
		putReq(t, db, reqAt("T1", m, "UA", "C1", i))
		if i == 1 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	putReq(t, db, reqAt("T2", "UM2", "UA", "C1", 9))
	n, err := db.PruneRequests("T1", func(r detect.Request) bool { return r.Manager == "UM1" })
	if err != nil || n != 2 {
		t.Errorf("PruneRequests = %d, %v; want 2 (UM2's, one on disk, one queued)", n, err)
	}
	if got := requestManagers(t, db, "T1"); !slices.Equal(got, []activity.UserID{"UM1"}) {
		t.Errorf("RequestManagers after prune = %v; want UM1", got)
	}
	if got := pending(t, db, "T1", "UM1"); len(got) != 2 {
		t.Errorf("PendingRequests(UM1) after prune = %v; want 2", keysOf(got))
	}
	if got := pending(t, db, "T2", "UM2"); len(got) != 1 {
		t.Errorf("T2 requests after prune in T1 = %v; want 1", keysOf(got))
	}
	if n, err := db.PruneRequests("T9", func(detect.Request) bool { return false }); err != nil || n != 0 {
		t.Errorf("PruneRequests in an unknown team = %d, %v; want 0", n, err)
	}
}

func TestPurgeRequests_StaleOnesOfAllTeams(t *testing.T) {
	db := storetest.Open(t)
	for _, r := range []detect.Request{
		reqAt("T1", "UM1", "UA", "C1", 10),  // stale
		reqAt("T1", "UM1", "UA", "C1", 100), // kept: at the cut
		reqAt("T1", "UM2", "UA", "C1", 50),  // stale
		reqAt("T1", "UM2", "UA", "C2", 200), // kept
		reqAt("T2", "UM1", "UA", "C1", 20),  // stale
	} {
		putReq(t, db, r)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	putReq(t, db, reqAt("T1", "UM3", "UB", "C1", 99)) // stale, still queued
	n, err := db.PurgeRequests(t0.Add(100 * time.Second))
	if err != nil || n != 4 {
		t.Errorf("PurgeRequests = %d, %v; want 4", n, err)
	}
	if got, want := keysOf(pending(t, db, "T1", "UM1")), []string{reqAt("T1", "UM1", "UA", "C1", 100).Key()}; !slices.Equal(got, want) {
		t.Errorf("PendingRequests(UM1) after purge = %v; want %v", got, want)
	}
	if got, want := requestManagers(t, db, "T1"), []activity.UserID{"UM1", "UM2"}; !slices.Equal(got, want) {
		t.Errorf("RequestManagers after purge = %v; want %v", got, want)
	}
	if got := requestManagers(t, db, "T2"); len(got) != 0 {
		t.Errorf("RequestManagers(T2) after purge = %v; want none", got)
	}
	if n, err := db.PurgeRequests(t0.Add(100 * time.Second)); err != nil || n != 0 {
		t.Errorf("second PurgeRequests = %d, %v; want 0", n, err)
	}
}

func TestForgetObservationsOf_DeletesRequestsTheyAsked(t *testing.T) {
	db := storetest.Open(t)
	asked := reqAt("T1", "UM", "UX", "C1", 1)
	other := reqAt("T1", "UM", "UA", "C1", 2)
	waitsForX := reqAt("T1", "UX", "UA", "C1", 3) // X as manager: not their request to drop
	for _, r := range []detect.Request{asked, other, waitsForX} {
		putReq(t, db, r)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	queued := reqAt("T1", "UM", "UX", "C2", 4)
	putReq(t, db, queued)
	putReq(t, db, reqAt("T2", "UM", "UX", "C1", 1)) // another workspace
	record(t, db, obsAt("T1", "C1", "UX", 1))

	n, err := db.ForgetObservationsOf("T1", "UX")
	if err != nil || n != 3 {
		t.Errorf("ForgetObservationsOf = %d, %v; want 3 (one observation, two requests)", n, err)
	}
	if got := keysOf(pending(t, db, "T1", "UM")); !slices.Equal(got, []string{other.Key()}) {
		t.Errorf("PendingRequests(UM) after forget = %v; want only %s", got, other.Key())
	}
	if got := keysOf(pending(t, db, "T1", "UX")); !slices.Equal(got, []string{waitsForX.Key()}) {
		t.Errorf("PendingRequests(UX) after forget = %v; want %s", got, waitsForX.Key())
	}
	if got := pending(t, db, "T2", "UM"); len(got) != 1 {
		t.Errorf("T2 requests after forget in T1 = %v; want 1", keysOf(got))
	}
}

package store

import (
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
)

func testRequest(sec int, manager activity.UserID, ch activity.ChannelID) detect.Request {
	at := t0.Add(time.Duration(sec) * time.Second)
	ts := activity.TSFromTime(at)
	return detect.Request{Team: "T1", Manager: manager, Asker: "UA", Channel: ch, TS: ts, ThreadTS: ts, TopLevel: true, Since: at}
}

func testNudge(id string, state policy.State) policy.Record {
	return policy.Record{ID: id, Team: "T1", Manager: "UM", Kind: people.KindSlowReply, Created: t0, State: state, Due: t0.Add(time.Hour)}
}

func pendingReqs(db *DB) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.pendingReq)
}

func requestKeys(t *testing.T, db *DB, manager activity.UserID) []string {
	t.Helper()
	rs, err := db.PendingRequests("T1", manager)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, r := range rs {
		ks = append(ks, r.Key())
	}
	return ks
}

// crash opens path, lets do write to it, and then closes the bbolt file
// without writing anything still pending, as a crash would leave it. do
// returns holding db.flushMu, so that nothing more is written after it.
func crash(t *testing.T, path string, do func(db *DB)) {
	t.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	do(db)
	if err := db.bolt.Close(); err != nil {
		t.Fatal(err)
	}
	db.mu.Lock()
	db.pending, db.pendingObs, db.pendingReq = nil, nil, nil // lost with the process
	db.mu.Unlock()
	db.flushMu.Unlock()
	_ = db.Close() // stops the flusher; the file is already closed
}

// A nudge record is committed before PutNudge returns: at most once
// depends on it.
func TestPutNudge_DurableWithoutFlushOrClose(t *testing.T) {
	path := tempPath(t)
	crash(t, path, func(db *DB) {
		db.flushMu.Lock() // the group commit can't run: only PutNudge's own commit counts
		if err := db.PutNudge(testNudge("N1", policy.Sending)); err != nil {
			t.Fatal(err)
		}
		if err := db.SetNudgeState("T1", "N1", policy.Sent, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetFeedback("T1", "N1", policy.Helpful); err != nil {
			t.Fatal(err)
		}
	})
	db := openAt(t, path, nil)
	r, err := db.Nudge("T1", "N1")
	if err != nil || r.State != policy.Sent || r.Feedback != policy.Helpful {
		t.Errorf("Nudge after a crash = %+v, %v; want it sent, with its feedback", r, err)
	}
}

// Requests are group-committed: durable once Flush returns, and (the
// documented trade-off) lost if the process dies before any commit.
func TestPutRequest_DurableOnceFlushed(t *testing.T) {
	path := tempPath(t)
	flushed, resolved, lost := testRequest(1, "UM", "C1"), testRequest(2, "UM", "C1"), testRequest(3, "UM", "C1")
	crash(t, path, func(db *DB) {
		for _, r := range []detect.Request{flushed, resolved} {
			if err := db.PutRequest(r); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok, err := db.ResolveRequest("T1", resolved.Key()); err != nil || !ok {
			t.Fatalf("ResolveRequest = %v, %v", ok, err)
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		db.flushMu.Lock() // the next one is never written
		if err := db.PutRequest(lost); err != nil {
			t.Fatal(err)
		}
	})
	db := openAt(t, path, nil)
	if got := requestKeys(t, db, "UM"); !slices.Equal(got, []string{flushed.Key()}) {
		t.Errorf("PendingRequests after a crash = %v; want only the flushed %s", got, flushed.Key())
	}
}

// Reads see queued changes and those being written, and agree with the
// file once they are written.
func TestRequests_QueuedAndInFlightChangesAreSeen(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	a, b, c := testRequest(1, "UM", "C1"), testRequest(2, "UM", "C2"), testRequest(3, "UM2", "C1")
	for _, r := range []detect.Request{a, b} {
		if err := db.PutRequest(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	db.flushMu.Lock()
	if _, ok, err := db.ResolveRequest("T1", a.Key()); err != nil || !ok {
		t.Fatalf("ResolveRequest(a) = %v, %v", ok, err)
	}
	if err := db.PutRequest(c); err != nil {
		t.Fatal(err)
	}
	// Do what updateWithPending does before its transaction commits: the
	// resolve is being written, the put still queued.
	db.mu.Lock()
	db.inflightReq, db.pendingReq = db.pendingReq[:1], db.pendingReq[1:]
	db.mu.Unlock()
	check := func(when string) {
		t.Helper()
		if got := requestKeys(t, db, "UM"); !slices.Equal(got, []string{b.Key()}) {
			t.Errorf("%s: PendingRequests(UM) = %v; want %s", when, got, b.Key())
		}
		if got := requestKeys(t, db, "UM2"); !slices.Equal(got, []string{c.Key()}) {
			t.Errorf("%s: PendingRequests(UM2) = %v; want %s", when, got, c.Key())
		}
		if ms, err := db.RequestManagers("T1"); err != nil || !slices.Equal(ms, []activity.UserID{"UM", "UM2"}) {
			t.Errorf("%s: RequestManagers = %v, %v; want UM, UM2", when, ms, err)
		}
		if rs, err := db.PendingRequestsIn("T1", "UM", "C1"); err != nil || len(rs) != 0 {
			t.Errorf("%s: PendingRequestsIn(UM, C1) = %v, %v; want none", when, rs, err)
		}
		if _, ok, err := db.ResolveRequest("T1", a.Key()); err != nil || ok {
			t.Errorf("%s: ResolveRequest(a) again = %v, %v; want false", when, ok, err)
		}
	}
	check("while being written")
	db.mu.Lock()
	db.pendingReq = append(db.inflightReq, db.pendingReq...)
	db.inflightReq = nil
	db.mu.Unlock()
	db.flushMu.Unlock()
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	check("written")
}

func TestFlush_FailureKeepsRequestChangesQueued(t *testing.T) {
	db, err := Open(tempPath(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.flushMu.Lock() // keep the background flusher out of the way
	a := testRequest(1, "UM", "C1")
	if err := db.PutRequest(a); err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Close(); err != nil { // make writes fail
		t.Fatal(err)
	}
	db.flushMu.Unlock()
	if err := db.Flush(); !errors.Is(err, bbolt.ErrDatabaseNotOpen) {
		t.Errorf("Flush() on a failing file = %v; want ErrDatabaseNotOpen", err)
	}
	db.flushMu.Lock()
	if n := pendingReqs(db); n != 1 {
		t.Errorf("queued after failed flush = %d; want 1 (kept for retry)", n)
	}
	db.flushMu.Unlock()
	if err := db.Close(); err == nil {
		t.Error("Close() with unwritable request changes = nil; want the error")
	}
}

func TestPutRequest_BackpressureWhenDiskIsBehind(t *testing.T) {
	cfg := defaultConfig()
	cfg.maxPendingReq = 4
	db := openWithCfg(t, tempPath(t), nil, cfg)
	db.flushMu.Lock() // the disk is "busy"
	for i := range 3 {
		if err := db.PutRequest(testRequest(i, "UM", "C1")); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() { done <- db.PutRequest(testRequest(3, "UM", "C1")) }()
	for pendingReqs(db) < 4 {
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("PutRequest at the backlog limit returned while the disk was busy; want it to wait for the write")
	default:
	}
	db.flushMu.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := pendingReqs(db); n != 0 {
		t.Errorf("queued after the backlog write = %d; want 0", n)
	}
}

func TestCheck_FindsBrokenRequestAndNudgeIndexes(t *testing.T) {
	req := testRequest(1, "UM", "C1")
	firstKey := func(name []byte) func(tb *bbolt.Bucket) error {
		return func(tb *bbolt.Bucket) error {
			c := tb.Bucket(name).Cursor()
			c.First()
			return c.Delete()
		}
	}
	stray := func(name []byte, key string) func(tb *bbolt.Bucket) error {
		return func(tb *bbolt.Bucket) error {
			b, err := tb.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), emptyValue)
		}
	}
	for name, damage := range map[string]func(tb *bbolt.Bucket) error{
		"request without manager entry": firstKey(reqByManagerBucket),
		"request without channel entry": firstKey(reqByChannelBucket),
		"stray manager entry":           stray(reqByManagerBucket, "UZ\x00\x00\x00\x00\x00\x00\x00\x00\x01UZ/C1/1.2"),
		"stray channel entry":           stray(reqByChannelBucket, "UM\x00C9\x00\x00\x00\x00\x00\x00\x00\x00\x01x"),
		"request under the wrong key": func(tb *bbolt.Bucket) error {
			rb := tb.Bucket(requestsBucket)
			v := rb.Get([]byte(req.Key()))
			if err := deleteIndexed(tb, requestsBucket, []byte(req.Key()), requestIndexEntries([]byte(req.Key()), req)); err != nil {
				return err
			}
			other := []byte("UM/C1/9.9")
			return putIndexed(tb, requestsBucket, other, v, nil, requestIndexEntries(other, req))
		},
		"request that does not decode": func(tb *bbolt.Bucket) error {
			return tb.Bucket(requestsBucket).Put([]byte(req.Key()), []byte(`{"v":9}`))
		},
		"nudge without manager entry":   firstKey(nudgeByManagerBucket),
		"held nudge without due entry":  firstKey(nudgeDueBucket),
		"held nudge without held entry": firstKey(nudgeHeldBucket),
		"nudge without feedback entry":  firstKey(nudgeFeedbackBucket),
		"stray due entry":               stray(nudgeDueBucket, "\x00\x00\x00\x00\x00\x00\x00\x01N9"),
		"stray held entry":              stray(nudgeHeldBucket, "UM\x00slow\x00\x00\x00\x00\x00\x00\x00\x00\x01N9"),
		"stray feedback entry":          stray(nudgeFeedbackBucket, "helpful\x00N9"),
		"sent nudge left in due index":  stray(nudgeDueBucket, string(append(timeKey(t0), "N2"...))),
		"nudge with an unknown state": func(tb *bbolt.Bucket) error {
			return tb.Bucket(nudgesBucket).Put([]byte("N2"), []byte(`{"v":1,"manager":"UM","kind":"slow","state":"lost"}`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(tempPath(t), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.PutRequest(req); err != nil {
				t.Fatal(err)
			}
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
			n1 := testNudge("N1", policy.Held)
			n1.Feedback = policy.Helpful
			for _, n := range []policy.Record{n1, testNudge("N2", policy.Sent)} {
				if err := db.PutNudge(n); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Check(); err != nil {
				t.Fatalf("Check() before damage = %v", err)
			}
			err = db.bolt.Update(func(tx *bbolt.Tx) error {
				tb, _ := teamBucket(tx, "T1", false)
				return damage(tb)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Check(); err == nil {
				t.Error("Check() after damage = nil; want an error")
			}
		})
	}
}

func TestKeysBefore_SkipsToTheNextOwner(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("idx"))
		if err != nil {
			return err
		}
		for _, e := range []struct {
			owner string
			sec   int
			key   string
		}{
			{"UA", 1, "a1"}, {"UA", 5, "a5"}, {"UA", 9, "a9"},
			{"UA\x01", 2, "x2"}, // an owner that sorts right after UA's entries
			{"UB", 10, "b10"}, {"UC", 3, "c3"}, {"UC", 4, "c4"},
		} {
			k := append([]byte(e.owner), 0)
			k = append(k, timeKey(t0.Add(time.Duration(e.sec)*time.Second))...)
			if err := b.Put(append(k, e.key...), emptyValue); err != nil {
				return err
			}
		}
		keys, err := keysBefore(b, timeKey(t0.Add(5*time.Second)))
		if err != nil {
			return err
		}
		var got []string
		for _, k := range keys {
			got = append(got, string(k))
		}
		if want := []string{"a1", "x2", "c3", "c4"}; !slices.Equal(got, want) {
			t.Errorf("keysBefore = %v; want %v", got, want)
		}
		return tx.DeleteBucket([]byte("idx"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
)

func mark(t *testing.T, db *DB, team activity.TeamID, id string, now time.Time) bool {
	t.Helper()
	first, err := db.MarkEvent(team, id, now)
	if err != nil {
		t.Fatalf("MarkEvent(%s, %s) = %v", team, id, err)
	}
	return first
}

// persistedEvents returns team → event ID → time from the file.
func persistedEvents(t *testing.T, db *DB) map[activity.TeamID]map[string]time.Time {
	t.Helper()
	got := map[activity.TeamID]map[string]time.Time{}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			eb := tb.Bucket(eventsBucket)
			if eb == nil {
				return nil
			}
			got[team] = map[string]time.Time{}
			return eb.ForEach(func(k, _ []byte) error {
				got[team][string(k[8:])] = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMarkEvent_FirstThenDuplicate(t *testing.T) {
	db := openAt(t, tempPath(t), clock.NewFake(t0))
	if !mark(t, db, "T1", "Ev1", t0) {
		t.Error("MarkEvent(T1, Ev1) the first time = false; want true")
	}
	if mark(t, db, "T1", "Ev1", t0.Add(time.Second)) {
		t.Error("MarkEvent(T1, Ev1) again = true; want false")
	}
	if !mark(t, db, "T1", "Ev2", t0) {
		t.Error("MarkEvent(T1, Ev2) = false; want true")
	}
	if !mark(t, db, "T2", "Ev1", t0) {
		t.Error("MarkEvent(T2, Ev1) = false; want true (another workspace)")
	}
}

func TestMarkEvent_RejectsEmptyIDs(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	if _, err := db.MarkEvent("T1", "", t0); err == nil {
		t.Error("MarkEvent with empty event id succeeded")
	}
	if _, err := db.MarkEvent("", "Ev1", t0); err == nil {
		t.Error("MarkEvent with empty team id succeeded")
	}
}

func TestMarkEvent_ZeroTimeUsesClock(t *testing.T) {
	db := openAt(t, tempPath(t), clock.NewFake(t0))
	mark(t, db, "T1", "Ev1", time.Time{})
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := persistedEvents(t, db)["T1"]["Ev1"]; !got.Equal(t0) {
		t.Errorf("persisted time = %v; want clock's %v", got, t0)
	}
}

func TestMarkEvent_ForgottenAfterWindow(t *testing.T) {
	db := openAt(t, tempPath(t), clock.NewFake(t0))
	mark(t, db, "T1", "Ev1", t0)
	if mark(t, db, "T1", "Ev1", t0.Add(EventWindow)) {
		t.Error("duplicate exactly EventWindow later counted as first; want remembered")
	}
	if !mark(t, db, "T1", "Ev1", t0.Add(EventWindow+time.Nanosecond)) {
		t.Error("event seen again after EventWindow = duplicate; want first")
	}
}

func TestMarkEvent_RememberedAcrossReopen(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)
	db, err := Open(path, Options{Clock: clk, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	mark(t, db, "T1", "Ev1", t0)
	mark(t, db, "T2", "Ev2", t0.Add(time.Minute))
	if err := db.Close(); err != nil { // flushes
		t.Fatal(err)
	}

	// Restart 5 minutes later: both are remembered.
	clk.Set(t0.Add(5 * time.Minute))
	db = openAt(t, path, clk)
	if mark(t, db, "T1", "Ev1", clk.Now()) {
		t.Error("after restart within the window, MarkEvent(T1, Ev1) = true; want false")
	}
	if mark(t, db, "T2", "Ev2", clk.Now()) {
		t.Error("after restart within the window, MarkEvent(T2, Ev2) = true; want false")
	}
	if !mark(t, db, "T1", "Ev3", clk.Now()) {
		t.Error("after restart, a new event = false; want true")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart 10m30s after Ev1 and 9m30s after Ev2: only Ev2 is remembered.
	clk.Set(t0.Add(EventWindow + 30*time.Second))
	db = openAt(t, path, clk)
	if !mark(t, db, "T1", "Ev1", clk.Now()) {
		t.Error("after restart past the window, MarkEvent(T1, Ev1) = false; want true")
	}
	if mark(t, db, "T2", "Ev2", clk.Now()) {
		t.Error("after restart within Ev2's window, MarkEvent(T2, Ev2) = true; want false")
	}
}

func TestMarkEvent_ConcurrentSameIDHasExactlyOneFirst(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	const n = 50
	var (
		firsts atomic.Int32
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-start
			first, err := db.MarkEvent("T1", "EvSame", t0)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := firsts.Load(); got != 1 {
		t.Errorf("%d concurrent MarkEvent of one id gave %d firsts; want 1", n, got)
	}
}

func TestMarkEvent_ConcurrentManyIDsAllPersisted(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, Options{NoSync: true, Clock: clock.NewFake(t0)})
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				// Every id twice, from different workers.
				id := fmt.Sprintf("Ev%d", (w/2)*per+i)
				if _, err := db.MarkEvent("T1", id, t0); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, clock.NewFake(t0))
	if got, want := len(persistedEvents(t, db)["T1"]), workers/2*per; got != want {
		t.Errorf("persisted %d event ids; want %d", got, want)
	}
	if st := db.EventStats(); st.Remembered != workers/2*per {
		t.Errorf("EventStats().Remembered after reopen = %d; want %d", st.Remembered, workers/2*per)
	}
}

func TestFlush_WritesPendingWithoutClose(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	mark(t, db, "T1", "Ev1", t0)
	mark(t, db, "T1", "Ev2", t0.Add(time.Second))
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := db.EventStats(); st.Pending != 0 || st.Remembered != 2 {
		t.Errorf("EventStats() after Flush = %+v; want 0 pending, 2 remembered", st)
	}
	got := persistedEvents(t, db)["T1"]
	if len(got) != 2 || !got["Ev1"].Equal(t0) || !got["Ev2"].Equal(t0.Add(time.Second)) {
		t.Errorf("persisted = %v; want Ev1 at t0 and Ev2 a second later", got)
	}
}

func TestPurgeEvents(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0.Add(5 * time.Minute))
	db := openAt(t, path, clk)
	mark(t, db, "T1", "Ev1", t0)
	mark(t, db, "T2", "Ev2", t0.Add(30*time.Second))
	mark(t, db, "T1", "Ev3", t0.Add(2*time.Minute))

	n, err := db.PurgeEvents(t0.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("PurgeEvents(t0+1m) = %d, %v; want 2", n, err)
	}
	got := persistedEvents(t, db)
	if len(got["T1"]) != 1 || len(got["T2"]) != 0 || got["T1"]["Ev3"].IsZero() {
		t.Errorf("persisted after purge = %v; want only T1/Ev3", got)
	}
	if !mark(t, db, "T1", "Ev1", clk.Now()) {
		t.Error("purged Ev1 is still remembered in memory")
	}
	if mark(t, db, "T1", "Ev3", clk.Now()) {
		t.Error("Ev3 (after the cut) was forgotten")
	}
	if n, err := db.PurgeEvents(t0.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("second PurgeEvents(t0+1m) = %d, %v; want 0", n, err)
	}
}

func TestMarkEvent_MemoryIsBounded(t *testing.T) {
	cfg := defaultConfig()
	cfg.maxRecent = 3
	db := openWithCfg(t, tempPath(t), nil, cfg)
	for i := range 5 {
		mark(t, db, "T1", "Ev"+strconv.Itoa(i), t0)
	}
	st := db.EventStats()
	if st.Remembered != 3 || st.EvictedEarly != 2 {
		t.Errorf("EventStats() = %+v; want 3 remembered, 2 evicted early", st)
	}
	if !mark(t, db, "T1", "Ev0", t0) {
		t.Error("the oldest id, evicted for space, still counted as a duplicate")
	}
	if mark(t, db, "T1", "Ev4", t0) {
		t.Error("the newest id was forgotten")
	}
}

func TestMarkEvent_BackpressureWhenDiskIsBehind(t *testing.T) {
	cfg := defaultConfig()
	cfg.maxPending = 4
	db := openWithCfg(t, tempPath(t), nil, cfg)
	// Hold every flush off: the disk is "busy".
	db.flushMu.Lock()
	for i := range 3 {
		mark(t, db, "T1", "Ev"+strconv.Itoa(i), t0)
	}
	done := make(chan bool)
	go func() {
		first, err := db.MarkEvent("T1", "Ev3", t0) // reaches maxPending
		if err != nil {
			t.Error(err)
		}
		done <- first
	}()
	for db.EventStats().Pending < 4 {
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("MarkEvent at the backlog limit returned while the disk was busy; want it to wait for the write")
	default:
	}
	db.flushMu.Unlock()
	if !<-done {
		t.Error("MarkEvent(Ev3) = false; want true")
	}
	// It returned after its own flush, so the whole backlog is on disk.
	if got := len(persistedEvents(t, db)["T1"]); got != 4 {
		t.Errorf("persisted %d ids; want 4", got)
	}
	if st := db.EventStats(); st.Pending != 0 {
		t.Errorf("pending = %d; want 0", st.Pending)
	}
}

func TestFlush_FailureKeepsIDsPending(t *testing.T) {
	db, err := Open(tempPath(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.flushMu.Lock() // keep the background flusher out of the way
	mark(t, db, "T1", "Ev1", t0)
	mark(t, db, "T1", "Ev2", t0)
	// Make writes fail: close the bbolt file under the store.
	if err := db.bolt.Close(); err != nil {
		t.Fatal(err)
	}
	db.flushMu.Unlock()
	if err := db.Flush(); !errors.Is(err, bbolt.ErrDatabaseNotOpen) {
		t.Errorf("Flush() on a failing file = %v; want ErrDatabaseNotOpen", err)
	}
	db.flushMu.Lock() // no background retry in flight while we look
	if st := db.EventStats(); st.Pending != 2 {
		t.Errorf("pending after failed flush = %d; want 2 (kept for retry)", st.Pending)
	}
	db.flushMu.Unlock()
	if mark(t, db, "T1", "Ev1", t0) {
		t.Error("dedupe lost after failed flush")
	}
	if err := db.Close(); err == nil {
		t.Error("Close() with unwritable pending ids = nil; want the error")
	}
}

func TestMarkEvent_AfterClose(t *testing.T) {
	db, err := Open(tempPath(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := db.MarkEvent("T1", "Ev1", t0); !errors.Is(err, ErrClosed) {
		t.Errorf("MarkEvent after Close = %v; want ErrClosed", err)
	}
	if err := db.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v; want ErrClosed", err)
	}
}

func TestRecentSet_RingWrapsAndGrows(t *testing.T) {
	var r recentSet
	r.init(1000)
	at := int64(0)
	// Push and expire in a pattern that wraps the ring and grows it.
	for round := range 10 {
		for i := range 50 + round*20 {
			if !r.add(fmt.Sprintf("k%d-%d", round, i), at) {
				t.Fatalf("add(k%d-%d) = false; want true", round, i)
			}
			at++
		}
		r.dropBefore(at - 30)
		if r.n != 30 || len(r.seen) != 30 {
			t.Fatalf("round %d: n = %d, len(seen) = %d; want 30", round, r.n, len(r.seen))
		}
		for i := range r.n {
			if got, want := r.buf[(r.head+i)%len(r.buf)].at, at-30+int64(i); got != want {
				t.Fatalf("round %d: entry %d at %d; want %d (arrival order)", round, i, got, want)
			}
		}
	}
	r.dropBefore(at)
	if r.n != 0 || len(r.seen) != 0 {
		t.Errorf("after dropping everything: n = %d, len(seen) = %d; want 0", r.n, len(r.seen))
	}
	if !r.add("again", at) {
		t.Error("add after emptying = false; want true")
	}
}

// BenchmarkMarkEvent measures the cost of MarkEvent for new event IDs, with
// real fsync. "serial" and "parallel" time the calls only; "sustained"
// includes writing everything to disk (a Flush at the end), which is the
// rate the store can keep up indefinitely; "duplicate" is a redelivery.
func BenchmarkMarkEvent(b *testing.B) {
	var seq atomic.Int64
	newID := func() string { return "Ev" + strconv.FormatInt(seq.Add(1), 36) }
	open := func(b *testing.B) *DB {
		db, err := Open(tempPath(b), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}

	b.Run("serial", func(b *testing.B) {
		db := open(b)
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.MarkEvent("T1", newID(), now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db := open(b)
		now := time.Now()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.MarkEvent("T1", newID(), now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("sustained", func(b *testing.B) {
		db := open(b)
		now := time.Now()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.MarkEvent("T1", newID(), now); err != nil {
					b.Error(err)
					return
				}
			}
		})
		if err := db.Flush(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("duplicate", func(b *testing.B) {
		db := open(b)
		now := time.Now()
		if _, err := db.MarkEvent("T1", "EvDup", now); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if first, err := db.MarkEvent("T1", "EvDup", now); err != nil || first {
					b.Errorf("MarkEvent(dup) = %v, %v", first, err)
					return
				}
			}
		})
	})
}

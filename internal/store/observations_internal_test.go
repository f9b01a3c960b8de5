package store

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

func testObs(sec int, ch activity.ChannelID) activity.Observation {
	return activity.Observation{
		Team:     "T1",
		Channel:  ch,
		Kind:     activity.KindPrivate,
		User:     "UA",
		TS:       activity.TSFromTime(t0.Add(time.Duration(sec) * time.Second)),
		Mentions: []activity.UserID{"UB"},
	}
}

func pendingObs(db *DB) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.pendingObs)
}

func countObservations(t *testing.T, db *DB, team activity.TeamID) int {
	t.Helper()
	n := 0
	if err := db.Observations(team, time.Unix(0, 0), t0.Add(time.Hour), func(activity.Observation) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestObservationEncoding_ThreadShapes(t *testing.T) {
	for _, c := range []struct {
		name     string
		threadTS activity.TS
		extra    int // bytes beyond a top-level message
	}{
		{"top level", "", 0},
		{"thread parent", "SAME", 0},
		{"reply", "1772442000.000100", 1 + len("1772442000.000100")},
	} {
		o := testObs(1, "C1")
		o.ThreadTS = c.threadTS
		if c.threadTS == "SAME" {
			o.ThreadTS = o.TS
		}
		rec, err := encodeObservationRecord(o)
		if err != nil {
			t.Fatal(err)
		}
		top := appendObservationValue(nil, testObs(1, "C1"))
		if got := len(rec.val) - len(top); got != c.extra {
			t.Errorf("%s: value is %d bytes longer than a top-level one; want %d", c.name, got, c.extra)
		}
		got, err := decodeObservation("T1", rec.key, rec.val)
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("%s: decode = %+v, %v; want %+v", c.name, got, err, o)
		}
		if rec.val[0] != obsVersion {
			t.Errorf("%s: first byte %d; want version %d", c.name, rec.val[0], obsVersion)
		}
	}
}

func TestObservationKeys_IndexAndPrimaryConvert(t *testing.T) {
	o := testObs(1, "C1")
	k := appendObservationKey(nil, o)
	if want := append(encodeTime(o.TS.Time()), "C1\x00"+string(o.TS)...); !bytes.Equal(k, want) {
		t.Errorf("key = %q; want %q", k, want)
	}
	ik, err := appendIndexKey(nil, k)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte("C1\x00"), encodeTime(o.TS.Time())...), o.TS...); !bytes.Equal(ik, want) {
		t.Errorf("index key = %q; want %q", ik, want)
	}
	back, err := appendPrimaryKey(nil, ik)
	if err != nil || !bytes.Equal(back, k) {
		t.Errorf("appendPrimaryKey(index key) = %q, %v; want %q", back, err, k)
	}
}

func TestDecodeObservation_RefusesDamage(t *testing.T) {
	rec, err := encodeObservationRecord(testObs(1, "C1"))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string][]byte{
		"empty":          nil,
		"newer version":  append([]byte{obsVersion + 1}, rec.val[1:]...),
		"truncated":      rec.val[:len(rec.val)-1],
		"trailing bytes": append(bytes.Clone(rec.val), 0),
		"huge count":     append(bytes.Clone(rec.val[:len(rec.val)-4]), 0xff, 0xff, 0x03),
	} {
		if _, err := decodeObservation("T1", rec.key, v); err == nil {
			t.Errorf("decode of %s value succeeded; want an error", name)
		}
	}
	if _, err := decodeObservation("T1", []byte("short"), rec.val); err == nil {
		t.Error("decode with a malformed key succeeded; want an error")
	}
}

func FuzzDecodeObservation(f *testing.F) {
	for _, o := range []activity.Observation{testObs(1, "C1"), {Team: "T1", Channel: "C", TS: "1.1", ThreadTS: "0.5", ParentUser: "UP", IsBot: true}} {
		rec, err := encodeObservationRecord(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec.key, rec.val)
	}
	f.Fuzz(func(t *testing.T, k, v []byte) {
		o, err := decodeObservation("T1", k, v)
		if err != nil {
			return
		}
		// Whatever decodes encodes to a value that decodes the same.
		got := appendObservationValue(nil, o)
		if o2, err := decodeObservation("T1", k, got); err != nil || !reflect.DeepEqual(o, o2) {
			t.Errorf("re-encoding %x gave %x, which decodes to %+v, %v; want %+v", v, got, o2, err, o)
		}
	})
}

func TestRecordObservation_BackpressureWhenDiskIsBehind(t *testing.T) {
	cfg := defaultConfig()
	cfg.maxPendingObs = 4
	db := openWithCfg(t, tempPath(t), nil, cfg)
	db.flushMu.Lock() // the disk is "busy"
	for i := range 3 {
		if err := db.RecordObservation(testObs(i, "C1")); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() { done <- db.RecordObservation(testObs(3, "C1")) }()
	for pendingObs(db) < 4 {
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("RecordObservation at the backlog limit returned while the disk was busy; want it to wait for the write")
	default:
	}
	db.flushMu.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := pendingObs(db); n != 0 {
		t.Errorf("pending after the backlog write = %d; want 0", n)
	}
	var onDisk int
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		tb, _ := teamBucket(tx, "T1", false)
		onDisk = tb.Bucket(observationsBucket).Stats().KeyN
		return nil
	})
	if err != nil || onDisk != 4 {
		t.Errorf("on disk = %d, %v; want 4", onDisk, err)
	}
}

func TestFlush_FailureKeepsObservationsPendingAndVisible(t *testing.T) {
	db, err := Open(tempPath(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.flushMu.Lock() // keep the background flusher out of the way
	for i := range 3 {
		if err := db.RecordObservation(testObs(i, "C1")); err != nil {
			t.Fatal(err)
		}
	}
	if n := countObservations(t, db, "T1"); n != 3 {
		t.Errorf("observations visible before the write = %d; want 3", n)
	}
	if err := db.bolt.Close(); err != nil { // make writes fail
		t.Fatal(err)
	}
	db.flushMu.Unlock()
	if err := db.Flush(); !errors.Is(err, bbolt.ErrDatabaseNotOpen) {
		t.Errorf("Flush() on a failing file = %v; want ErrDatabaseNotOpen", err)
	}
	db.flushMu.Lock()
	if n := pendingObs(db); n != 3 {
		t.Errorf("pending after failed flush = %d; want 3 (kept for retry)", n)
	}
	db.flushMu.Unlock()
	if err := db.Close(); err == nil {
		t.Error("Close() with unwritable observations = nil; want the error")
	}
}

// Observations being written (taken from pending, not yet committed) are
// still seen by readers.
func TestObservations_SeenWhileBeingWritten(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	db.flushMu.Lock()
	for i := range 3 {
		if err := db.RecordObservation(testObs(i, activity.ChannelID([]string{"C1", "C2", "C1"}[i]))); err != nil {
			t.Fatal(err)
		}
	}
	// Do what updateWithPending does before its transaction commits.
	db.mu.Lock()
	db.inflightObs, db.pendingObs = db.pendingObs[:2], db.pendingObs[2:]
	db.mu.Unlock()
	if n := countObservations(t, db, "T1"); n != 3 {
		t.Errorf("observations visible while being written = %d; want 3", n)
	}
	n := 0
	if err := db.ObservationsIn("T1", "C1", time.Unix(0, 0), t0.Add(time.Hour), func(activity.Observation) bool { n++; return true }); err != nil || n != 2 {
		t.Errorf("ObservationsIn(C1) while being written = %d, %v; want 2", n, err)
	}
	db.mu.Lock()
	db.pendingObs = append(db.inflightObs, db.pendingObs...)
	db.inflightObs = nil
	db.mu.Unlock()
	db.flushMu.Unlock()
}

func TestCheck_FindsBrokenIndexes(t *testing.T) {
	for name, damage := range map[string]func(tb *bbolt.Bucket) error{
		"observation without index entry": func(tb *bbolt.Bucket) error {
			c := tb.Bucket(obsByChannelBucket).Cursor()
			c.First()
			return c.Delete()
		},
		"stray index entry": func(tb *bbolt.Bucket) error {
			return tb.Bucket(obsByChannelBucket).Put([]byte("C9\x00\x00\x00\x00\x00\x00\x00\x00\x011.2"), emptyValue)
		},
		"member without index entry": func(tb *bbolt.Bucket) error {
			return tb.Bucket(managersOfBucket).Delete(indexKey("UA", "UM"))
		},
		"stray team entry": func(tb *bbolt.Bucket) error {
			return tb.Bucket(managersOfBucket).Put(indexKey("UZ", "UM"), emptyValue)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := tempPath(t)
			db, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.RecordObservation(testObs(1, "C1")); err != nil {
				t.Fatal(err)
			}
			if err := db.PutManager(testManager()); err != nil {
				t.Fatal(err)
			}
			if err := db.Flush(); err != nil {
				t.Fatal(err)
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

func testManager() people.Manager {
	return people.Manager{Team: "T1", ID: "UM", Members: []activity.UserID{"UA", "UB"}}
}

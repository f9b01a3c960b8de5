package store

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/clock"
)

func pendingInbox(t *testing.T, db *DB) ([]uint64, []string) {
	t.Helper()
	seqs, values, err := db.PendingInbox()
	if err != nil {
		t.Fatalf("PendingInbox() = %v", err)
	}
	var vs []string
	for _, v := range values {
		vs = append(vs, string(v))
	}
	return seqs, vs
}

func TestInbox_PutDonePendingSurviveReopen(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)
	db := openAt(t, path, clk)
	var want []string
	for batch := range 3 {
		var values [][]byte
		for i := range 4 {
			v := fmt.Sprintf(`{"n":%d}`, batch*4+i)
			values = append(values, []byte(v))
			want = append(want, v)
		}
		seqs, err := db.PutInbox(values)
		if err != nil || len(seqs) != len(values) {
			t.Fatalf("PutInbox(%d values) = %v, %v", len(values), seqs, err)
		}
	}
	seqs, got := pendingInbox(t, db)
	if !slices.Equal(got, want) || !slices.IsSorted(seqs) {
		t.Fatalf("PendingInbox() = %v %v; want %v in order", seqs, got, want)
	}

	// Done records go with the next flush, with their event IDs.
	db.InboxDone(seqs[0], "T1", "Ev0", t0)
	db.InboxDone(seqs[5], "T1", "", time.Time{}) // a duplicate: no ID
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, clk)
	seqs2, got := pendingInbox(t, db)
	want = slices.Delete(slices.Delete(slices.Clone(want), 5, 6), 0, 1)
	if !slices.Equal(got, want) {
		t.Fatalf("after done and reopen, PendingInbox() = %v; want %v", got, want)
	}
	if first, err := db.MarkEvent("T1", "Ev0", t0.Add(time.Second)); err != nil || first {
		t.Errorf("MarkEvent(Ev0) after InboxDone and reopen = %v, %v; want false (remembered)", first, err)
	}
	// New records come after the old ones.
	more, err := db.PutInbox([][]byte{[]byte("late")})
	if err != nil || more[0] <= seqs2[len(seqs2)-1] {
		t.Fatalf("PutInbox after reopen = %v, %v; want a sequence after %d", more, err, seqs2[len(seqs2)-1])
	}
}

func TestInbox_MarkInboxEventIsWrittenOnlyWhenDone(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)
	db := openAt(t, path, clk)
	seqs, err := db.PutInbox([][]byte{[]byte("a"), []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"EvA", "EvB"} {
		if first, err := db.MarkInboxEvent("T1", id, t0); !first || err != nil {
			t.Fatalf("MarkInboxEvent(%s) = %v, %v; want true", id, first, err)
		}
	}
	if first, _ := db.MarkInboxEvent("T1", "EvA", t0); first {
		t.Fatal("MarkInboxEvent(EvA) twice = true; want false (remembered in memory)")
	}
	db.InboxDone(seqs[0], "T1", "EvA", t0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash while the core handled EvB: its record is left and its ID
	// was never written, so it is handed over again and counts as new.
	db = openAt(t, path, clk)
	_, got := pendingInbox(t, db)
	if !slices.Equal(got, []string{"b"}) {
		t.Fatalf("PendingInbox() = %v; want [b]", got)
	}
	if first, _ := db.MarkInboxEvent("T1", "EvB", t0); !first {
		t.Error("EvB, not done, was remembered across the restart")
	}
	if first, _ := db.MarkInboxEvent("T1", "EvA", t0); first {
		t.Error("EvA, done, was forgotten across the restart")
	}
}

func TestInbox_PurgeDropsOnlyOldRecords(t *testing.T) {
	clk := clock.NewFake(t0)
	db := openAt(t, tempPath(t), clk)
	if _, err := db.PutInbox([][]byte{[]byte("old1"), []byte("old2")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(25 * time.Hour)
	if _, err := db.PutInbox([][]byte{[]byte("new")}); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeInbox(clk.Now().Add(-24 * time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeInbox() = %d, %v; want 2", n, err)
	}
	if _, got := pendingInbox(t, db); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("after purge PendingInbox() = %v; want [new]", got)
	}
}

// The inbox keeps only what it is given (the adapter's metadata) plus a
// sequence number and a time: nothing else lands in the file.
func TestInbox_HoldsOnlyWhatItIsGiven(t *testing.T) {
	path := tempPath(t)
	db := openAt(t, path, clock.NewFake(t0))
	if _, err := db.PutInbox([][]byte{[]byte(`{"team":"T1","event_id":"EvCANARY"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("EvCANARY")) {
		t.Fatal("the record is not in the file; the check below proves nothing")
	}
	rawUpdate(t, path, func(tx *bbolt.Tx) error {
		return tx.Bucket(inboxBucket).ForEach(func(k, v []byte) error {
			if len(k) != 8 || len(v) != 8+len(`{"team":"T1","event_id":"EvCANARY"}`) {
				t.Errorf("inbox record %x = %q; want an 8-byte key and 8 bytes of time before the value", k, v)
			}
			return nil
		})
	})
}

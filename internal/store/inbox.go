package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// The inbox holds events that were acknowledged to Slack but may not have
// reached the core yet. Slack does not redeliver an acknowledged event, so
// the Slack adapter commits each one here before it acks it, and deletes it
// once the core has handled it; at start, whatever is left is handed to the
// core again.
//
// The store does not know what a record means: the adapter encodes it (the
// metadata it translated from the event, never the event's payload or text)
// and the store keeps it opaque. The inbox is one top-level bucket, not one
// per team, so that records come back in the order they were put.
//
//	inbox   key = sequence number (8-byte big-endian, from the bucket's
//	        sequence), value = put time (8-byte big-endian unix nanos) ‖
//	        the adapter's record

var inboxBucket = []byte("inbox")

// defaultMaxPendingDone bounds the inbox deletions waiting to be written.
const defaultMaxPendingDone = 1 << 16

// PutInbox commits values to the inbox in one write transaction and returns
// their sequence numbers, in order. It returns once they are on disk (one
// fsync for the whole batch).
func (db *DB) PutInbox(values [][]byte) ([]uint64, error) {
	if len(values) == 0 {
		return nil, nil
	}
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("store: put inbox: %w", ErrClosed)
	}
	now := db.clock.Now().UnixNano()
	seqs := make([]uint64, len(values))
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(inboxBucket)
		if err != nil {
			return err
		}
		for i, v := range values {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			val := make([]byte, 8, 8+len(v))
			putTime(val, now)
			if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), append(val, v...)); err != nil {
				return err
			}
			seqs[i] = seq
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: put %d inbox records: %w", len(values), err)
	}
	return seqs, nil
}

// InboxDone deletes the inbox record seq and, when eventID is not empty,
// writes the event ID that MarkInboxEvent remembered for team at at. Like
// MarkEvent it does not wait for the disk: both are written with the next
// flush, in one transaction, after every observation recorded before. If
// the process dies first, the record is handed to the core again at the
// next start.
func (db *DB) InboxDone(seq uint64, team activity.TeamID, eventID string, at time.Time) {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return
	}
	if eventID != "" && team != "" {
		db.pending = append(db.pending, eventRecord{team: team, id: eventID, at: at.UnixNano()})
	}
	db.pendingDone = append(db.pendingDone, seq)
	backlog := len(db.pendingDone) >= defaultMaxPendingDone
	db.mu.Unlock()
	if backlog {
		if err := db.flush(); err != nil {
			db.log.Error("store: deleting inbox records", "err", err)
		}
		return
	}
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// PendingInbox returns the records left in the inbox, their sequence
// numbers and values, in the order they were put. It copies them out of the
// transaction.
func (db *DB) PendingInbox() (seqs []uint64, values [][]byte, err error) {
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(inboxBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 || len(v) < 8 {
				return fmt.Errorf("malformed inbox record %x", k)
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			values = append(values, append([]byte(nil), v[8:]...))
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: pending inbox: %w", err)
	}
	return seqs, values, nil
}

// PurgeInbox deletes the inbox records put before olderThan and returns how
// many it deleted. Records are deleted as soon as they are handled, so this
// is a safety net: anything it finds is a bug.
func (db *DB) PurgeInbox(olderThan time.Time) (int, error) {
	cut := olderThan.UnixNano()
	var n int
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		n = 0
		b := tx.Bucket(inboxBucket)
		if b == nil {
			return nil
		}
		var old [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v[:8])) < cut {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge inbox before %s: %w", olderThan.Format(time.RFC3339), err)
	}
	return n, nil
}

// writeInboxDone deletes handled inbox records.
func writeInboxDone(tx *bbolt.Tx, seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	b := tx.Bucket(inboxBucket)
	if b == nil {
		return nil // nothing was ever put
	}
	var key [8]byte
	for _, s := range seqs {
		binary.BigEndian.PutUint64(key[:], s)
		if err := b.Delete(key[:]); err != nil {
			return err
		}
	}
	return nil
}

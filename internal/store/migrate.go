package store

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// A migration brings the file from schema version N to N+1, where N is its
// index in the list. It runs inside the single write transaction that Open
// uses for all pending migrations, so it must not commit, and a failure rolls
// back every migration of that Open.
type migration func(tx *bbolt.Tx) error

// migrations is the history of the schema, oldest first; its length is the
// current version. Append to it (never edit or reorder an entry that has
// shipped) and bump SchemaVersion.
var migrations = []migration{
	// 0 → 1: files from before the meta bucket existed (or fresh files). The
	// meta bucket and created_at are written by migrate itself; per-team
	// buckets are created as they are first needed.
	func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(metaBucket)
		return err
	},
}

// migrate brings the file to len(ms), the version ms describes. A file with
// no meta bucket is version 0. Nothing is written when the file is already
// current.
func (db *DB) migrate(ms []migration) error {
	target := len(ms)
	var have int
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		have, err = readVersion(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: open %s: read schema version: %w", db.path, err)
	}
	if have > target {
		return &tooNewError{path: db.path, have: have, max: target}
	}
	if have == target {
		return nil
	}
	// We hold the exclusive file lock, so nobody can change the version
	// between the read above and this transaction.
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if meta.Get(createdAtKey) == nil {
			if err := meta.Put(createdAtKey, encodeTime(db.clock.Now())); err != nil {
				return err
			}
		}
		for v := have; v < target; v++ {
			if err := ms[v](tx); err != nil {
				return fmt.Errorf("migrate %d → %d: %w", v, v+1, err)
			}
		}
		// A migration may have touched meta; look it up again.
		meta, err = tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		return meta.Put(schemaVersionKey, binary.BigEndian.AppendUint64(nil, uint64(target)))
	})
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	return nil
}

// readVersion returns the schema version recorded in tx, 0 if none.
func readVersion(tx *bbolt.Tx) (int, error) {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(schemaVersionKey)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("malformed schema version %x", v)
	}
	n := binary.BigEndian.Uint64(v)
	if n > 1<<31 {
		return 0, fmt.Errorf("implausible schema version %d", n)
	}
	return int(n), nil
}

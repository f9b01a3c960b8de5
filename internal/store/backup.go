package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the database to w and returns the
// number of bytes written. It runs in a read transaction, so the bot keeps
// working meanwhile; the copy is the state as of the transaction's start.
// Event IDs and observations still waiting to be written are not in it;
// call Flush first to include them.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database to path, replacing
// any file there only once the copy is complete and synced: it writes a
// temporary file with mode 0600 in the same directory, fsyncs it and renames
// it over path. It refuses to write over the database itself.
func (db *DB) BackupFile(path string) (n int64, err error) {
	if samePath(path, db.path) {
		return 0, fmt.Errorf("store: backup to %s: that is the database itself", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; say so explicitly, whatever the platform.
	if err := f.Chmod(fileMode); err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if n, err = db.Backup(f); err != nil {
		return n, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	// Make the rename itself durable.
	if err := syncDir(dir); err != nil {
		return n, fmt.Errorf("store: backup to %s: sync directory: %w", path, err)
	}
	return n, nil
}

// samePath reports whether a and b name the same file, by path or (when
// both exist) by identity, which also catches symlinks and hard links.
func samePath(a, b string) bool {
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && aa == bb {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

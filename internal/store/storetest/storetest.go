// Package storetest opens throwaway trustnudge databases for tests of other
// packages: a real bbolt file in t.TempDir(), checked for consistency and
// closed when the test ends.
package storetest

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/trustnudge/trustnudge/internal/store"
)

// Open opens a fresh database in t.TempDir() with fsync off. When the test
// ends it flushes, runs db.Check() and closes the database, failing the test
// on any error. A test may Close the database itself; the check then runs
// on the file reopened.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return OpenWith(t, store.Options{NoSync: true})
}

// OpenWith is Open with options (a fake clock, say). It always sets NoSync.
func OpenWith(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	opts.NoSync = true
	path := filepath.Join(t.TempDir(), "trustnudge.db")
	db, err := store.Open(path, opts)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		err := db.Flush()
		if errors.Is(err, store.ErrClosed) {
			// Closed by the test: check what it left on disk.
			if db, err = store.Open(path, opts); err != nil {
				t.Errorf("storetest: reopen for check: %v", err)
				return
			}
		} else if err != nil {
			t.Errorf("storetest: %v", err)
		}
		if err := db.Check(); err != nil {
			t.Errorf("storetest: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return db
}

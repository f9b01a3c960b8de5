package storetest_test

import (
	"os"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

func TestOpen_GivesAWorkingPrivateDatabase(t *testing.T) {
	db := storetest.Open(t)
	if v, err := db.SchemaVersion(); err != nil || v != store.SchemaVersion {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, store.SchemaVersion)
	}
	if first, err := db.MarkEvent("T1", "Ev1", time.Time{}); err != nil || !first {
		t.Errorf("MarkEvent = %v, %v; want true", first, err)
	}
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v; want 0600", fi.Mode().Perm())
	}
}

func TestOpenWith_UsesOptions(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db := storetest.OpenWith(t, store.Options{Clock: clock.NewFake(t0)})
	if got, err := db.CreatedAt(); err != nil || !got.Equal(t0) {
		t.Errorf("CreatedAt() = %v, %v; want the fake clock's %v", got, err, t0)
	}
}

func TestOpen_TestMayCloseItself(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.MarkEvent("T1", "Ev1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The cleanup reopens the file to check it.
}

package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/clock"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// tempPath returns a path for a database file in a fresh temp dir.
func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "trustnudge.db")
}

// openAt opens path with a fake clock and closes it when the test ends,
// after checking its consistency.
func openAt(t testing.TB, path string, clk clock.Clock) *DB {
	t.Helper()
	return openWithCfg(t, path, clk, defaultConfig())
}

func openWithCfg(t testing.TB, path string, clk clock.Clock, cfg config) *DB {
	t.Helper()
	db, err := openWith(path, Options{Clock: clk, NoSync: true}, cfg)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil && !errors.Is(err, bbolt.ErrDatabaseNotOpen) {
			t.Errorf("Check() = %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

// rawUpdate changes a closed database file with bbolt directly.
func rawUpdate(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func rawView(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.View(fn); err != nil {
		t.Fatal(err)
	}
}

func setVersion(tx *bbolt.Tx, v uint64) error {
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	return meta.Put(schemaVersionKey, binary.BigEndian.AppendUint64(nil, v))
}

func TestMigrations_MatchSchemaVersion(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Errorf("len(migrations) = %d; want SchemaVersion = %d", len(migrations), SchemaVersion)
	}
}

func TestOpen_CreatesPrivateFileWithSchemaVersion(t *testing.T) {
	path := tempPath(t)
	db := openAt(t, path, clock.NewFake(t0))

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode = %v; want 0600", got)
	}
	if v, err := db.SchemaVersion(); err != nil || v != SchemaVersion {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, SchemaVersion)
	}
	if got, err := db.CreatedAt(); err != nil || !got.Equal(t0) {
		t.Errorf("CreatedAt() = %v, %v; want %v", got, err, t0)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q; want %q", db.Path(), path)
	}
	if n, err := db.Size(); err != nil || n <= 0 {
		t.Errorf("Size() = %d, %v; want > 0", n, err)
	}
}

func TestOpen_ReopenKeepsData(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)
	db, err := Open(path, Options{Clock: clk, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		b, err := teamBucket(tx, "T1", true)
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	clk.Advance(24 * time.Hour)
	db = openAt(t, path, clk)
	var got []byte
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		b, err := teamBucket(tx, "T1", false)
		if err != nil || b == nil {
			return errors.Join(err, ErrNotFound)
		}
		got = bytes.Clone(b.Get([]byte("k")))
		return nil
	})
	if err != nil || string(got) != "v" {
		t.Errorf("after reopen, team:T1/k = %q, %v; want \"v\"", got, err)
	}
	if c, _ := db.CreatedAt(); !c.Equal(t0) {
		t.Errorf("CreatedAt() after reopen = %v; want %v (unchanged)", c, t0)
	}
}

func TestOpen_SecondOpenFailsFastWithErrInUse(t *testing.T) {
	path := tempPath(t)
	first := openAt(t, path, nil)

	const timeout = 200 * time.Millisecond
	start := time.Now()
	db, err := Open(path, Options{Timeout: timeout})
	elapsed := time.Since(start)
	if err == nil {
		db.Close()
		t.Fatal("second Open succeeded; want ErrInUse")
	}
	if !errors.Is(err, ErrInUse) {
		t.Errorf("second Open error = %v; want errors.Is(err, ErrInUse)", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "in use") || !strings.Contains(msg, path) {
		t.Errorf("second Open error = %q; want it to say the path is in use", msg)
	}
	if elapsed > timeout+time.Second {
		t.Errorf("second Open took %v; want about the %v timeout", elapsed, timeout)
	}
	// The first one is unharmed.
	if _, err := first.SchemaVersion(); err != nil {
		t.Errorf("first DB after failed second Open: %v", err)
	}
}

func TestOpen_DefaultTimeoutIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the default lock timeout")
	}
	path := tempPath(t)
	openAt(t, path, nil)
	start := time.Now()
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v; want ErrInUse", err)
	}
	if elapsed := time.Since(start); elapsed > DefaultTimeout+time.Second {
		t.Errorf("second Open with default timeout took %v; want about %v", elapsed, DefaultTimeout)
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	rawUpdate(t, path, func(tx *bbolt.Tx) error { return setVersion(tx, 99) })

	db, err = Open(path, Options{NoSync: true})
	if err == nil {
		db.Close()
		t.Fatal("Open of a version 99 file succeeded; want ErrTooNew")
	}
	if !errors.Is(err, ErrTooNew) {
		t.Errorf("Open error = %v; want errors.Is(err, ErrTooNew)", err)
	}
	for _, want := range []string{"99", "up to 1", "upgrade trustnudge", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error = %q; want it to mention %q", err, want)
		}
	}
	// The file is left as it was, and the lock is released.
	rawView(t, path, func(tx *bbolt.Tx) error {
		if v, _ := readVersion(tx); v != 99 {
			t.Errorf("version after refused Open = %d; want 99", v)
		}
		return nil
	})
}

// countingMigrations returns n migrations; migration i records that it ran
// in ran[i] and then calls do[i] if set.
func countingMigrations(ran []int, do map[int]migration) []migration {
	ms := make([]migration, len(ran))
	for i := range ms {
		ms[i] = func(tx *bbolt.Tx) error {
			ran[i]++
			if f := do[i]; f != nil {
				return f(tx)
			}
			if i == 0 {
				return migrations[0](tx)
			}
			return nil
		}
	}
	return ms
}

func TestOpen_MigratesOlderFile(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)

	// A version 1 file with data in the old shape: team:T1/legacy/a = 1.
	db, err := Open(path, Options{Clock: clk, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		tb, _ := teamBucket(tx, "T1", true)
		b, err := tb.CreateBucket([]byte("legacy"))
		if err != nil {
			return err
		}
		return b.Put([]byte("a"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Version 2 renames the bucket; version 3 adds a value.
	ran := make([]int, 3)
	ms := countingMigrations(ran, map[int]migration{
		1: func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, "T1", false)
			if err != nil || tb == nil {
				return errors.Join(err, ErrNotFound)
			}
			old := tb.Bucket([]byte("legacy"))
			nb, err := tb.CreateBucket([]byte("renamed"))
			if err != nil {
				return err
			}
			if err := old.ForEach(func(k, v []byte) error { return nb.Put(k, v) }); err != nil {
				return err
			}
			return tb.DeleteBucket([]byte("legacy"))
		},
		2: func(tx *bbolt.Tx) error {
			tb, _ := teamBucket(tx, "T1", false)
			return tb.Put([]byte("v3"), []byte("yes"))
		},
	})

	db = openWithCfg(t, path, clk, config{migrations: ms, maxRecent: 16, maxPending: 16})
	if got, want := ran, []int{0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("migrations run = %v; want %v (only 1→2 and 2→3)", got, want)
	}
	if v, err := db.SchemaVersion(); err != nil || v != 3 {
		t.Errorf("SchemaVersion() = %d, %v; want 3", v, err)
	}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		tb, _ := teamBucket(tx, "T1", false)
		if tb.Bucket([]byte("legacy")) != nil {
			t.Error("bucket legacy still exists after migration")
		}
		nb := tb.Bucket([]byte("renamed"))
		if nb == nil || string(nb.Get([]byte("a"))) != "1" {
			t.Error("renamed/a missing after migration")
		}
		if string(tb.Get([]byte("v3"))) != "yes" {
			t.Error("v3 value missing after migration")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := db.CreatedAt(); !c.Equal(t0) {
		t.Errorf("CreatedAt() = %v; want %v (kept)", c, t0)
	}
	db.Close()

	// A current file runs nothing.
	db = openWithCfg(t, path, clk, config{migrations: ms, maxRecent: 16, maxPending: 16})
	db.Close()
	if got, want := ran, []int{0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("after reopening a current file, migrations run = %v; want %v", got, want)
	}
	// And the real binary, which knows only version 1, refuses it.
	if _, err := Open(path, Options{}); !errors.Is(err, ErrTooNew) {
		t.Errorf("Open of the migrated version 3 file by a version %d binary = %v; want ErrTooNew", SchemaVersion, err)
	}
}

func TestOpen_MigratesFileWithoutMeta(t *testing.T) {
	path := tempPath(t)
	// A file from before the meta bucket existed.
	rawUpdate(t, path, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("team:T1"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})

	db := openAt(t, path, clock.NewFake(t0))
	if v, err := db.SchemaVersion(); err != nil || v != SchemaVersion {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, SchemaVersion)
	}
	if c, err := db.CreatedAt(); err != nil || !c.Equal(t0) {
		t.Errorf("CreatedAt() = %v, %v; want %v", c, err, t0)
	}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		b, _ := teamBucket(tx, "T1", false)
		if b == nil || string(b.Get([]byte("k"))) != "v" {
			t.Error("data lost by migration from version 0")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen_FailingMigrationLeavesFileUnchanged(t *testing.T) {
	path := tempPath(t)
	clk := clock.NewFake(t0)
	db, err := Open(path, Options{Clock: clk, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		tb, _ := teamBucket(tx, "T1", true)
		return tb.Put([]byte("k"), []byte("old"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	errBroken := errors.New("broken migration")
	ran := make([]int, 3)
	ms := countingMigrations(ran, map[int]migration{
		1: func(tx *bbolt.Tx) error { // succeeds, changes data
			tb, _ := teamBucket(tx, "T1", false)
			if err := tb.Put([]byte("k"), []byte("new")); err != nil {
				return err
			}
			_, err := tx.CreateBucket([]byte("added-by-v2"))
			return err
		},
		2: func(tx *bbolt.Tx) error { return errBroken },
	})
	db, err = openWith(path, Options{Clock: clk, NoSync: true}, config{migrations: ms, maxRecent: 16, maxPending: 16})
	if err == nil {
		db.Close()
		t.Fatal("Open with a failing migration succeeded")
	}
	if !errors.Is(err, errBroken) || !strings.Contains(err.Error(), "migrate 2 → 3") {
		t.Errorf("Open error = %v; want it to wrap the migration's error and name 2 → 3", err)
	}
	if ran[1] != 1 || ran[2] != 1 {
		t.Errorf("migrations run = %v; want 2 and 3 attempted once", ran)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("file bytes changed by a failed migration")
	}
	db = openAt(t, path, clk) // the version 1 binary still opens it
	if v, _ := db.SchemaVersion(); v != 1 {
		t.Errorf("SchemaVersion() after failed migration = %d; want 1", v)
	}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		tb, _ := teamBucket(tx, "T1", false)
		if got := string(tb.Get([]byte("k"))); got != "old" {
			t.Errorf("team:T1/k = %q; want \"old\"", got)
		}
		if tx.Bucket([]byte("added-by-v2")) != nil {
			t.Error("bucket from the rolled-back migration exists")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTeamBucket(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		if b, err := teamBucket(tx, "T1", false); b != nil || err != nil {
			t.Errorf("teamBucket(T1, create=false) on a fresh file = %v, %v; want nil, nil", b, err)
		}
		if b, err := teamBucket(tx, "T1", true); b == nil || err != nil {
			t.Errorf("teamBucket(T1, create=true) = %v, %v; want a bucket", b, err)
		}
		if tx.Bucket([]byte("team:T1")) == nil {
			t.Error(`top-level bucket "team:T1" not created`)
		}
		if _, err := teamBucket(tx, "", true); err == nil {
			t.Error("teamBucket(\"\") succeeded; want an error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheck_PassesOnHealthyFile(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	if err := db.Check(); err != nil {
		t.Errorf("Check() = %v", err)
	}
}

func TestClose_Twice(t *testing.T) {
	db, err := Open(tempPath(t), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close() = %v; want nil", err)
	}
}

// The store is an adapter around bbolt; it must not know about Slack.
func TestImports_NoSlack(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(gobin, "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "slack") {
			t.Errorf("internal/store depends on %s", pkg)
		}
	}
}

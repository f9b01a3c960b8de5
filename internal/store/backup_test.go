package store

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
)

func TestBackupFile_WhileWriting(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	dir := t.TempDir()

	var (
		stop   atomic.Bool
		wg     sync.WaitGroup
		marked atomic.Int64
	)
	// Event ids from several goroutines, with their flushes, and ordinary
	// write transactions, all while backups are taken.
	for w := range 4 {
		wg.Go(func() {
			for i := 0; i < 2000 && !stop.Load(); i++ {
				team := activity.TeamID("T" + strconv.Itoa(w%2))
				if _, err := db.MarkEvent(team, "Ev"+strconv.Itoa(w)+"-"+strconv.Itoa(i), t0); err != nil {
					t.Error(err)
					return
				}
				marked.Add(1)
			}
		})
	}
	wg.Go(func() {
		for i := 0; i < 2000 && !stop.Load(); i++ {
			err := db.bolt.Update(func(tx *bbolt.Tx) error {
				tb, err := teamBucket(tx, "T9", true)
				if err != nil {
					return err
				}
				return tb.Put([]byte(strconv.Itoa(i)), bytes.Repeat([]byte{'x'}, 100))
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	})

	var paths []string
	for i := range 5 {
		// Wait for progress (not for time) between backups.
		for marked.Load() < int64(i+1)*500 {
			runtime.Gosched()
		}
		// Everything marked so far is in this backup.
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "backup-"+strconv.Itoa(i)+".db")
		n, err := db.BackupFile(p)
		if err != nil {
			t.Fatalf("BackupFile(%q) = %v", p, err)
		}
		if fi, err := os.Stat(p); err != nil || fi.Size() != n {
			t.Errorf("BackupFile returned %d bytes; file is %v, %v", n, fi.Size(), err)
		}
		paths = append(paths, p)
	}
	stop.Store(true)
	wg.Wait()

	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %v; want 0600", filepath.Base(p), got)
		}
		b := openAt(t, p, nil)
		if err := b.Check(); err != nil {
			t.Errorf("%s: Check() = %v", filepath.Base(p), err)
		}
		if v, err := b.SchemaVersion(); err != nil || v != SchemaVersion {
			t.Errorf("%s: SchemaVersion() = %d, %v; want %d", filepath.Base(p), v, err, SchemaVersion)
		}
		b.Close()
	}
	// The last backup has the events flushed before it was taken.
	b := openAt(t, paths[len(paths)-1], clock.NewFake(t0))
	if n := b.EventStats().Remembered; n < 2500 {
		t.Errorf("last backup remembers %d events; want at least 2500", n)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestBackup_ToWriter(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	mark(t, db, "T1", "Ev1", time.Now())
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := db.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup() = %d, %v; buffer has %d bytes", n, err, buf.Len())
	}
	p := tempPath(t)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b := openAt(t, p, nil)
	if mark(t, b, "T1", "Ev1", time.Now()) {
		t.Error("the backup does not remember Ev1")
	}
}

func TestBackupFile_RefusesDatabaseItself(t *testing.T) {
	path := tempPath(t)
	db := openAt(t, path, nil)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(mustGetwd(t), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, filepath.Join(filepath.Dir(path), ".", filepath.Base(path)), rel, link} {
		if _, err := db.BackupFile(p); err == nil || !strings.Contains(err.Error(), "database itself") {
			t.Errorf("BackupFile(%q) = %v; want a refusal", p, err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("database file changed by refused backups")
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check() after refused backups = %v", err)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

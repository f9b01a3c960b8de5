//go:build unix

package store

import (
	"os"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// withUmask0 runs fn with the process umask set to 0, so that the modes
// checked are the ones the code asks for, not the ones umask leaves. Tests
// that use it must not be parallel.
func withUmask0(t *testing.T, fn func()) {
	t.Helper()
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	fn()
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestOpen_CreatesMode0600EvenWithUmask0(t *testing.T) {
	path := tempPath(t)
	withUmask0(t, func() { openAt(t, path, nil) })
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode of new database = %v; want 0600", got)
	}
}

func TestOpen_TightensLooserExistingFile(t *testing.T) {
	path := tempPath(t)
	withUmask0(t, func() {
		bdb, err := bbolt.Open(path, 0o644, &bbolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		bdb.Close()
	})
	if got := mode(t, path); got != 0o644 {
		t.Fatalf("setup: mode = %v; want 0644", got)
	}
	openAt(t, path, nil)
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode after Open of a 0644 file = %v; want 0600", got)
	}
}

func TestBackupFile_Mode0600EvenWithUmask0AndLooserOldBackup(t *testing.T) {
	db := openAt(t, tempPath(t), nil)
	dst := tempPath(t)
	withUmask0(t, func() {
		if err := os.WriteFile(dst, []byte("old backup"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := db.BackupFile(dst); err != nil {
			t.Fatalf("BackupFile = %v", err)
		}
	})
	if got := mode(t, dst); got != 0o600 {
		t.Errorf("backup mode = %v; want 0600", got)
	}
}

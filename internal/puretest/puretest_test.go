package puretest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

func TestCheck_CatchesImportsAndClockReads(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nimport (\n\t\"os\"\n\t\"time\"\n)\n\nfunc f() { _ = os.Args; _ = time.Now() }\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := &recorder{TB: t}
	Check(r)
	got := strings.Join(r.errs, "\n")
	if len(r.errs) != 2 || !strings.Contains(got, "must stay pure") || !strings.Contains(got, "reads the clock") {
		t.Errorf("Check reported %q; want the os import and the time.Now call", r.errs)
	}
	r = &recorder{TB: t}
	Check(r, "os")
	if len(r.errs) != 1 {
		t.Errorf("with os allowed, Check reported %q; want only the clock read", r.errs)
	}
}

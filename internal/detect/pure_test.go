package detect

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPure keeps the detectors pure: they import no adapter, no I/O and
// read no clock (time is passed in).
func TestPure(t *testing.T) { checkPure(t) }

// checkPure parses the package's non-test files and fails on an import
// outside the allowed ones or a call that reads the clock.
func checkPure(t *testing.T) {
	t.Helper()
	allowed := map[string]bool{
		"cmp": true, "errors": true, "fmt": true, "math": true, "slices": true, "sort": true,
		"strconv": true, "strings": true, "time": true,
		"github.com/trustnudge/trustnudge/internal/activity":  true,
		"github.com/trustnudge/trustnudge/internal/people":    true,
		"github.com/trustnudge/trustnudge/internal/workhours": true,
	}
	clock := map[string]bool{"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "Tick": true, "NewTimer": true, "NewTicker": true, "AfterFunc": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %q; the package must stay pure", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" && clock[sel.Sel.Name] {
					t.Errorf("%s: time.%s reads the clock; pass time in", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

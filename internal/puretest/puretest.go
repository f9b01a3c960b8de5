// Package puretest checks, from a package's own tests, that the package
// stays pure: it imports only what it is allowed to, and never reads the
// clock (time is passed in). The core packages use it.
package puretest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stdlib is what every pure package may import.
var stdlib = []string{"cmp", "errors", "fmt", "math", "slices", "sort", "strconv", "strings", "time"}

// clockFuncs are the time package's functions that read or wait on the
// clock.
var clockFuncs = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "Tick": true,
	"NewTimer": true, "NewTicker": true, "AfterFunc": true,
}

// Check parses the non-test Go files of the current directory (the package
// under test) and fails t on an import outside the standard set and
// allowed, or on a call that reads the clock.
func Check(t testing.TB, allowed ...string) {
	t.Helper()
	ok := map[string]bool{}
	for _, p := range append(stdlib, allowed...) {
		ok[p] = true
	}
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
			if !ok[path] {
				t.Errorf("%s imports %q; the package must stay pure", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, isSel := n.(*ast.SelectorExpr); isSel {
				if x, isIdent := sel.X.(*ast.Ident); isIdent && x.Name == "time" && clockFuncs[sel.Sel.Name] {
					t.Errorf("%s: time.%s reads the clock; pass time in", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

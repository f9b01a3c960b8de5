package slackui

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports_StayOnTheUISide keeps this package pure: it renders and
// parses, and must not reach into the store or the Slack adapter.
func TestImports_StayOnTheUISide(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		for _, banned := range []string{"/internal/store", "/internal/slackapp", "/internal/slackfake"} {
			if strings.HasSuffix(imp, banned) || strings.Contains(imp, banned+"/") {
				t.Errorf("slackui imports %s", imp)
			}
		}
	}
}

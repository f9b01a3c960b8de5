package policy

import (
	"testing"

	"github.com/trustnudge/trustnudge/internal/puretest"
)

// TestPure keeps the policy pure: it import no adapter, no I/O and
// read no clock (time is passed in).
func TestPure(t *testing.T) {
	puretest.Check(t,
		"github.com/trustnudge/trustnudge/internal/activity",
		"github.com/trustnudge/trustnudge/internal/people",
		"github.com/trustnudge/trustnudge/internal/workhours")
}

package people

import (
	"slices"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

func TestManager_TeamChanges(t *testing.T) {
	var m Manager
	m.SetMembers([]activity.UserID{"U3", "U1", "U3", "U2"})
	if !slices.Equal(m.Members, []activity.UserID{"U1", "U2", "U3"}) {
		t.Fatalf("SetMembers = %v; want sorted, deduplicated", m.Members)
	}
	if added := m.AddMembers([]activity.UserID{"U2", "U4", "U4"}); !slices.Equal(added, []activity.UserID{"U4"}) {
		t.Errorf("AddMembers added %v; want [U4]", added)
	}
	if removed := m.RemoveMembers([]activity.UserID{"U1", "U9", "U1"}); !slices.Equal(removed, []activity.UserID{"U1"}) {
		t.Errorf("RemoveMembers removed %v; want [U1]", removed)
	}
	if !slices.Equal(m.Members, []activity.UserID{"U2", "U3", "U4"}) || !m.HasMember("U4") || m.HasMember("U1") {
		t.Errorf("Members = %v", m.Members)
	}
}

func TestManager_SnoozeAndKinds(t *testing.T) {
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	m := Manager{SnoozedUntil: now.Add(time.Hour), KindsOff: []string{KindSlowReply}}
	if !m.Snoozed(now) || m.Snoozed(now.Add(time.Hour)) {
		t.Error("Snoozed is wrong at or before the end")
	}
	if !m.KindOff(KindSlowReply) || m.KindOff(KindAfterHours) {
		t.Error("KindOff is wrong")
	}
	if (Person{}).IsZero() != true || (Person{Excluded: true}).IsZero() {
		t.Error("Person.IsZero is wrong")
	}
}

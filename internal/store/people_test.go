package store_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fill sets every zero field of the struct *v to a non-zero value chosen by
// the field's kind, and fails the test for a kind it does not know. A field
// added to a domain type later is therefore filled (or fails here), and the
// round-trip tests below fail until the store encodes it.
func fill(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		f, sf := rv.Field(i), rt.Field(i)
		if !f.IsZero() {
			continue
		}
		switch {
		case sf.Type == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(t0.Add(time.Duration(i+1) * time.Hour)))
		case f.Kind() == reflect.String:
			f.SetString("U" + strings.ToUpper(sf.Name))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.CanUint():
			f.SetUint(uint64(i%3 + 1))
		case f.CanInt():
			f.SetInt(int64(i + 1))
		case f.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.String:
			s := reflect.MakeSlice(sf.Type, 2, 2)
			s.Index(0).SetString("U" + strings.ToUpper(sf.Name) + "1")
			s.Index(1).SetString("U" + strings.ToUpper(sf.Name) + "2")
			f.Set(s)
		default:
			t.Fatalf("fill: %s.%s has type %s, which this test (and probably the store's encoding) does not know", rt.Name(), sf.Name, sf.Type)
		}
	}
}

// sameFields reports every field of two structs of one type that differs,
// comparing times with Equal.
func sameFields(t *testing.T, how string, got, want any) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(time.Time); ok {
			if !gt.Equal(w.(time.Time)) {
				t.Errorf("%s: %s = %v; want %v", how, gv.Type().Field(i).Name, g, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %#v; want %#v", how, gv.Type().Field(i).Name, g, w)
		}
	}
}

func TestRoundTrip_PeoplePreserveEveryField(t *testing.T) {
	db := storetest.Open(t)

	m := people.Manager{Team: "T1", ID: "UBOSS"}
	fill(t, &m)
	if err := db.PutManager(m); err != nil {
		t.Fatal(err)
	}
	p := people.Person{Team: "T1", ID: "UPERSON"}
	fill(t, &p)
	if err := db.PutPerson(p); err != nil {
		t.Fatal(err)
	}
	w := people.Workspace{Team: "T1"}
	fill(t, &w)
	if err := db.PutWorkspace(w); err != nil {
		t.Fatal(err)
	}

	check := func(when string) {
		t.Helper()
		got, err := db.Manager("T1", m.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, when+" Manager", got, m)
		all, err := db.Managers("T1")
		if err != nil || len(all) != 1 {
			t.Fatalf("%s Managers = %v, %v; want one", when, all, err)
		}
		sameFields(t, when+" Managers", all[0], m)
		of, err := db.ManagersOf("T1", m.Members[1])
		if err != nil || len(of) != 1 {
			t.Fatalf("%s ManagersOf = %v, %v; want one", when, of, err)
		}
		sameFields(t, when+" ManagersOf", of[0], m)

		gotP, err := db.Person("T1", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, when+" Person", gotP, p)
		ps, err := db.People("T1")
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s People = %v, %v; want one", when, ps, err)
		}
		sameFields(t, when+" People", ps[0], p)

		gotW, err := db.Workspace("T1")
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, when+" Workspace", gotW, w)
	}
	check("")
	db = reopen(t, db)
	check("after reopen:")
}

// reopen closes db and opens its file again, closing that at the end of the
// test (before storetest's own check).
func reopen(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(db.Path(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestManager_NotFoundUntilPut(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.Manager("T1", "UBOSS"); !errors.Is(err, store.ErrNotFound) || !errors.Is(err, people.ErrNotFound) {
		t.Errorf("Manager on an empty file = %v; want ErrNotFound", err)
	}
	if err := db.PutManager(people.Manager{Team: "T1", ID: "UOTHER"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Manager("T1", "UBOSS"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Manager of someone else = %v; want ErrNotFound", err)
	}
	if _, err := db.Manager("T2", "UOTHER"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Manager in another team = %v; want ErrNotFound", err)
	}
	if existed, err := db.DeleteManager("T1", "UBOSS"); existed || err != nil {
		t.Errorf("DeleteManager of nobody = %v, %v; want false, nil", existed, err)
	}
	if existed, err := db.DeleteManager("T9", "UBOSS"); existed || err != nil {
		t.Errorf("DeleteManager in an unknown team = %v, %v; want false, nil", existed, err)
	}
	if existed, err := db.DeleteManager("T1", "UOTHER"); !existed || err != nil {
		t.Errorf("DeleteManager = %v, %v; want true, nil", existed, err)
	}
	if _, err := db.Manager("T1", "UOTHER"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Manager after DeleteManager = %v; want ErrNotFound", err)
	}
}

func TestPutManager_NormalizesMembers(t *testing.T) {
	db := storetest.Open(t)
	if err := db.PutManager(people.Manager{Team: "T1", ID: "UBOSS", Members: []activity.UserID{"UC", "UA", "UC", "UB"}}); err != nil {
		t.Fatal(err)
	}
	m, err := db.Manager("T1", "UBOSS")
	if err != nil {
		t.Fatal(err)
	}
	if want := []activity.UserID{"UA", "UB", "UC"}; !slices.Equal(m.Members, want) {
		t.Errorf("Members = %v; want %v", m.Members, want)
	}
}

func TestPeople_RejectMalformedIDs(t *testing.T) {
	db := storetest.Open(t)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"PutManager no team", db.PutManager(people.Manager{ID: "U1"})},
		{"PutManager no id", db.PutManager(people.Manager{Team: "T1"})},
		{"PutManager NUL member", db.PutManager(people.Manager{Team: "T1", ID: "U1", Members: []activity.UserID{"U\x002"}})},
		{"PutPerson no id", db.PutPerson(people.Person{Team: "T1", Hours: "x"})},
		{"PutWorkspace no team", db.PutWorkspace(people.Workspace{DefaultHours: "x"})},
		{"Manager no team", func() error { _, err := db.Manager("", "U1"); return err }()},
		{"ManagersOf NUL", func() error { _, err := db.ManagersOf("T1", "U\x00"); return err }()},
		{"ForgetUser no id", func() error { _, err := db.ForgetUser("T1", ""); return err }()},
	} {
		if c.err == nil {
			t.Errorf("%s: succeeded; want an error", c.name)
		} else if !strings.HasPrefix(c.err.Error(), "store: ") {
			t.Errorf("%s: error %q; want it to start with \"store: \"", c.name, c.err)
		}
	}
	if teams, err := db.Teams(); err != nil || len(teams) != 0 {
		t.Errorf("Teams() after refused writes = %v, %v; want none", teams, err)
	}
}

// managersOf returns the IDs ManagersOf gives for member.
func managersOf(t *testing.T, db *store.DB, team activity.TeamID, member activity.UserID) []activity.UserID {
	t.Helper()
	ms, err := db.ManagersOf(team, member)
	if err != nil {
		t.Fatalf("ManagersOf(%s, %s) = %v", team, member, err)
	}
	var ids []activity.UserID
	for _, m := range ms {
		if !m.HasMember(member) {
			t.Errorf("ManagersOf(%s, %s) gave %s, whose team is %v", team, member, m.ID, m.Members)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func TestManagersOf_FollowsTeamChanges(t *testing.T) {
	db := storetest.Open(t)
	put := func(id activity.UserID, members ...activity.UserID) {
		t.Helper()
		if err := db.PutManager(people.Manager{Team: "T1", ID: id, OptedInAt: t0, Members: members}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(step string, w map[activity.UserID][]activity.UserID) {
		t.Helper()
		for _, u := range []activity.UserID{"UA", "UB", "UC", "UD", "UM1", "UM2"} {
			if got := managersOf(t, db, "T1", u); !slices.Equal(got, w[u]) {
				t.Errorf("%s: ManagersOf(%s) = %v; want %v", step, u, got, w[u])
			}
		}
		// Another workspace with the same user IDs is separate.
		if got := managersOf(t, db, "T2", "UA"); got != nil {
			t.Errorf("%s: ManagersOf(T2, UA) = %v; want none", step, got)
		}
		// Check() verifies the index against the records.
		if err := db.Check(); err != nil {
			t.Errorf("%s: %v", step, err)
		}
	}

	want("empty", nil)
	put("UM1", "UA", "UB")
	want("M1 names A, B", map[activity.UserID][]activity.UserID{"UA": {"UM1"}, "UB": {"UM1"}})
	put("UM2", "UB", "UC", "UM1")
	want("M2 names B, C, M1", map[activity.UserID][]activity.UserID{"UA": {"UM1"}, "UB": {"UM1", "UM2"}, "UC": {"UM2"}, "UM1": {"UM2"}})
	put("UM1", "UB", "UD") // drops A, keeps B, adds D
	want("M1 changes to B, D", map[activity.UserID][]activity.UserID{"UB": {"UM1", "UM2"}, "UC": {"UM2"}, "UD": {"UM1"}, "UM1": {"UM2"}})
	put("UM2") // empty team
	want("M2 clears the team", map[activity.UserID][]activity.UserID{"UB": {"UM1"}, "UD": {"UM1"}})
	put("UM2", "UA")
	if existed, err := db.DeleteManager("T1", "UM1"); !existed || err != nil {
		t.Fatalf("DeleteManager(UM1) = %v, %v", existed, err)
	}
	want("M1 opts out", map[activity.UserID][]activity.UserID{"UA": {"UM2"}})
	if ms, err := db.Managers("T1"); err != nil || len(ms) != 1 || ms[0].ID != "UM2" {
		t.Errorf("Managers = %v, %v; want only UM2", ms, err)
	}
}

func TestManagers_SortedByID(t *testing.T) {
	db := storetest.Open(t)
	for _, id := range []activity.UserID{"UC", "UA", "UB"} {
		if err := db.PutManager(people.Manager{Team: "T1", ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := db.Managers("T1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []activity.UserID
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	if want := []activity.UserID{"UA", "UB", "UC"}; !slices.Equal(ids, want) {
		t.Errorf("Managers IDs = %v; want %v", ids, want)
	}
	if ms, err := db.Managers("T9"); err != nil || len(ms) != 0 {
		t.Errorf("Managers(unknown team) = %v, %v; want none", ms, err)
	}
}

func TestPerson_ZeroWhenNoneAndDeletedWhenZero(t *testing.T) {
	db := storetest.Open(t)
	p, err := db.Person("T1", "UA")
	if err != nil || p != (people.Person{Team: "T1", ID: "UA"}) {
		t.Errorf("Person on an empty file = %+v, %v; want the zero person with team and id", p, err)
	}
	if err := db.PutPerson(people.Person{Team: "T1", ID: "UA", Hours: "Mon-Fri 08:00-16:00"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutPerson(people.Person{Team: "T1", ID: "UB", Excluded: true}); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Counts("T1"); c.People != 2 {
		t.Errorf("Counts().People = %d; want 2", c.People)
	}
	// Clearing every setting deletes the record.
	if err := db.PutPerson(people.Person{Team: "T1", ID: "UA"}); err != nil {
		t.Fatal(err)
	}
	p, err = db.Person("T1", "UA")
	if err != nil || !p.IsZero() || p.ID != "UA" || p.Team != "T1" {
		t.Errorf("Person after clearing = %+v, %v; want zero", p, err)
	}
	ps, err := db.People("T1")
	if err != nil || len(ps) != 1 || ps[0] != (people.Person{Team: "T1", ID: "UB", Excluded: true}) {
		t.Errorf("People = %+v, %v; want only UB", ps, err)
	}
	// A zero person in a team with nothing stored is a no-op.
	if err := db.PutPerson(people.Person{Team: "T9", ID: "UA"}); err != nil {
		t.Errorf("PutPerson(zero) in an unknown team = %v", err)
	}
	if teams, _ := db.Teams(); slices.Contains(teams, "T9") {
		t.Error("PutPerson(zero) created a team bucket")
	}
}

func TestWorkspace_ZeroWhenNone(t *testing.T) {
	db := storetest.Open(t)
	if w, err := db.Workspace("T1"); err != nil || w != (people.Workspace{Team: "T1"}) {
		t.Errorf("Workspace on an empty file = %+v, %v; want zero with team", w, err)
	}
	want := people.Workspace{Team: "T1", DefaultHours: "Mon-Thu 10:00-16:00"}
	if err := db.PutWorkspace(want); err != nil {
		t.Fatal(err)
	}
	if w, err := db.Workspace("T1"); err != nil || w != want {
		t.Errorf("Workspace = %+v, %v; want %+v", w, err, want)
	}
	if w, err := db.Workspace("T2"); err != nil || w != (people.Workspace{Team: "T2"}) {
		t.Errorf("Workspace(T2) = %+v, %v; want zero", w, err)
	}
	if err := db.PutWorkspace(people.Workspace{Team: "T1"}); err != nil {
		t.Fatal(err)
	}
	if w, err := db.Workspace("T1"); err != nil || w != (people.Workspace{Team: "T1"}) {
		t.Errorf("Workspace after reset = %+v, %v; want zero", w, err)
	}
}

func TestCountsAndTeams(t *testing.T) {
	db := storetest.Open(t)
	if c, err := db.Counts("T1"); err != nil || c != (store.Counts{}) {
		t.Errorf("Counts on an empty file = %+v, %v; want zeros", c, err)
	}
	for _, m := range []people.Manager{
		{Team: "T1", ID: "UM1", Members: []activity.UserID{"UA", "UB"}},
		{Team: "T1", ID: "UM2", Members: []activity.UserID{"UB", "UC", "UM1"}},
		{Team: "T1", ID: "UM3"},
		{Team: "T2", ID: "UM1", Members: []activity.UserID{"UZ"}},
	} {
		if err := db.PutManager(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []people.Person{
		{Team: "T1", ID: "UA", Excluded: true},
		{Team: "T3", ID: "UA", Hours: "x"},
	} {
		if err := db.PutPerson(p); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := db.Counts("T1"); err != nil || c != (store.Counts{Managers: 3, TeamMembers: 4, People: 1}) {
		t.Errorf("Counts(T1) = %+v, %v; want 3 managers, 4 team members (A, B, C, M1), 1 person", c, err)
	}
	if c, err := db.Counts("T2"); err != nil || c != (store.Counts{Managers: 1, TeamMembers: 1}) {
		t.Errorf("Counts(T2) = %+v, %v; want 1 manager, 1 member", c, err)
	}
	teams, err := db.Teams()
	if want := []activity.TeamID{"T1", "T2", "T3"}; err != nil || !slices.Equal(teams, want) {
		t.Errorf("Teams() = %v, %v; want %v", teams, err, want)
	}
}

func TestForgetUser_DeletesEverythingAboutThemAndNothingElse(t *testing.T) {
	db := storetest.Open(t)
	const team = "T1"
	// UX manages A and B, sits on the teams of M1 and M2 (not M3), has their
	// own hours, posted two messages, and is mentioned in or the thread
	// parent of three others.
	for _, m := range []people.Manager{
		{Team: team, ID: "UX", OptedInAt: t0, Members: []activity.UserID{"UA", "UB"}},
		{Team: team, ID: "UM1", OptedInAt: t0, Members: []activity.UserID{"UA", "UX"}},
		{Team: team, ID: "UM2", OptedInAt: t0, Members: []activity.UserID{"UX"}},
		{Team: team, ID: "UM3", OptedInAt: t0, Members: []activity.UserID{"UA", "UB"}},
		{Team: "T2", ID: "UM1", Members: []activity.UserID{"UX"}}, // another workspace
	} {
		if err := db.PutManager(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []people.Person{
		{Team: team, ID: "UX", Hours: "Mon-Fri 07:00-15:00"},
		{Team: team, ID: "UA", Excluded: true},
		{Team: "T2", ID: "UX", Excluded: true},
	} {
		if err := db.PutPerson(p); err != nil {
			t.Fatal(err)
		}
	}
	obs := []activity.Observation{
		obsAt(team, "C1", "UX", 1),                            // deleted
		obsAt(team, "C2", "UX", 2, "UA"),                      // deleted
		obsAt(team, "C1", "UA", 3, "UX", "UB"),                // rewritten: mentions UB
		withParent(obsAt(team, "C1", "UB", 4), "UX"),          // rewritten: no parent
		withParent(obsAt(team, "C3", "UA", 5, "UX"), "UX"),    // rewritten: both
		obsAt(team, "C1", "UA", 6, "UB"),                      // untouched
		withParent(obsAt(team, "C1", "UXX", 7, "UXY"), "UXZ"), // untouched: IDs that contain UX
		obsAt("T2", "C1", "UX", 8, "UX"),                      // another workspace
	}
	// Some are on disk, some still pending: both must be forgotten.
	for i, o := range obs {
		record(t, db, o)
		if i == 3 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}

	f, err := db.ForgetUser(team, "UX")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Forgotten{ManagerRecord: true, TeamMembers: 2, OnTeamsOf: 2, Settings: true, Observations: 5}
	if f != want {
		t.Errorf("ForgetUser = %+v; want %+v", f, want)
	}

	if _, err := db.Manager(team, "UX"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Manager(UX) after forget = %v; want ErrNotFound", err)
	}
	for _, c := range []struct {
		id   activity.UserID
		want []activity.UserID
	}{{"UM1", []activity.UserID{"UA"}}, {"UM2", nil}, {"UM3", []activity.UserID{"UA", "UB"}}} {
		m, err := db.Manager(team, c.id)
		if err != nil || !slices.Equal(m.Members, c.want) || !m.OptedInAt.Equal(t0) {
			t.Errorf("Manager(%s) after forget = %+v, %v; want members %v, the rest kept", c.id, m, err, c.want)
		}
	}
	if got := managersOf(t, db, team, "UX"); got != nil {
		t.Errorf("ManagersOf(UX) after forget = %v; want none", got)
	}
	if got := managersOf(t, db, team, "UA"); !slices.Equal(got, []activity.UserID{"UM1", "UM3"}) {
		t.Errorf("ManagersOf(UA) after forget = %v; want UM1, UM3", got)
	}
	if p, _ := db.Person(team, "UX"); !p.IsZero() {
		t.Errorf("Person(UX) after forget = %+v; want zero", p)
	}
	if p, _ := db.Person(team, "UA"); !p.Excluded {
		t.Error("Person(UA) lost their exclusion")
	}
	if c, _ := db.Counts(team); c != (store.Counts{Managers: 3, TeamMembers: 2, People: 1}) {
		t.Errorf("Counts after forget = %+v; want 3 managers, 2 members, 1 person", c)
	}

	wantObs := []activity.Observation{
		obsAt(team, "C1", "UA", 3, "UB"),
		withParent(obsAt(team, "C1", "UB", 4), ""), // still a reply; whose thread is forgotten
		withParent(obsAt(team, "C3", "UA", 5), ""),
		obsAt(team, "C1", "UA", 6, "UB"),
		withParent(obsAt(team, "C1", "UXX", 7, "UXY"), "UXZ"),
	}
	if got := allObservations(t, db, team); !reflect.DeepEqual(got, wantObs) {
		t.Errorf("observations after forget:\n%v\nwant\n%v", got, wantObs)
	}

	// The other workspace is untouched.
	if m, err := db.Manager("T2", "UM1"); err != nil || !m.HasMember("UX") {
		t.Errorf("T2 manager after forget in T1 = %+v, %v; want UX still on the team", m, err)
	}
	if p, _ := db.Person("T2", "UX"); !p.Excluded {
		t.Error("T2 person UX lost their setting")
	}
	if got := allObservations(t, db, "T2"); len(got) != 1 {
		t.Errorf("T2 observations after forget in T1 = %v; want 1", got)
	}

	// Forgetting again finds nothing.
	if f, err := db.ForgetUser(team, "UX"); err != nil || f != (store.Forgotten{}) {
		t.Errorf("second ForgetUser = %+v, %v; want nothing", f, err)
	}
	if f, err := db.ForgetUser("T9", "UX"); err != nil || f != (store.Forgotten{}) {
		t.Errorf("ForgetUser in an unknown team = %+v, %v; want nothing", f, err)
	}
}

func TestForgetUser_ManagerOnTheirOwnTeam(t *testing.T) {
	db := storetest.Open(t)
	if err := db.PutManager(people.Manager{Team: "T1", ID: "UX", Members: []activity.UserID{"UX", "UA"}}); err != nil {
		t.Fatal(err)
	}
	f, err := db.ForgetUser("T1", "UX")
	if want := (store.Forgotten{ManagerRecord: true, TeamMembers: 2}); err != nil || f != want {
		t.Errorf("ForgetUser = %+v, %v; want %+v", f, err, want)
	}
	if c, _ := db.Counts("T1"); c != (store.Counts{}) {
		t.Errorf("Counts after forget = %+v; want zeros", c)
	}
}

func TestPeople_KeptAcrossRestart(t *testing.T) {
	db := storetest.Open(t)
	m := people.Manager{Team: "T1", ID: "UM", OptedInAt: t0, Members: []activity.UserID{"UA"}, SnoozedUntil: t0.Add(24 * time.Hour), SnoozeReason: people.SnoozeOnCall, KindsOff: []string{"after-hours"}}
	if err := db.PutManager(m); err != nil {
		t.Fatal(err)
	}
	if err := db.PutPerson(people.Person{Team: "T1", ID: "UA", Hours: "Mon-Fri 09:00-17:00"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutWorkspace(people.Workspace{Team: "T1", DefaultHours: "Mon-Fri 08:00-16:00"}); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db)
	got, err := db.Manager("T1", "UM")
	if err != nil {
		t.Fatal(err)
	}
	sameFields(t, "Manager after restart", got, m)
	if p, _ := db.Person("T1", "UA"); p.Hours != "Mon-Fri 09:00-17:00" {
		t.Errorf("Person after restart = %+v", p)
	}
	if w, _ := db.Workspace("T1"); w.DefaultHours != "Mon-Fri 08:00-16:00" {
		t.Errorf("Workspace after restart = %+v", w)
	}
	if got := managersOf(t, db, "T1", "UA"); !slices.Equal(got, []activity.UserID{"UM"}) {
		t.Errorf("ManagersOf after restart = %v", got)
	}
}

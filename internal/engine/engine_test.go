package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// directory is an in-memory Directory: the real one asks Slack.
type directory map[activity.UserID]people.Profile

func (d directory) Profile(_ context.Context, _ activity.TeamID, u activity.UserID) (people.Profile, error) {
	p, ok := d[u]
	if !ok {
		return people.Profile{}, people.ErrNotFound
	}
	return p, nil
}

// ChannelMembers says everyone known is in every channel.
func (d directory) ChannelMembers(context.Context, activity.TeamID, activity.ChannelID) ([]activity.UserID, error) {
	var out []activity.UserID
	for u := range d {
		out = append(out, u)
	}
	return out, nil
}

const team activity.TeamID = "T1"

var (
	mgr    = Actor{Team: team, User: "UMGR"}
	alex   = Actor{Team: team, User: "UALEX"}
	sam    = Actor{Team: team, User: "USAM"}
	chris  = Actor{Team: team, User: "UCHRIS"} // on nobody's team
	berlin = mustLoc("Europe/Berlin")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Monday 16 November 2026, 10:00 in Berlin: inside default hours.
var monday10 = time.Date(2026, 11, 16, 10, 0, 0, 0, berlin)

func newEngine(t *testing.T) (*Engine, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(monday10)
	db := storetest.OpenWith(t, storeOptions(clk))
	dir := directory{
		"UMGR":   {ID: "UMGR", TZ: "Europe/Berlin"},
		"UALEX":  {ID: "UALEX", TZ: "Europe/Berlin"},
		"USAM":   {ID: "USAM", TZ: "America/New_York"},
		"UCHRIS": {ID: "UCHRIS", TZ: "Europe/Berlin"},
		"UNOTZ":  {ID: "UNOTZ"},
		"UBOT":   {ID: "UBOT", IsBot: true},
		"UAPP":   {ID: "UAPP", IsBot: true, IsAppBot: true},
		"UGONE":  {ID: "UGONE", Deleted: true},
		"UADMIN": {ID: "UADMIN", IsAdmin: true},
	}
	e := New(Options{Store: db, Directory: dir, Clock: clk, DefaultTZ: mustLoc("Asia/Kolkata")})
	return e, clk
}

// must checks an engine operation's error: must(t)(e.OptIn(ctx, a)).
func must(t testing.TB) func(string, error) string {
	t.Helper()
	return func(msg string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return msg
	}
}

func setUpTeam(t *testing.T, e *Engine) {
	t.Helper()
	ctx := context.Background()
	must(t)(e.OptIn(ctx, mgr))
	must(t)(e.SetTeam(ctx, mgr, []activity.UserID{"UALEX", "USAM"}))
}

func msgAt(user activity.UserID, at time.Time, mentions ...activity.UserID) activity.Observation {
	return activity.Observation{Team: team, Channel: "C1", Kind: activity.KindPublic, User: user, TS: activity.TSFromTime(at), Mentions: mentions}
}

func recorded(t *testing.T, e *Engine) []activity.Observation {
	t.Helper()
	var out []activity.Observation
	err := e.store.Observations(team, time.Time{}, monday10.Add(30*24*time.Hour), func(o activity.Observation) bool {
		out = append(out, o)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestObserve_RecordsOnlyWhatManagersNeed(t *testing.T) {
	sunday23 := time.Date(2026, 11, 15, 23, 0, 0, 0, berlin)
	tests := []struct {
		name         string
		o            activity.Observation
		keep         bool
		wantMentions []activity.UserID
	}{
		{"manager's message", msgAt("UMGR", monday10), true, nil},
		{"manager's mentions keep only team members", msgAt("UMGR", monday10, "UALEX", "UCHRIS", "UMGR"), true, []activity.UserID{"UALEX", "UMGR"}},
		{"member asks the manager", msgAt("UALEX", monday10, "UMGR"), true, []activity.UserID{"UMGR"}},
		{"member replies in the manager's thread", activity.Observation{Team: team, Channel: "C1", User: "UALEX", TS: activity.TSFromTime(monday10), ThreadTS: "1.000001", ParentUser: "UMGR"}, true, nil},
		{"member in hours, not to the manager", msgAt("UALEX", monday10, "USAM"), false, nil},
		{"member outside their hours (they started it)", msgAt("UALEX", sunday23), true, nil},
		{"member in New York at Berlin 10:00 is outside hours", msgAt("USAM", monday10), true, nil},
		{"someone on no team", msgAt("UCHRIS", monday10, "UMGR"), false, nil},
		{"bot", activity.Observation{Team: team, Channel: "C1", User: "UALEX", TS: activity.TSFromTime(monday10), IsBot: true, Mentions: []activity.UserID{"UMGR"}}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newEngine(t)
			setUpTeam(t, e)
			if err := e.Observe(context.Background(), tt.o); err != nil {
				t.Fatal(err)
			}
			got := recorded(t, e)
			if (len(got) == 1) != tt.keep || len(got) > 1 {
				t.Fatalf("recorded %d observations; want keep=%v", len(got), tt.keep)
			}
			if tt.keep && !slices.Equal(got[0].Mentions, tt.wantMentions) {
				t.Errorf("mentions = %v; want %v", got[0].Mentions, tt.wantMentions)
			}
		})
	}
}

func TestObserve_ExcludedPeopleAreNeverRecordedOrNamed(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	must(t)(e.Exclude(ctx, alex))
	for _, o := range []activity.Observation{msgAt("UALEX", monday10, "UMGR"), msgAt("UMGR", monday10.Add(time.Minute), "UALEX", "USAM")} {
		if err := e.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	got := recorded(t, e)
	if len(got) != 1 || got[0].User != "UMGR" || !slices.Equal(got[0].Mentions, []activity.UserID{"USAM"}) {
		t.Errorf("recorded %+v; want only the manager's message, naming Sam alone", got)
	}
}

func TestOptOut_KeepsNothingThatServedOnlyThatManager(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	other := Actor{Team: team, User: "UOTHER"}
	e.dir.(directory)["UOTHER"] = people.Profile{ID: "UOTHER", TZ: "Europe/Berlin"}
	must(t)(e.OptIn(ctx, other))
	must(t)(e.SetTeam(ctx, other, []activity.UserID{"USAM"}))
	for _, o := range []activity.Observation{
		msgAt("UMGR", monday10),
		msgAt("UALEX", monday10.Add(time.Minute), "UMGR"),
		msgAt("USAM", monday10.Add(2*time.Minute), "UMGR"),
		msgAt("UOTHER", monday10.Add(3*time.Minute)),
	} {
		if err := e.Observe(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	msg := must(t)(e.OptOut(ctx, mgr))
	// Two messages and the two requests they made to the manager.
	if !strings.Contains(msg, "4 message records") {
		t.Errorf("OptOut() = %q; want it to say 4 records were deleted", msg)
	}
	var users []activity.UserID
	for _, o := range recorded(t, e) {
		users = append(users, o.User)
	}
	// Sam is still on another manager's team; Alex and the manager are not.
	if !slices.Equal(users, []activity.UserID{"USAM", "UOTHER"}) {
		t.Errorf("after opt-out, records by %v; want [USAM UOTHER]", users)
	}
}

func TestEffectiveHours_Precedence(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, user, own, workspace, want, source string
	}{
		{"default in Slack tz", "UALEX", "", "", "Mon-Fri 09:00-18:00 Europe/Berlin", SourceDefault},
		{"default in DefaultTZ when Slack has none", "UNOTZ", "", "", "Mon-Fri 09:00-18:00 Asia/Kolkata", SourceDefault},
		{"workspace default overrides config", "USAM", "", "Mon-Thu 10:00-16:00", "Mon-Thu 10:00-16:00 America/New_York", SourceDefault},
		{"own setting wins", "UALEX", "Tue-Sat 12:00-20:00", "Mon-Thu 10:00-16:00", "Tue-Sat 12:00-20:00 Europe/Berlin", SourceOwn},
		{"own setting with a zone keeps it", "UALEX", "Mon-Fri 09:00-17:00 Asia/Tokyo", "", "Mon-Fri 09:00-17:00 Asia/Tokyo", SourceOwn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newEngine(t)
			a := Actor{Team: team, User: activity.UserID(tt.user)}
			if tt.workspace != "" {
				must(t)(e.AdminSetHours(ctx, Actor{Team: team, User: "UADMIN"}, tt.workspace))
			}
			if tt.own != "" {
				must(t)(e.SetHours(ctx, a, tt.own))
			}
			h, source, err := e.EffectiveHours(ctx, team, a.User)
			if err != nil {
				t.Fatal(err)
			}
			if h.String() != tt.want || source != tt.source {
				t.Errorf("EffectiveHours = %q (%s); want %q (%s)", h, source, tt.want, tt.source)
			}
		})
	}
}

func TestTeam_RefusesWhoCannotBeOnATeam(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		users []activity.UserID
		want  string
	}{
		{[]activity.UserID{"UMGR"}, "own team"},
		{[]activity.UserID{"UALEX", "UBOT"}, "is a bot"},
		{[]activity.UserID{"UAPP"}, "trustnudge itself"},
		{[]activity.UserID{"UGONE"}, "deactivated"},
		{[]activity.UserID{"UNOBODY"}, "couldn't find"},
		{nil, "at least one person"},
	} {
		e, _ := newEngine(t)
		must(t)(e.OptIn(ctx, mgr))
		_, err := e.SetTeam(ctx, mgr, tt.users)
		var r *Refusal
		if !errors.As(err, &r) || !strings.Contains(r.Msg, tt.want) {
			t.Errorf("SetTeam(%v) = %v; want refusal containing %q", tt.users, err, tt.want)
		}
		if m, _ := e.store.Manager(team, mgr.User); len(m.Members) != 0 {
			t.Errorf("SetTeam(%v) refused but saved %v", tt.users, m.Members)
		}
	}
	e, _ := newEngine(t)
	if _, err := e.SetTeam(ctx, mgr, []activity.UserID{"UALEX"}); err == nil || !strings.Contains(err.Error(), "optin") {
		t.Errorf("SetTeam before opt-in = %v; want a refusal pointing at optin", err)
	}
}

func TestSnooze_BoundsAndExpiry(t *testing.T) {
	e, clk := newEngine(t)
	ctx := context.Background()
	must(t)(e.OptIn(ctx, mgr))
	for _, d := range []time.Duration{59 * time.Minute, 91 * 24 * time.Hour} {
		if _, err := e.Snooze(ctx, mgr, d, ""); err == nil {
			t.Errorf("Snooze(%v) accepted; want refused", d)
		}
	}
	msg := must(t)(e.Snooze(ctx, mgr, 24*time.Hour, people.SnoozeTimeOff))
	if !strings.Contains(msg, "Tue 17 Nov 10:00") || !strings.Contains(msg, "time-off") {
		t.Errorf("Snooze() = %q; want the end time in the manager's zone and the reason", msg)
	}
	m, _ := e.store.Manager(team, mgr.User)
	if !m.Snoozed(clk.Now()) {
		t.Fatal("not snoozed")
	}
	clk.Advance(25 * time.Hour)
	if m.Snoozed(clk.Now()) {
		t.Error("still snoozed after the snooze ended")
	}
}

func TestSetKind_StaysOffUntilTurnedOn(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	must(t)(e.OptIn(ctx, mgr))
	must(t)(e.SetKind(ctx, mgr, people.KindAfterHours, false))
	m, _ := e.store.Manager(team, mgr.User)
	if !m.KindOff(people.KindAfterHours) || m.KindOff(people.KindSlowReply) {
		t.Fatalf("KindsOff = %v", m.KindsOff)
	}
	if msg := must(t)(e.SetKind(ctx, mgr, people.KindAfterHours, false)); !strings.Contains(msg, "already off") {
		t.Errorf("second off = %q", msg)
	}
	must(t)(e.SetKind(ctx, mgr, people.KindAfterHours, true))
	if m, _ := e.store.Manager(team, mgr.User); m.KindOff(people.KindAfterHours) {
		t.Error("kind still off after turning it on")
	}
	if _, err := e.SetKind(ctx, mgr, "nonsense", false); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestAdmin_OnlyAdminsAndListedIDs(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	e.opts.Admins = []activity.UserID{"USAM"}
	for _, a := range []Actor{alex, mgr} {
		if _, err := e.AdminStatus(ctx, a); err == nil {
			t.Errorf("AdminStatus(%s) allowed", a.User)
		}
	}
	for _, a := range []Actor{sam, {Team: team, User: "UADMIN"}} {
		if _, err := e.AdminStatus(ctx, a); err != nil {
			t.Errorf("AdminStatus(%s) = %v; want allowed", a.User, err)
		}
	}
}

func TestForget_SaysWhatItDeleted(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	setUpTeam(t, e)
	must(t)(e.SetHours(ctx, mgr, "Mon-Fri 08:00-16:00"))
	// 15:00 in Berlin is 09:00 in New York: inside everyone's hours.
	if err := e.Observe(ctx, msgAt("UMGR", monday10.Add(5*time.Hour))); err != nil {
		t.Fatal(err)
	}
	ask := msgAt("UALEX", monday10.Add(6*time.Hour))
	ask.Mentions = []activity.UserID{"UMGR"}
	if err := e.Observe(ctx, ask); err != nil {
		t.Fatal(err)
	}
	msg := must(t)(e.Forget(ctx, mgr))
	for _, want := range []string{"opt-in and your team list (2 people)", "working hours", "message records", "1 waiting question you asked or that waited for you"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Forget() = %q; want it to mention %q", msg, want)
		}
	}
	if _, err := e.store.Manager(team, mgr.User); !errors.Is(err, ErrNotFound) {
		t.Errorf("manager record survived forget-me: %v", err)
	}
	if ms, _ := e.store.ManagersOf(team, "UALEX"); len(ms) != 0 {
		t.Errorf("Alex still on a team after the manager's forget-me")
	}
	if msg := must(t)(e.Forget(ctx, chris)); !strings.Contains(msg, "nothing") {
		t.Errorf("Forget(stranger) = %q", msg)
	}
}

func storeOptions(clk *clock.Fake) store.Options { return store.Options{Clock: clk} }

// failingDeliverer records attempts and fails them.
type failingDeliverer struct{ attempts int }

func (d *failingDeliverer) Deliver(context.Context, Delivery) error {
	d.attempts++
	return errors.New("slack said no")
}

func TestNudge_AtMostOnce(t *testing.T) {
	late := time.Date(2026, 11, 16, 23, 0, 0, 0, berlin)
	t.Run("the same message observed twice nudges once", func(t *testing.T) {
		e, clk := newEngine(t)
		del := &countingDeliverer{}
		e.opts.Deliverer = del
		setUpTeam(t, e)
		clk.Set(late)
		o := msgAt("UMGR", late, "UALEX")
		for range 2 { // e.g. a redelivery after a crash lost the event-ID record
			if err := e.Observe(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}
		if del.n != 1 {
			t.Errorf("delivered %d nudges; want 1", del.n)
		}
	})
	t.Run("with no cooldown, the same message still nudges once", func(t *testing.T) {
		e, clk := newEngine(t)
		e.opts.Policy.Cooldown = map[string]time.Duration{}
		del := &countingDeliverer{}
		e.opts.Deliverer = del
		setUpTeam(t, e)
		clk.Set(late)
		o := msgAt("UMGR", late, "UALEX")
		for range 3 {
			if err := e.Observe(context.Background(), o); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Observe(context.Background(), msgAt("UMGR", late.Add(time.Minute), "UALEX")); err != nil {
			t.Fatal(err)
		}
		if del.n != 2 {
			t.Errorf("delivered %d nudges for 2 distinct messages (one seen 3 times); want 2", del.n)
		}
	})
	t.Run("a failed delivery is not retried into a second copy", func(t *testing.T) {
		e, clk := newEngine(t)
		del := &failingDeliverer{}
		e.opts.Deliverer = del
		setUpTeam(t, e)
		clk.Set(late)
		if err := e.Observe(context.Background(), msgAt("UMGR", late, "UALEX")); err != nil {
			t.Fatal(err)
		}
		clk.Set(late.Add(time.Minute))
		if err := e.Observe(context.Background(), msgAt("UMGR", late.Add(time.Minute), "UALEX")); err != nil {
			t.Fatal(err)
		}
		if del.attempts != 1 {
			t.Errorf("%d delivery attempts; want 1 (the failed one counts towards the cooldown)", del.attempts)
		}
		recs, err := e.store.NudgesOf(team, mgr.User, time.Time{})
		if err != nil || len(recs) != 1 || recs[0].State != "failed" {
			t.Errorf("records = %+v, %v; want one failed record", recs, err)
		}
	})
}

package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

const (
	afterHours = people.KindAfterHours
	slowReply  = people.KindSlowReply
	managerID  = activity.UserID("UMGR")
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func local(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// rec is a past nudge of kind in state, created ago before now.
func rec(now time.Time, kind string, state State, ago time.Duration) Record {
	return Record{Team: "T1", Manager: managerID, Kind: kind, State: state, Created: now.Add(-ago)}
}

// sent is n sent nudges of kind, a day apart, the first first days ago.
func sent(now time.Time, kind string, n, first int) []Record {
	var rs []Record
	for i := range n {
		rs = append(rs, rec(now, kind, Sent, time.Duration(first-i)*24*time.Hour))
	}
	return rs
}

func TestDecide(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	hours := workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")
	wed := local(berlin, "2025-06-04 12:00") // inside the manager's hours
	base := people.Manager{Team: "T1", ID: managerID, OptedInAt: wed.Add(-30 * 24 * time.Hour)}
	mgr := func(f func(*people.Manager)) *people.Manager {
		m := base
		if f != nil {
			f(&m)
		}
		return &m
	}
	snoozed := func(m *people.Manager) { m.SnoozedUntil = wed.Add(24 * time.Hour) }
	off := func(kind string) func(*people.Manager) {
		return func(m *people.Manager) { m.KindsOff = []string{kind} }
	}
	send := Decision{Action: Send}
	suppress := func(reason string) Decision { return Decision{Action: Suppress, Reason: reason} }
	hold := func(until time.Time) Decision {
		return Decision{Action: Hold, Until: until, Reason: ReasonOutsideHours}
	}
	otherManager := rec(wed, afterHours, Sent, time.Hour)
	otherManager.Manager = "UOTHER"

	tests := []struct {
		name  string
		kind  string
		m     *people.Manager
		past  []Record
		hours workhours.Hours
		now   time.Time
		cfg   Config
		want  Decision
	}{
		{"send", afterHours, mgr(nil), nil, hours, wed, DefaultConfig(), send},

		// Each reason, and that it wins over every later one.
		{"not opted in", slowReply, nil, sent(wed, slowReply, 5, 5), hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(),
			suppress(ReasonNotOptedIn)},
		{"snoozed, over switched off, cooldown, cap and hours", slowReply, mgr(func(m *people.Manager) { snoozed(m); off(slowReply)(m) }),
			sent(wed, slowReply, 5, 5), hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(), suppress(ReasonSnoozed)},
		{"a snooze that has ended", afterHours, mgr(func(m *people.Manager) { m.SnoozedUntil = wed }), nil, hours, wed, DefaultConfig(), send},
		{"switched off, over cooldown, cap and hours", slowReply, mgr(off(slowReply)),
			sent(wed, slowReply, 5, 5), hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(), suppress(ReasonSwitchedOff)},
		{"another kind switched off", afterHours, mgr(off(slowReply)), nil, hours, wed, DefaultConfig(), send},
		{"cooldown, over cap and hours", slowReply, mgr(nil),
			append(sent(wed, afterHours, 4, 6), rec(wed, slowReply, Sent, time.Hour)), hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(),
			suppress(ReasonCooldown)},
		{"weekly cap, over hours", slowReply, mgr(nil), sent(wed, afterHours, 5, 6), hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(),
			suppress(ReasonWeeklyCap)},

		// Cooldowns per kind.
		{"after-hours 23h59m after the last", afterHours, mgr(nil), []Record{rec(wed, afterHours, Sent, 23*time.Hour+59*time.Minute)}, hours, wed, DefaultConfig(),
			suppress(ReasonCooldown)},
		{"after-hours 24h after the last", afterHours, mgr(nil), []Record{rec(wed, afterHours, Sent, 24*time.Hour)}, hours, wed, DefaultConfig(), send},
		{"after-hours 24h01m after the last", afterHours, mgr(nil), []Record{rec(wed, afterHours, Sent, 24*time.Hour+time.Minute)}, hours, wed, DefaultConfig(), send},
		{"slow reply 47h59m after the last", slowReply, mgr(nil), []Record{rec(wed, slowReply, Sent, 47*time.Hour+59*time.Minute)}, hours, wed, DefaultConfig(),
			suppress(ReasonCooldown)},
		{"slow reply 48h01m after the last", slowReply, mgr(nil), []Record{rec(wed, slowReply, Sent, 48*time.Hour+time.Minute)}, hours, wed, DefaultConfig(), send},
		{"a nudge of another kind does not cool this one", slowReply, mgr(nil), []Record{rec(wed, afterHours, Sent, time.Minute)}, hours, wed, DefaultConfig(), send},
		{"a sending nudge cools", afterHours, mgr(nil), []Record{rec(wed, afterHours, Sending, time.Hour)}, hours, wed, DefaultConfig(), suppress(ReasonCooldown)},
		{"a failed nudge cools", afterHours, mgr(nil), []Record{rec(wed, afterHours, Failed, time.Hour)}, hours, wed, DefaultConfig(), suppress(ReasonCooldown)},
		{"a held nudge does not cool", afterHours, mgr(nil), []Record{rec(wed, afterHours, Held, time.Hour)}, hours, wed, DefaultConfig(), send},
		{"another manager's nudge is ignored", afterHours, mgr(nil), []Record{otherManager}, hours, wed, DefaultConfig(), send},
		{"a kind without a cooldown", afterHours, mgr(nil), []Record{rec(wed, afterHours, Sent, time.Minute)}, hours, wed, Config{WeeklyCap: 5}, send},

		// The weekly cap.
		{"5 sent in 7 days: the 6th is suppressed", afterHours, mgr(nil),
			append(sent(wed, slowReply, 3, 6), sent(wed, afterHours, 2, 3)...), hours, wed, DefaultConfig(), suppress(ReasonWeeklyCap)},
		{"4 sent in 7 days: the 5th goes", afterHours, mgr(nil), sent(wed, slowReply, 4, 6), hours, wed, DefaultConfig(), send},
		{"held ones do not count", afterHours, mgr(nil),
			append(sent(wed, slowReply, 4, 6), rec(wed, slowReply, Held, time.Hour), rec(wed, afterHours, Held, 2*time.Hour)), hours, wed, DefaultConfig(), send},
		{"one sent exactly 7 days ago has left the window", afterHours, mgr(nil),
			append(sent(wed, slowReply, 4, 6), rec(wed, slowReply, Sent, 7*24*time.Hour)), hours, wed, DefaultConfig(), send},
		{"one sent 6 days 23 hours ago has not", afterHours, mgr(nil),
			append(sent(wed, slowReply, 4, 6), rec(wed, slowReply, Sent, 7*24*time.Hour-time.Hour)), hours, wed, DefaultConfig(), suppress(ReasonWeeklyCap)},
		{"no cap", afterHours, mgr(nil), sent(wed, slowReply, 6, 6), hours, wed, Config{Cooldown: DefaultConfig().Cooldown}, send},

		// Holding slow-reply DMs until the manager's own hours.
		{"slow reply in the evening is held until the morning", slowReply, mgr(nil), nil, hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(),
			hold(local(berlin, "2025-06-05 09:00"))},
		{"slow reply at the weekend is held until Monday", slowReply, mgr(nil), nil, hours, local(berlin, "2025-06-07 11:00"), DefaultConfig(),
			hold(local(berlin, "2025-06-09 09:00"))},
		{"slow reply early is held until the start", slowReply, mgr(nil), nil, hours, local(berlin, "2025-06-04 08:59"), DefaultConfig(),
			hold(local(berlin, "2025-06-04 09:00"))},
		{"slow reply inside hours", slowReply, mgr(nil), nil, hours, local(berlin, "2025-06-04 09:00"), DefaultConfig(), send},
		{"after-hours in the evening is never held", afterHours, mgr(nil), nil, hours, local(berlin, "2025-06-04 20:00"), DefaultConfig(), send},
		{"after-hours at the weekend is never held", afterHours, mgr(nil), nil, hours, local(berlin, "2025-06-07 11:00"), DefaultConfig(), send},
		{"a manager without hours is not held", slowReply, mgr(nil), nil, workhours.Hours{}, local(berlin, "2025-06-07 11:00"), DefaultConfig(), send},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.kind, tt.m, tt.past, tt.hours, tt.now, tt.cfg)
			if got.Action != tt.want.Action || got.Reason != tt.want.Reason || !got.Until.Equal(tt.want.Until) {
				t.Errorf("Decide(%q) = %+v; want %+v", tt.kind, got, tt.want)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.Cooldown[afterHours] != 24*time.Hour || c.Cooldown[slowReply] != 48*time.Hour || c.WeeklyCap != 5 {
		t.Errorf("DefaultConfig() = %+v; want after_hours 24h, slow_reply 48h, cap 5", c)
	}
	// Each call returns its own map, so a caller may change it.
	c.Cooldown[afterHours] = time.Hour
	if DefaultConfig().Cooldown[afterHours] != 24*time.Hour {
		t.Error("DefaultConfig shares its Cooldown map between calls")
	}
}

func TestAction_String(t *testing.T) {
	for a, want := range map[Action]string{Send: "send", Hold: "hold", Suppress: "suppress", 0: "Action(0)"} {
		if got := a.String(); got != want {
			t.Errorf("Action(%d).String() = %q; want %q", int(a), got, want)
		}
	}
	var d Decision
	if d.Action == Send {
		t.Error("the zero Decision means Send")
	}
}

func TestNextVariant(t *testing.T) {
	t0 := time.Date(2025, 6, 4, 12, 0, 0, 0, time.UTC)
	used := func(kind, id string, ago time.Duration) Record {
		return Record{Manager: managerID, Kind: kind, VariantID: id, State: Sent, Created: t0.Add(-ago)}
	}
	ids := []string{"a", "b", "c"}
	tests := []struct {
		name string
		ids  []string
		past []Record
		want string
	}{
		{"none used yet", ids, nil, "a"},
		{"after the first", ids, []Record{used(afterHours, "a", time.Hour)}, "b"},
		{"wraps after the last", ids, []Record{used(afterHours, "c", time.Hour)}, "a"},
		{"the latest counts, whatever the order", ids, []Record{used(afterHours, "b", time.Hour), used(afterHours, "a", 3*time.Hour)}, "c"},
		{"other kinds do not count", ids, []Record{used(afterHours, "a", 2*time.Hour), used(slowReply, "b", time.Hour)}, "b"},
		{"records without a variant do not count", ids, []Record{used(afterHours, "a", 2*time.Hour), used(afterHours, "", time.Hour)}, "b"},
		{"a held nudge's words count as used", ids, []Record{used(afterHours, "a", 2*time.Hour), {Kind: afterHours, VariantID: "b", State: Held, Created: t0}}, "c"},
		{"an id no longer in the library", ids, []Record{used(afterHours, "gone", time.Hour)}, "a"},
		{"one variant only", []string{"a"}, []Record{used(afterHours, "a", time.Hour)}, "a"},
		{"an empty library", nil, []Record{used(afterHours, "a", time.Hour)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextVariant(tt.ids, tt.past, afterHours); got != tt.want {
				t.Errorf("NextVariant(%q, …) = %q; want %q", tt.ids, got, tt.want)
			}
		})
	}
}

func TestNextVariant_NeverRepeatsBackToBack(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	var past []Record
	t0 := time.Date(2025, 6, 4, 12, 0, 0, 0, time.UTC)
	var order []string
	for i := range 10 {
		id := NextVariant(ids, past, slowReply)
		if n := len(order); n > 0 && order[n-1] == id {
			t.Fatalf("variant %q twice in a row after %v", id, order)
		}
		order = append(order, id)
		past = append(past, Record{Manager: managerID, Kind: slowReply, VariantID: id, State: Sent, Created: t0.Add(time.Duration(i) * 48 * time.Hour)})
	}
	if got, want := fmt.Sprint(order), "[a b c d a b c d a b]"; got != want {
		t.Errorf("rotation = %s; want %s", got, want)
	}
}

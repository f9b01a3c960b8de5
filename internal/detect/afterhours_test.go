package detect

import (
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/workhours"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local reads "2006-01-02 15:04" as a wall time in loc.
func local(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	team    activity.TeamID    = "T1"
	manager activity.UserID    = "UMGR"
	chanA   activity.ChannelID = "CA"
	chanB   activity.ChannelID = "CB"
)

// managerMsg is a top-level message by the manager in chanA at at.
func managerMsg(at time.Time) activity.Observation {
	return activity.Observation{Team: team, Channel: chanA, Kind: activity.KindPublic, User: manager, TS: activity.TSFromTime(at)}
}

func TestCheckAfterHours(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	sydney := mustZone(t, "Australia/Sydney")
	ny := mustZone(t, "America/New_York")
	inBerlin := workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")
	inSydney := workhours.MustParse("Mon-Fri 09:00-18:00 Australia/Sydney")
	inNY := workhours.MustParse("Mon-Fri 09:00-18:00 America/New_York")
	nights := workhours.MustParse("Sun-Thu 22:00-06:00")
	ana := func(h workhours.Hours) Member { return Member{ID: "UANA", Hours: h} }
	ben := func(h workhours.Hours) Member { return Member{ID: "UBEN", Hours: h} }
	startedAt := func(m Member, last time.Time) Member { m.LastOwnOutside = last; return m }

	// 2025-06-02 is a Monday; 2025-03-30 Berlin sprang forward.
	tests := []struct {
		name    string
		at      time.Time
		members []Member
		change  func(*activity.Observation)
		reached int       // 0: no finding
		suggest time.Time // checked when there is a finding
	}{
		{"inside hours", local(berlin, "2025-06-04 12:00"), []Member{ana(inBerlin)}, nil, 0, time.Time{}},
		{"grace: 08:45 before a 09:00 start is not flagged", local(berlin, "2025-06-02 08:45"), []Member{ana(inBerlin)}, nil, 0, time.Time{}},
		{"grace: exactly 30 minutes early is not flagged", local(berlin, "2025-06-02 08:30"), []Member{ana(inBerlin)}, nil, 0, time.Time{}},
		{"grace: 08:29 is flagged", local(berlin, "2025-06-02 08:29"), []Member{ana(inBerlin)}, nil,
			1, local(berlin, "2025-06-02 09:00")},
		{"grace: 18:29 after an 18:00 end is not flagged", local(berlin, "2025-06-02 18:29"), []Member{ana(inBerlin)}, nil, 0, time.Time{}},
		{"grace: 18:31 is flagged", local(berlin, "2025-06-02 18:31"), []Member{ana(inBerlin)}, nil,
			1, local(berlin, "2025-06-03 09:00")},
		{"weekend: Saturday noon", local(berlin, "2025-06-07 12:00"), []Member{ana(inBerlin)}, nil,
			1, local(berlin, "2025-06-09 09:00")},
		{"weekend: Sunday night", local(berlin, "2025-06-08 23:00"), []Member{ana(inBerlin)}, nil,
			1, local(berlin, "2025-06-09 09:00")},
		{"a reply in a thread counts too", local(berlin, "2025-06-02 21:00"), []Member{ana(inBerlin)},
			func(o *activity.Observation) { o.ThreadTS = activity.TSFromTime(local(berlin, "2025-06-02 17:00")) },
			1, local(berlin, "2025-06-03 09:00")},
		// 17:00 CET on Tuesday is 03:00 AEDT on Wednesday; the two calendars
		// never meet, so the suggestion is the Sydney morning.
		{"Berlin manager at 17:00 reaches a Sydney member at 03:00", local(berlin, "2025-01-14 17:00"), []Member{ana(inSydney)}, nil,
			1, local(sydney, "2025-01-15 09:00")},
		{"Sydney member reached, Berlin member inside", local(berlin, "2025-01-14 17:00"), []Member{ana(inSydney), ben(inBerlin)}, nil,
			1, local(sydney, "2025-01-15 09:00")},
		// The Monday after the spring change: 08:45 CEST is 06:45 UTC, which
		// would be 07:45 and flagged if read in winter time.
		{"DST: 08:45 local on the Monday after the spring change is not flagged", time.Date(2025, 3, 31, 6, 45, 0, 0, time.UTC), []Member{ana(inBerlin)}, nil, 0, time.Time{}},
		{"DST: 08:29 local on the Monday after the spring change is flagged", time.Date(2025, 3, 31, 6, 29, 0, 0, time.UTC), []Member{ana(inBerlin)}, nil,
			1, time.Date(2025, 3, 31, 7, 0, 0, 0, time.UTC)},
		{"night shift: 23:00 Tuesday is inside Sun-Thu 22:00-06:00", time.Date(2025, 6, 3, 23, 0, 0, 0, time.UTC), []Member{ana(nights)}, nil, 0, time.Time{}},
		{"night shift: 12:00 Wednesday is outside", time.Date(2025, 6, 4, 12, 0, 0, 0, time.UTC), []Member{ana(nights)}, nil,
			1, time.Date(2025, 6, 4, 22, 0, 0, 0, time.UTC)},
		{"they started it: own out-of-hours message 20 minutes before", local(berlin, "2025-06-02 22:00"),
			[]Member{startedAt(ana(inBerlin), local(berlin, "2025-06-02 21:40"))}, nil, 0, time.Time{}},
		{"they started it: exactly 30 minutes before", local(berlin, "2025-06-02 22:00"),
			[]Member{startedAt(ana(inBerlin), local(berlin, "2025-06-02 21:30"))}, nil, 0, time.Time{}},
		{"they started it: 40 minutes before is too long ago", local(berlin, "2025-06-02 22:00"),
			[]Member{startedAt(ana(inBerlin), local(berlin, "2025-06-02 21:20"))}, nil,
			1, local(berlin, "2025-06-03 09:00")},
		{"they started it: a message after this one does not count", local(berlin, "2025-06-02 22:00"),
			[]Member{startedAt(ana(inBerlin), local(berlin, "2025-06-02 22:10"))}, nil,
			1, local(berlin, "2025-06-03 09:00")},
		{"they started it: two members, one exempt", local(berlin, "2025-06-02 22:00"),
			[]Member{startedAt(ana(inBerlin), local(berlin, "2025-06-02 21:50")), ben(inBerlin)}, nil,
			1, local(berlin, "2025-06-03 09:00")},
		{"two members reached", local(berlin, "2025-06-02 22:00"), []Member{ana(inBerlin), ben(inBerlin)}, nil,
			2, local(berlin, "2025-06-03 09:00")},
		{"no members (all excluded or none present)", local(berlin, "2025-06-07 12:00"), nil, nil, 0, time.Time{}},
		{"bot messages never count", local(berlin, "2025-06-07 12:00"), []Member{ana(inBerlin)},
			func(o *activity.Observation) { o.IsBot = true }, 0, time.Time{}},
		{"a malformed timestamp is not judged", local(berlin, "2025-06-07 12:00"), []Member{ana(inBerlin)},
			func(o *activity.Observation) { o.TS = "junk" }, 0, time.Time{}},
		{"the manager is not their own member", local(berlin, "2025-06-07 12:00"), []Member{{ID: manager, Hours: inBerlin}}, nil, 0, time.Time{}},
		{"a member listed twice counts once", local(berlin, "2025-06-07 12:00"), []Member{ana(inBerlin), ana(inBerlin)}, nil,
			1, local(berlin, "2025-06-09 09:00")},
		{"a member with no known hours is not judged", local(berlin, "2025-06-07 12:00"), []Member{ana(workhours.Hours{})}, nil, 0, time.Time{}},
		// Friday 23:00 in Berlin is 17:00 in New York, inside Ben's hours; the
		// suggestion must not reach him at 03:00 on Monday either.
		{"SuggestAt is inside every member's hours", local(berlin, "2025-06-06 23:00"), []Member{ana(inBerlin), ben(inNY)}, nil,
			1, local(berlin, "2025-06-09 15:00")},
		{"SuggestAt with both reached", local(berlin, "2025-06-06 23:00"),
			[]Member{ana(inBerlin), ben(workhours.MustParse("Mon-Fri 09:00-16:00 America/New_York"))}, nil,
			2, local(ny, "2025-06-09 09:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := managerMsg(tt.at)
			if tt.change != nil {
				tt.change(&o)
			}
			got, ok := CheckAfterHours(o, tt.members)
			if tt.reached == 0 {
				if ok {
					t.Fatalf("CheckAfterHours at %v = %+v; want no finding", tt.at, got)
				}
				return
			}
			if !ok {
				t.Fatalf("CheckAfterHours at %v: no finding; want Reached %d", tt.at, tt.reached)
			}
			want := AfterHours{Team: team, Manager: manager, Channel: chanA, TS: o.TS, At: tt.at.UTC(), Reached: tt.reached, SuggestAt: tt.suggest}
			if got.Team != want.Team || got.Manager != want.Manager || got.Channel != want.Channel || got.TS != want.TS ||
				!got.At.Equal(want.At) || got.Reached != want.Reached || !got.SuggestAt.Equal(want.SuggestAt) {
				t.Errorf("CheckAfterHours at %v = %+v; want %+v", tt.at, got, want)
			}
		})
	}
}

func TestCheckAfterHours_SuggestWhenHoursNeverMeet(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	at := local(berlin, "2025-06-06 23:00") // Friday
	office := Member{ID: "UANA", Hours: workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")}
	tests := []struct {
		name        string
		other       Member
		reached     int
		suggest     time.Time
		reachedOnly bool
	}{
		// Ben is inside his hours and they never meet Ana's: suggest Ana's
		// next morning rather than nothing, and say it fits only her.
		{"falls back to the reached members", Member{ID: "UBEN", Hours: workhours.MustParse("Fri 22:00-24:00 Europe/Berlin")},
			1, local(berlin, "2025-06-09 09:00"), true},
		{"zero when even the reached never meet", Member{ID: "UBEN", Hours: workhours.MustParse("Sat 10:00-11:00 Europe/Berlin")},
			2, time.Time{}, false},
		{"hours that meet fit everyone", Member{ID: "UBEN", Hours: workhours.MustParse("Mon-Fri 10:00-19:00 Europe/Berlin")},
			2, local(berlin, "2025-06-09 10:00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CheckAfterHours(managerMsg(at), []Member{office, tt.other})
			if !ok || got.Reached != tt.reached || !got.SuggestAt.Equal(tt.suggest) || got.SuggestForReachedOnly != tt.reachedOnly {
				t.Errorf("CheckAfterHours = %+v, %v; want Reached %d, SuggestAt %v, SuggestForReachedOnly %v", got, ok, tt.reached, tt.suggest, tt.reachedOnly)
			}
		})
	}
}

// BenchmarkCheckAfterHours judges a late message reaching some of five
// members in four zones, one of whom started it.
func BenchmarkCheckAfterHours(b *testing.B) {
	berlin := mustZone(b, "Europe/Berlin")
	at := local(berlin, "2025-06-05 20:00")
	members := []Member{
		{ID: "U1", Hours: workhours.MustParse("Mon-Fri 09:00-18:00 Europe/Berlin")},
		{ID: "U2", Hours: workhours.MustParse("Mon-Fri 09:00-18:00 Europe/London")},
		{ID: "U3", Hours: workhours.MustParse("Mon-Fri 09:00-18:00 America/New_York")},
		{ID: "U4", Hours: workhours.MustParse("Mon-Thu 08:30-17:00, Fri 08:30-13:00 Europe/Berlin"), LastOwnOutside: at.Add(-10 * time.Minute)},
		{ID: "U5", Hours: workhours.MustParse("Sun-Thu 22:00-06:00 Asia/Kolkata")},
	}
	o := managerMsg(at)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := CheckAfterHours(o, members); !ok {
			b.Fatal("no finding")
		}
	}
}

package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/store"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// obsAt is a top-level message in a public channel, sec seconds after t0.
func obsAt(team activity.TeamID, ch activity.ChannelID, user activity.UserID, sec int, mentions ...activity.UserID) activity.Observation {
	return activity.Observation{
		Team:     team,
		Channel:  ch,
		Kind:     activity.KindPublic,
		User:     user,
		TS:       activity.TSFromTime(t0.Add(time.Duration(sec) * time.Second)),
		Mentions: mentions,
	}
}

// withParent makes o a reply in a thread started by parent an hour before t0.
func withParent(o activity.Observation, parent activity.UserID) activity.Observation {
	o.ThreadTS = activity.TSFromTime(t0.Add(-time.Hour))
	o.ParentUser = parent
	return o
}

func record(t testing.TB, db *store.DB, o activity.Observation) {
	t.Helper()
	if err := db.RecordObservation(o); err != nil {
		t.Fatalf("RecordObservation(%s/%s) = %v", o.Channel, o.TS, err)
	}
}

var (
	beginning = time.Unix(0, 0)
	forever   = t0.Add(1000 * time.Hour)
)

func collect(t testing.TB, db *store.DB, team activity.TeamID, from, to time.Time) []activity.Observation {
	t.Helper()
	var got []activity.Observation
	if err := db.Observations(team, from, to, func(o activity.Observation) bool {
		got = append(got, o)
		return true
	}); err != nil {
		t.Fatalf("Observations(%s) = %v", team, err)
	}
	return got
}

func collectIn(t testing.TB, db *store.DB, team activity.TeamID, ch activity.ChannelID, from, to time.Time) []activity.Observation {
	t.Helper()
	var got []activity.Observation
	if err := db.ObservationsIn(team, ch, from, to, func(o activity.Observation) bool {
		got = append(got, o)
		return true
	}); err != nil {
		t.Fatalf("ObservationsIn(%s, %s) = %v", team, ch, err)
	}
	return got
}

func allObservations(t testing.TB, db *store.DB, team activity.TeamID) []activity.Observation {
	t.Helper()
	return collect(t, db, team, beginning, forever)
}

// ids shortens observations to "channel@sec" for messages.
func ids(obs []activity.Observation) []string {
	var s []string
	for _, o := range obs {
		s = append(s, fmt.Sprintf("%s@%d", o.Channel, int(o.TS.Time().Sub(t0)/time.Second)))
	}
	return s
}

func TestRoundTrip_ObservationPreservesEveryField(t *testing.T) {
	db := storetest.Open(t)
	full := activity.Observation{Team: "T1", Channel: "C1", TS: activity.TSFromTime(t0.Add(time.Second))}
	fill(t, &full)
	parent := full // a thread parent: ThreadTS == TS
	parent.Channel, parent.ThreadTS = "C2", parent.TS
	top := full // a top-level message without thread or mentions
	top.Channel, top.ThreadTS, top.ParentUser, top.Mentions, top.IsBot, top.Kind = "C3", "", "", nil, false, activity.KindIM
	want := []activity.Observation{full, parent, top}
	for _, o := range want {
		record(t, db, o)
	}

	check := func(when string) {
		t.Helper()
		got := allObservations(t, db, "T1")
		if len(got) != len(want) {
			t.Fatalf("%s: Observations gave %d; want %d", when, len(got), len(want))
		}
		for i := range want {
			sameFields(t, fmt.Sprintf("%s Observations[%d]", when, i), got[i], want[i])
			in := collectIn(t, db, "T1", want[i].Channel, beginning, forever)
			if len(in) != 1 {
				t.Fatalf("%s: ObservationsIn(%s) gave %d; want 1", when, want[i].Channel, len(in))
			}
			sameFields(t, fmt.Sprintf("%s ObservationsIn[%d]", when, i), in[0], want[i])
		}
	}
	check("pending:")
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	check("flushed:")
	db = reopen(t, db)
	check("after reopen:")
}

// The privacy contract in the type: an observation has no field that could
// carry free text, only IDs, timestamps, a kind and flags. A new string
// field fails here and needs a decision, not just an encoding.
func TestObservation_HasNoFieldForText(t *testing.T) {
	allowed := map[reflect.Type]bool{
		reflect.TypeFor[activity.TeamID]():      true,
		reflect.TypeFor[activity.ChannelID]():   true,
		reflect.TypeFor[activity.UserID]():      true,
		reflect.TypeFor[activity.TS]():          true,
		reflect.TypeFor[activity.ChannelKind](): true,
		reflect.TypeFor[bool]():                 true,
	}
	rt := reflect.TypeFor[activity.Observation]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if !allowed[ft] {
			t.Errorf("activity.Observation.%s has type %s; observations hold IDs and metadata only (DESIGN.md §2)", f.Name, f.Type)
		}
	}
}

// Message text never reaches the store. The store cannot be given text (see
// TestObservation_HasNoFieldForText), so this is true by construction; the
// test documents the contract at the level that matters, the bytes of the
// file.
func TestObservations_DatabaseFileHoldsNoMessageText(t *testing.T) {
	db := storetest.Open(t)
	// What the Slack adapter sees: text with canaries, and the metadata it
	// keeps.
	type message struct {
		text string
		obs  activity.Observation
	}
	canaries := []string{"CANARY-b71f-salary", "CANARY-0c2e-doctor", "CANARY-93aa-résumé"}
	var msgs []message
	for i, c := range canaries {
		msgs = append(msgs, message{
			text: fmt.Sprintf("hey <@UB> %s see you", c),
			obs:  withParent(obsAt("T1", "CCANARYCHAN", "UA", i, "UB"), "UB"),
		})
	}
	for _, m := range msgs {
		record(t, db, m.obs) // only the metadata crosses into the store
	}
	if err := db.PutManager(people.Manager{Team: "T1", ID: "UB", Members: []activity.UserID{"UA"}}); err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("CCANARYCHAN")) {
		t.Fatal("the channel ID is not in the file either; the test is not looking at the data")
	}
	for _, c := range canaries {
		for _, form := range []string{c, string([]byte(c)[7:])} {
			if bytes.Contains(data, []byte(form)) {
				t.Errorf("database file contains %q, which only ever appeared in message text", form)
			}
		}
	}
}

func TestObservations_TimeRangeAndOrder(t *testing.T) {
	db := storetest.Open(t)
	// Out of order, across channels and workspaces; some on disk, some
	// pending.
	for i, o := range []activity.Observation{
		obsAt("T1", "C2", "UA", 5),
		obsAt("T1", "C1", "UA", 1),
		obsAt("T1", "C1", "UB", 5), // same second as C2@5: channel decides
		obsAt("T2", "C1", "UA", 3),
		obsAt("T1", "C1", "UA", 3),
		obsAt("T1", "C2", "UB", 2),
		obsAt("T1", "C1", "UA", 9),
	} {
		record(t, db, o)
		if i == 3 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	for _, c := range []struct {
		ch       activity.ChannelID
		from, to int
		want     []string
	}{
		{"", 0, 100, []string{"C1@1", "C2@2", "C1@3", "C1@5", "C2@5", "C1@9"}},
		{"", 2, 5, []string{"C2@2", "C1@3"}}, // [from, to)
		{"", 5, 6, []string{"C1@5", "C2@5"}},
		{"", 6, 9, nil},
		{"", 9, 9, nil},
		{"", 9, 2, nil},
		{"C1", 0, 100, []string{"C1@1", "C1@3", "C1@5", "C1@9"}},
		{"C1", 3, 9, []string{"C1@3", "C1@5"}},
		{"C2", 0, 100, []string{"C2@2", "C2@5"}},
		{"C3", 0, 100, nil},
		{"C", 0, 100, nil}, // a prefix of a channel ID is another channel
	} {
		var got []activity.Observation
		if c.ch == "" {
			got = collect(t, db, "T1", at(c.from), at(c.to))
		} else {
			got = collectIn(t, db, "T1", c.ch, at(c.from), at(c.to))
		}
		if g := ids(got); !slices.Equal(g, c.want) {
			t.Errorf("observations in %q [%d, %d) = %v; want %v", c.ch, c.from, c.to, g, c.want)
		}
	}
	if got := ids(allObservations(t, db, "T2")); !slices.Equal(got, []string{"C1@3"}) {
		t.Errorf("T2 observations = %v; want [C1@3]", got)
	}
	if got := allObservations(t, db, "T9"); got != nil {
		t.Errorf("unknown team's observations = %v; want none", got)
	}

	// fn returning false stops the scan.
	var n int
	err := db.Observations("T1", beginning, forever, func(activity.Observation) bool {
		n++
		return n < 2
	})
	if err != nil || n != 2 {
		t.Errorf("Observations stopping after 2 called fn %d times, err %v; want 2, nil", n, err)
	}
}

func TestObservations_ManyInterleavedOnDiskAndPending(t *testing.T) {
	db := storetest.Open(t)
	const total = 2000 // several read chunks
	// Even seconds on disk, odd ones pending; three channels.
	for _, odd := range []int{0, 1} {
		for i := odd; i < total; i += 2 {
			record(t, db, obsAt("T1", activity.ChannelID(fmt.Sprintf("C%d", i%3)), "UA", i))
		}
		if odd == 0 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(got []activity.Observation, ch string, step int) {
		t.Helper()
		want := 0
		if ch == "C1" {
			want = 1
		}
		if ch != "" && len(got) != (total+2-want)/3 {
			t.Errorf("%q: got %d observations", ch, len(got))
		}
		for _, o := range got {
			if sec := int(o.TS.Time().Sub(t0) / time.Second); sec != want {
				t.Fatalf("%q: got %d (%s); want %d next", ch, sec, o.Channel, want)
			}
			want += step
		}
		if ch == "" && want != total {
			t.Errorf("all: got up to %d; want %d", want, total)
		}
	}
	check(allObservations(t, db, "T1"), "", 1)
	check(collectIn(t, db, "T1", "C0", beginning, forever), "C0", 3)
	check(collectIn(t, db, "T1", "C1", beginning, forever), "C1", 3)

	// Stopping in the middle of a chunk, and using the DB from fn.
	var n int
	err := db.Observations("T1", beginning, forever, func(o activity.Observation) bool {
		n++
		if n == 300 {
			record(t, db, obsAt("T1", "C9", "UA", total+1)) // fn may use the DB
		}
		return n < 700
	})
	if err != nil || n != 700 {
		t.Errorf("Observations stopping at 700 called fn %d times, err %v", n, err)
	}
}

func TestRecordObservation_SameMessageAgainReplacesIt(t *testing.T) {
	db := storetest.Open(t)
	o := obsAt("T1", "C1", "UA", 1, "UB")
	record(t, db, o)
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	o.Mentions = []activity.UserID{"UC"}
	record(t, db, o) // pending, shadows the one on disk
	o.Mentions = []activity.UserID{"UD"}
	record(t, db, o) // pending again, newest
	for _, when := range []string{"pending", "flushed"} {
		got := allObservations(t, db, "T1")
		if len(got) != 1 || !slices.Equal(got[0].Mentions, []activity.UserID{"UD"}) {
			t.Errorf("%s: observations = %v; want the last version only", when, got)
		}
		if got := collectIn(t, db, "T1", "C1", beginning, forever); len(got) != 1 {
			t.Errorf("%s: ObservationsIn = %v; want one", when, got)
		}
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordObservation_RejectsWhatCannotBeKeyed(t *testing.T) {
	db := storetest.Open(t)
	good := obsAt("T1", "C1", "UA", 1, "UB")
	for name, change := range map[string]func(o *activity.Observation){
		"no team":         func(o *activity.Observation) { o.Team = "" },
		"no channel":      func(o *activity.Observation) { o.Channel = "" },
		"no ts":           func(o *activity.Observation) { o.TS = "" },
		"malformed ts":    func(o *activity.Observation) { o.TS = "yesterday" },
		"NUL in channel":  func(o *activity.Observation) { o.Channel = "C\x001" },
		"NUL in mention":  func(o *activity.Observation) { o.Mentions = []activity.UserID{"U\x00"} },
		"empty mention":   func(o *activity.Observation) { o.Mentions = []activity.UserID{""} },
		"NUL in parent":   func(o *activity.Observation) { o.ParentUser = "U\x00" },
		"NUL in thread":   func(o *activity.Observation) { o.ThreadTS = "1.0\x00" },
		"NUL in the user": func(o *activity.Observation) { o.User = "U\x00" },
	} {
		o := good
		change(&o)
		if err := db.RecordObservation(o); err == nil {
			t.Errorf("RecordObservation with %s succeeded; want an error", name)
		}
	}
	if got := allObservations(t, db, "T1"); got != nil {
		t.Errorf("observations after refused records = %v; want none", got)
	}
	if err := db.ObservationsIn("T1", "", beginning, forever, func(activity.Observation) bool { return true }); err == nil {
		t.Error("ObservationsIn with no channel succeeded; want an error")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordObservation(good); !errors.Is(err, store.ErrClosed) {
		t.Errorf("RecordObservation after Close = %v; want ErrClosed", err)
	}
	if _, err := db.ForgetUser("T1", "UA"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("ForgetUser after Close = %v; want ErrClosed", err)
	}
}

func TestPurgeObservations_AllTeamsBeforeTheCut(t *testing.T) {
	db := storetest.Open(t)
	for sec := 1; sec <= 6; sec++ {
		record(t, db, obsAt("T1", "C1", "UA", sec))
		record(t, db, obsAt("T2", "C2", "UA", sec))
		if sec == 4 {
			if err := db.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cut := t0.Add(4 * time.Second)
	n, err := db.PurgeObservations(cut)
	if err != nil || n != 6 {
		t.Fatalf("PurgeObservations(t0+4s) = %d, %v; want 6", n, err)
	}
	for _, c := range []struct {
		team activity.TeamID
		ch   activity.ChannelID
	}{{"T1", "C1"}, {"T2", "C2"}} {
		want := []string{fmt.Sprintf("%s@4", c.ch), fmt.Sprintf("%s@5", c.ch), fmt.Sprintf("%s@6", c.ch)}
		if got := ids(allObservations(t, db, c.team)); !slices.Equal(got, want) {
			t.Errorf("%s after purge = %v; want %v", c.team, got, want)
		}
		if got := ids(collectIn(t, db, c.team, c.ch, beginning, forever)); !slices.Equal(got, want) {
			t.Errorf("%s/%s after purge = %v; want %v", c.team, c.ch, got, want)
		}
	}
	if err := db.Check(); err != nil { // index matches
		t.Error(err)
	}
	if n, err := db.PurgeObservations(cut); err != nil || n != 0 {
		t.Errorf("second PurgeObservations = %d, %v; want 0", n, err)
	}
}

func TestPruneObservations_DeletesWhatKeepRejects(t *testing.T) {
	db := storetest.Open(t)
	for sec, u := range []activity.UserID{"UA", "UB", "UA", "UC", "UB"} {
		record(t, db, obsAt("T1", activity.ChannelID(fmt.Sprintf("C%d", sec%2)), u, sec))
	}
	record(t, db, obsAt("T2", "C1", "UB", 1))
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	record(t, db, obsAt("T1", "C1", "UB", 7)) // pending

	n, err := db.PruneObservations("T1", func(o activity.Observation) bool { return o.User != "UB" })
	if err != nil || n != 3 {
		t.Fatalf("PruneObservations(drop UB) = %d, %v; want 3", n, err)
	}
	if got, want := ids(allObservations(t, db, "T1")), []string{"C0@0", "C0@2", "C1@3"}; !slices.Equal(got, want) {
		t.Errorf("T1 after prune = %v; want %v", got, want)
	}
	if got, want := ids(collectIn(t, db, "T1", "C1", beginning, forever)), []string{"C1@3"}; !slices.Equal(got, want) {
		t.Errorf("T1/C1 after prune = %v; want %v", got, want)
	}
	if got := allObservations(t, db, "T2"); len(got) != 1 {
		t.Errorf("T2 after pruning T1 = %v; want untouched", got)
	}
	if n, err := db.PruneObservations("T9", func(activity.Observation) bool { return false }); err != nil || n != 0 {
		t.Errorf("PruneObservations(unknown team) = %d, %v; want 0", n, err)
	}
}

func TestForgetObservationsOf_DeletesTheirsAndRewritesMentions(t *testing.T) {
	db := storetest.Open(t)
	for _, o := range []activity.Observation{
		obsAt("T1", "C1", "UX", 1, "UA"),
		obsAt("T1", "C1", "UA", 2, "UB", "UX", "UC"),
		withParent(obsAt("T1", "C2", "UA", 3), "UX"),
		obsAt("T1", "C2", "UA", 4, "UB"),
		obsAt("T2", "C1", "UX", 1),
	} {
		record(t, db, o)
	}
	n, err := db.ForgetObservationsOf("T1", "UX")
	if err != nil || n != 3 {
		t.Fatalf("ForgetObservationsOf(UX) = %d, %v; want 3", n, err)
	}
	want := []activity.Observation{
		obsAt("T1", "C1", "UA", 2, "UB", "UC"),
		withParent(obsAt("T1", "C2", "UA", 3), ""),
		obsAt("T1", "C2", "UA", 4, "UB"),
	}
	if got := allObservations(t, db, "T1"); !reflect.DeepEqual(got, want) {
		t.Errorf("after forget:\n%v\nwant\n%v", got, want)
	}
	if got := ids(collectIn(t, db, "T1", "C1", beginning, forever)); !slices.Equal(got, []string{"C1@2"}) {
		t.Errorf("T1/C1 after forget = %v; want [C1@2]", got)
	}
	if got := allObservations(t, db, "T2"); len(got) != 1 {
		t.Errorf("T2 after forget in T1 = %v; want untouched", got)
	}
	if n, err := db.ForgetObservationsOf("T1", "UX"); err != nil || n != 0 {
		t.Errorf("second ForgetObservationsOf = %d, %v; want 0", n, err)
	}
}

func TestObservations_RecordedBeforeCloseSurviveRestart(t *testing.T) {
	db := storetest.Open(t)
	var want []string
	for sec := range 50 {
		record(t, db, obsAt("T1", "C1", "UA", sec, "UB"))
		want = append(want, fmt.Sprintf("C1@%d", sec))
	}
	// No Flush: Close writes what is pending.
	db = reopen(t, db)
	if got := ids(allObservations(t, db, "T1")); !slices.Equal(got, want) {
		t.Errorf("after restart: %d observations; want %d", len(got), len(want))
	}
}

func TestRecordObservation_ConcurrentLosesNothing(t *testing.T) {
	db := storetest.Open(t)
	const workers, per = 16, 300
	var (
		wg    sync.WaitGroup
		reads atomic.Int64
		stop  = make(chan struct{})
	)
	// A reader scans while the writers write.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var prev activity.Observation
			err := db.Observations("T1", beginning, forever, func(o activity.Observation) bool {
				if pt, ot := prev.TS.Time(), o.TS.Time(); prev.TS != "" && (ot.Before(pt) || ot.Equal(pt) && o.Channel <= prev.Channel) {
					t.Errorf("scan gave %s/%s after %s/%s", o.Channel, o.TS, prev.Channel, prev.TS)
					return false
				}
				prev = o
				return true
			})
			if err != nil {
				t.Error(err)
				return
			}
			reads.Add(1)
		}
	}()
	for w := range workers {
		wg.Go(func() {
			ch := activity.ChannelID(fmt.Sprintf("C%d", w))
			for i := range per {
				if err := db.RecordObservation(obsAt("T1", ch, "UA", i, "UB")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-readerDone

	db = reopen(t, db)
	got := allObservations(t, db, "T1")
	if len(got) != workers*per {
		t.Errorf("after %d concurrent records and a restart: %d observations", workers*per, len(got))
	}
	for w := range workers {
		ch := activity.ChannelID(fmt.Sprintf("C%d", w))
		if n := len(collectIn(t, db, "T1", ch, beginning, forever)); n != per {
			t.Errorf("channel %s has %d observations; want %d", ch, n, per)
		}
	}
}

// BenchmarkRecordObservation measures RecordObservation with real fsync.
// "serial" and "parallel" time the calls only; "sustained" includes writing
// everything (a Flush at the end), the rate the store can keep up
// indefinitely.
func BenchmarkRecordObservation(b *testing.B) {
	open := func(b *testing.B) *store.DB {
		db, err := store.Open(b.TempDir()+"/bench.db", store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	var seq atomic.Int64
	next := func() activity.Observation {
		n := seq.Add(1)
		o := obsAt("T1", activity.ChannelID(fmt.Sprintf("C%d", n%50)), "UAUTHOR1", 0, "UMENTION1", "UMENTION2")
		o.TS = activity.TSFromTime(t0.Add(time.Duration(n) * time.Millisecond))
		return withParent(o, "UPARENT1")
	}
	run := func(b *testing.B, parallel, flush bool) {
		db := open(b)
		b.ReportAllocs()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.RecordObservation(next()); err != nil {
						b.Error(err)
						return
					}
				}
			})
		} else {
			for b.Loop() {
				if err := db.RecordObservation(next()); err != nil {
					b.Fatal(err)
				}
			}
		}
		if flush {
			if err := db.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("serial", func(b *testing.B) { run(b, false, false) })
	b.Run("parallel", func(b *testing.B) { run(b, true, false) })
	b.Run("sustained", func(b *testing.B) { run(b, true, true) })
}

// BenchmarkObservationsIn reads one channel's last hour out of a day of
// traffic in 50 channels.
func BenchmarkObservationsIn(b *testing.B) {
	db, err := store.Open(b.TempDir()+"/bench.db", store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const perDay = 120_000 // 100 an hour in each channel
	for i := range perDay {
		o := obsAt("T1", activity.ChannelID(fmt.Sprintf("C%d", i%50)), "UA", 0, "UB")
		o.TS = activity.TSFromTime(t0.Add(time.Duration(i) * (24 * time.Hour / perDay)))
		if err := db.RecordObservation(o); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	from, to := t0.Add(23*time.Hour), t0.Add(24*time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := db.ObservationsIn("T1", "C7", from, to, func(activity.Observation) bool { n++; return true }); err != nil {
			b.Fatal(err)
		}
		if n != 100 {
			b.Fatalf("read %d; want 100", n)
		}
	}
}

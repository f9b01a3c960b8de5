package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/nudge"
	"github.com/trustnudge/trustnudge/internal/slackfake"
)

// These tests drive the weekly digest job themselves on the fake clock, as
// the nudge tests drive the sweep. The real scheduler runs beside them (on
// the wall clock); wherever it could run, the tests have run the job at the
// same fake moment, so it can change nothing they check.

// dmChannel is the app's DM with user, as conversations.open answered.
func dmChannel(t *testing.T, fake *slackfake.Server, user string) string {
	t.Helper()
	for _, c := range fake.CallsTo("conversations.open") {
		if c.Params.Get("users") != user {
			continue
		}
		var r struct {
			Channel struct{ ID string } `json:"channel"`
		}
		if err := json.Unmarshal(c.Response, &r); err == nil && r.Channel.ID != "" {
			return r.Channel.ID
		}
	}
	return ""
}

// digestsTo lists the digests posted to user's DM, as plain text, with when
// they were posted.
func digestsTo(t *testing.T, fake *slackfake.Server, user string) []sentDigest {
	t.Helper()
	dm := dmChannel(t, fake, user)
	var out []sentDigest
	for _, c := range fake.CallsTo("chat.postMessage") {
		raw := c.Params.Get("blocks")
		if dm == "" || c.Params.Get("channel") != dm || !strings.Contains(raw, `|weekly_digest"`) {
			continue
		}
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
			t.Fatalf("digest blocks do not decode: %v", err)
		}
		out = append(out, sentDigest{
			text: nudge.PlainText(nudge.Message{Text: c.Params.Get("text"), Blocks: blocks.BlockSet}, nil),
			at:   c.At,
		})
	}
	return out
}

type sentDigest struct {
	text string
	at   time.Time
}

// runDigests runs the weekly digest job at the fake moment at.
func runDigests(t *testing.T, cb *clockBot, clk *clock.Fake, at time.Time) {
	t.Helper()
	clk.Set(at)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := cb.engine.Digests(ctx); err != nil {
		t.Fatalf("digests at %v: %v\n%s", at, err, cb.logs.String())
	}
}

func wantDigests(t *testing.T, fake *slackfake.Server, user string, n int) []sentDigest {
	t.Helper()
	ds := digestsTo(t, fake, user)
	if len(ds) != n {
		var texts []string
		for _, d := range ds {
			texts = append(texts, d.text)
		}
		t.Fatalf("%s got %d digests; want %d:\n%s", user, len(ds), n, strings.Join(texts, "\n---\n"))
	}
	return ds
}

func containsAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// reply posts user's answer in the thread of ts.
func (cb *clockBot) reply(t *testing.T, fake *slackfake.Server, user, ts string) {
	t.Helper()
	cb.post(t, fake, "C1TEAM", user, "answer", ts)
}

func TestDigest_TwoWeeksOfWorkGiveOneMondayDigestAtNineBerlin(t *testing.T) {
	clk := clock.NewFake(at(-7, 8, 0)) // Monday 9 November, 08:00 in Berlin
	fake := nudgeFake(t, clk)
	db := tempDB(t)
	cb := startClockBot(t, fake, clk, db)
	setUpMaya(t, fake)

	// The week of 9 November: two messages reach Alex at night, and a
	// question from Alex waits two working hours.
	clk.Set(at(-7, 22, 30))
	cb.post(t, fake, "C1TEAM", "U1MGR", "late thought <@U2ALEX>", "")
	clk.Set(at(-6, 23, 0))
	cb.post(t, fake, "C1TEAM", "U1MGR", "another one <@U2ALEX>", "")
	clk.Set(at(-5, 13, 0))
	ask := cb.post(t, fake, "C1TEAM", "U2ALEX", "<@U1MGR> a question", "")
	clk.Set(at(-5, 15, 0)) // 09:00 in New York: inside everyone's hours
	cb.reply(t, fake, "U1MGR", ask)

	// Monday 16 November, 09:00: the digest about that week goes out.
	runDigests(t, cb, clk, at(0, 9, 0))
	first := wantDigests(t, fake, "U1MGR", 1)[0]
	containsAll(t, "the first digest", first.text, "Your week with the team: Mon 9 – Sun 15 Nov",
		"• After hours: 2 of your messages reached someone on your team outside their working hours this week.",
		"with a median reply time of 2 working hours.")

	// The week of 16 November: no message after hours, three questions
	// answered in 10, 20 and 30 working minutes, one left waiting since
	// Thursday afternoon (more than a working day by Monday) and one since
	// Friday morning (not yet). Every message of Maya's is sent 15:00-18:00
	// in Berlin, 09:00-12:00 in New York.
	clk.Set(at(0, 15, 0))
	ask = cb.post(t, fake, "C1TEAM", "U3SAM", "<@U1MGR> can you look?", "")
	clk.Set(at(0, 15, 10))
	cb.reply(t, fake, "U1MGR", ask)
	clk.Set(at(0, 15, 20))
	ask = cb.post(t, fake, "C1TEAM", "U2ALEX", "<@U1MGR> and this?", "")
	clk.Set(at(0, 15, 40))
	cb.reply(t, fake, "U1MGR", ask)
	clk.Set(at(0, 15, 50))
	cb.post(t, fake, "C1TEAM", "U2ALEX", "<@U1MGR> one more on this", ask)
	clk.Set(at(0, 16, 20))
	cb.reply(t, fake, "U1MGR", ask)
	clk.Set(at(3, 16, 0))
	cb.post(t, fake, "C1TEAM", "U3SAM", "<@U1MGR> when you have a minute", "")
	clk.Set(at(4, 10, 0))
	cb.post(t, fake, "C1TEAM", "U2ALEX", "<@U1MGR> one for Monday", "")

	runDigests(t, cb, clk, at(6, 20, 0)) // Sunday evening
	runDigests(t, cb, clk, at(7, 8, 59)) // Monday 23 November, 08:59
	wantDigests(t, fake, "U1MGR", 1)
	runDigests(t, cb, clk, at(7, 9, 0))  // 09:00
	runDigests(t, cb, clk, at(7, 9, 15)) // and the next run
	d := wantDigests(t, fake, "U1MGR", 2)[1]
	if !d.at.Equal(at(7, 9, 0)) {
		t.Errorf("digest posted at %v; want Monday 23 November 09:00 in Berlin", d.at)
	}
	containsAll(t, "the digest", d.text,
		"Your week with the team: Mon 16 – Sun 22 Nov",
		"the week that just ended, Monday 16 to Sunday 22 November in your time zone",
		":sparkles: No after-hours messages this week.",
		"Your median reply time improved: 20 working minutes, down from 2 working hours the week before.",
		"• After hours: none of your messages reached your team outside their working hours this week (2 the week before).",
		"• Last 2 weeks: `█▁` 2 → 0 after-hours messages, from the week of 9 Nov to this week.",
		"• Requests from your team: 5 this week; you answered 3, with a median reply time of 20 working minutes.",
		"• Waiting now: 2 requests from your team, 1 of them for more than a working day.",
		"• Team norm: none agreed yet.",
		"Try this:", "Why it matters:",
		"[Ask my team about messaging hours] [Stop weekly digests]",
	)
	for _, secret := range []string{"a question", "can you look", "one for Monday"} {
		if strings.Contains(d.text, secret) {
			t.Errorf("the digest quotes a message: %q", secret)
		}
	}

	// The App Home shows the same trend, with this week so far.
	fake.SendEvent(map[string]any{"type": "app_home_opened", "user": "U1MGR", "channel": "D1MGR", "tab": "home"})
	waitHome(t, fake, "U1MGR", "`█▁▁` 2 → 0 → 0")
	waitHome(t, fake, "U1MGR", "nothing answered yet this week (last week: 20 working minutes)")

	// A restart after the digest went out sends nothing again.
	cb.stop(t)
	cb = startClockBot(t, fake, clk, db)
	runDigests(t, cb, clk, at(7, 9, 30))
	runDigests(t, cb, clk, at(8, 10, 0))
	wantDigests(t, fake, "U1MGR", 2)

	// What the digest keeps names no team member, channel or message.
	cb.stop(t)
	checkWeeklyRecordsNameNoOne(t, db, "U2ALEX", "U3SAM", "C1TEAM", ask)
}

// checkWeeklyRecordsNameNoOne reads the weekly counts, their marks and the
// digest records straight from the file and fails on any of needles.
func checkWeeklyRecordsNameNoOne(t *testing.T, path string, needles ...string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	seen := 0
	err = bdb.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, tb *bbolt.Bucket) error {
			if !strings.HasPrefix(string(name), "team:") {
				return nil
			}
			for _, bucket := range []string{"weeks", "week_marks", "digests"} {
				b := tb.Bucket([]byte(bucket))
				if b == nil {
					continue
				}
				err := b.ForEach(func(k, v []byte) error {
					seen++
					for _, n := range needles {
						if strings.Contains(string(k), n) || strings.Contains(string(v), n) {
							t.Errorf("%s holds %q: key %q", bucket, n, k)
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Error("no weekly records found; the check proves nothing")
	}
}

func TestDigest_EachManagerAtNineInTheirOwnZone(t *testing.T) {
	clk := clock.NewFake(at(0, 8, 0))
	fake := nudgeFake(t, clk)
	fake.AddUser(slackfake.User{ID: "U5NIA", Name: "nia", TZ: "America/New_York"})
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	say(t, fake, "U5NIA", "optin")
	say(t, fake, "U5NIA", "team <@U3SAM>")
	// Nia starts at 08:00, but the digest waits for 09:00.
	expectReply(t, fake, "U5NIA", "hours Mon-Fri 08:00-17:00", "America/New_York")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}

	runDigests(t, cb, clk, at(7, 9, 0)) // 09:00 in Berlin, 03:00 in New York
	wantDigests(t, fake, "U1MGR", 1)
	wantDigests(t, fake, "U5NIA", 0)
	runDigests(t, cb, clk, time.Date(2026, 11, 23, 8, 59, 0, 0, ny))
	wantDigests(t, fake, "U5NIA", 0)
	runDigests(t, cb, clk, time.Date(2026, 11, 23, 9, 0, 0, 0, ny))
	d := wantDigests(t, fake, "U5NIA", 1)[0]
	if !d.at.Equal(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("Nia's digest came at %v; want 09:00 in New York", d.at.UTC())
	}
	containsAll(t, "Nia's digest", d.text, "Your week with the team: Mon 16 – Sun 22 Nov", "in your time zone")
	wantDigests(t, fake, "U1MGR", 1)
}

func TestDigest_HoursWithoutMondayGetItAtTheFirstWorkingHour(t *testing.T) {
	clk := clock.NewFake(at(0, 8, 0))
	fake := nudgeFake(t, clk)
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	expectReply(t, fake, "U1MGR", "hours Tue-Fri 10:00-18:00", "Tue-Fri 10:00-18:00")

	for _, when := range []time.Time{at(7, 9, 0), at(7, 12, 0), at(8, 9, 45)} { // Monday 09:00, Monday noon, Tuesday 09:45
		runDigests(t, cb, clk, when)
		wantDigests(t, fake, "U1MGR", 0)
	}
	runDigests(t, cb, clk, at(8, 10, 0))
	runDigests(t, cb, clk, at(9, 10, 0))
	d := wantDigests(t, fake, "U1MGR", 1)[0]
	if !d.at.Equal(at(8, 10, 0)) {
		t.Errorf("digest came at %v; want Tuesday 10:00, the first working hour of the week", d.at)
	}
}

func TestDigest_OnDemandRepliesAndSendsADM(t *testing.T) {
	clk := clock.NewFake(at(0, 8, 0))
	fake := nudgeFake(t, clk)
	cb := startClockBot(t, fake, clk, tempDB(t))
	setUpMaya(t, fake)
	clk.Set(at(1, 22, 0))
	cb.post(t, fake, "C1TEAM", "U1MGR", "late <@U2ALEX>", "")

	clk.Set(at(2, 14, 5)) // Wednesday
	expectReply(t, fake, "U1MGR", "digest", "Sent", "direct messages", "Monday")
	d := wantDigests(t, fake, "U1MGR", 1)[0]
	containsAll(t, "the digest asked for", d.text,
		"Your week so far: since Mon 16 Nov",
		"from Monday 16 November to now (Wednesday 18 November 14:05, your time)",
		"• After hours: 1 message of yours reached someone on your team outside their working hours so far this week.",
	)
	// It is not the weekly one: Monday's still comes.
	runDigests(t, cb, clk, at(7, 9, 0))
	wantDigests(t, fake, "U1MGR", 2)
	// Someone not opted in is told how to start.
	expectReply(t, fake, "U3SAM", "digest", "optin")
	wantDigests(t, fake, "U3SAM", 0)
}

package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRun_TellsTheWeekWithMetadataOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := Run(ctx, Options{Out: &out, Version: "test"}); err != nil {
		t.Fatalf("Run() = %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Connected over Socket Mode.",
		"Mon 09:05  #team-web  Maya (manager)  posted, mentioning Sam",
		"Sam             replied in a thread started by Maya (manager)",
		"Alex            reacted to Maya (manager)'s message",
		"Tue 22:47  #team-web  Maya (manager)  posted, mentioning Alex and Priya",
		"not counted: Maya edited a message",
		"not counted: a deploy bot posted",
		"not counted: Noor joined the channel",
		"the bot acked both deliveries and counted the message once.",
		"1 duplicate skipped",
		"Maya gets a nudge privately in #team-web",
		"Maya gets a nudge as a direct message from trustnudge",
		"Schedule send",
		"trustnudge posts the poll in #team-web",
		"Only Alex sees: You chose",
		"3 people voted",
		"This team agreed on its messaging norm",
		"── Monday 23 November, 09:00: a new week ──",
		"Maya gets her weekly digest as a direct message from trustnudge:",
		"── Before installing: what would trustnudge have said? ──",
		"Every count matches what the generator planted.",
		"│ Your week with the team: Mon 16 – Sun 22 Nov",
		"the week that just ended, Monday 16 to Sunday 22 November",
		"• After hours: 4 of your messages reached someone on your team outside their working hours this week.",
		"• Requests from your team: 5 this week; you answered 3, with a median reply time of 4 working hours 40 min.",
		"• Team norm: `Mon-Fri 08:00-16:00 Europe/Berlin` agreed with your team",
		"[Stop weekly digests]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q\n%s", want, got)
		}
	}
	for _, s := range script {
		if len(s.text) > 12 && strings.Contains(got, s.text) {
			t.Errorf("demo output contains message text %q", s.text)
		}
	}
}

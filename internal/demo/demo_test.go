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

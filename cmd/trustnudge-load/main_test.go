package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLoad_TinyRunReportsEveryField(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot under load for a few seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-burst", "500", "-rate", "50", "-duration", "2s", "-json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; want 0\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	var r Report
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, stdout.String())
	}
	t.Logf("%+v", r)

	if r.Burst != 500 || r.Rate != 50 || r.Duration != "2s" || r.Window <= 0 {
		t.Errorf("report echoes burst %d, rate %d, duration %q, window %d", r.Burst, r.Rate, r.Duration, r.Window)
	}
	// 2 s at 50/s is about 100 envelopes after the burst, one in 20 a vote
	// and one in 20 a status command.
	if r.Events < 500+80 || r.Votes < 4 || r.Commands < 4 {
		t.Errorf("sent %d events, %d votes, %d commands; want ≥ 580, ≥ 4, ≥ 4", r.Events, r.Votes, r.Commands)
	}
	if r.Envelopes != r.Events+r.Votes+r.Commands {
		t.Errorf("envelopes_sent %d ≠ %d events + %d votes + %d commands", r.Envelopes, r.Events, r.Votes, r.Commands)
	}
	if !r.OK || r.AckedWithin3s != r.Envelopes || r.NotAcked != 0 || r.Late != 0 {
		t.Errorf("acked within 3s %d of %d (never %d, late %d, ok %v)", r.AckedWithin3s, r.Envelopes, r.NotAcked, r.Late, r.OK)
	}
	if r.Observed != r.Events || r.VoteReplies != r.Votes || r.CommandReplies != r.Commands {
		t.Errorf("handled %d/%d events, %d/%d votes, %d/%d commands", r.Observed, r.Events, r.VoteReplies, r.Votes, r.CommandReplies, r.Commands)
	}
	if !(0 < r.AckP50Ms && r.AckP50Ms <= r.AckP99Ms && r.AckP99Ms <= r.AckMaxMs && r.AckMaxMs <= 3000) {
		t.Errorf("ack latency p50 %.1f, p99 %.1f, max %.1f ms; want 0 < p50 ≤ p99 ≤ max ≤ 3000", r.AckP50Ms, r.AckP99Ms, r.AckMaxMs)
	}
	if r.BurstP50Ms <= 0 || r.BurstP99Ms < r.BurstP50Ms || r.SteadyP50Ms <= 0 || r.SteadyP99Ms < r.SteadyP50Ms || r.CommandP99Ms <= 0 {
		t.Errorf("phase latencies: burst %.1f/%.1f, steady %.1f/%.1f, commands p99 %.1f ms", r.BurstP50Ms, r.BurstP99Ms, r.SteadyP50Ms, r.SteadyP99Ms, r.CommandP99Ms)
	}
	if r.BurstEventsPerSec <= 0 || r.BurstAckedPerSec < r.BurstEventsPerSec*0.5 || r.BurstSeconds <= 0 || r.SteadyPerSec <= 0 {
		t.Errorf("throughput: burst %.0f/s handled, %.0f/s acked in %.2fs; steady %.1f/s", r.BurstEventsPerSec, r.BurstAckedPerSec, r.BurstSeconds, r.SteadyPerSec)
	}
	if r.RSSBeforeMB <= 0 || r.RSSAfterBurstMB <= 0 || r.RSSAfterMB <= 0 || r.HeapBeforeMB <= 0 || r.HeapAfterMB <= 0 {
		t.Errorf("memory: RSS %.1f / %.1f / %.1f MB, heap %.1f / %.1f MB", r.RSSBeforeMB, r.RSSAfterBurstMB, r.RSSAfterMB, r.HeapBeforeMB, r.HeapAfterMB)
	}
	if r.GoroutinesBefore <= 0 || r.GoroutinesAfter <= 0 || r.GoroutinesAfter > r.GoroutinesBefore+10 {
		t.Errorf("goroutines %d before, %d after; want flat", r.GoroutinesBefore, r.GoroutinesAfter)
	}
}

func TestLoad_TextReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bot")
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-burst", "50", "-rate", "20", "-duration", "500ms"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"envelopes sent", "acked within 3s", "p50", "p99", "events/s", "RSS", "goroutines", "OK:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestLoad_UsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{{"-rate", "0"}, {"-burst", "-1"}, {"-nosuchflag"}, {"extra"}, {"-duration", "soon"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d; want 2", args, code)
		}
		if stderr.Len() == 0 {
			t.Errorf("%v: nothing on stderr", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-burst") {
		t.Errorf("-h: exit %d, stderr %q; want 0 and the flags", code, stderr.String())
	}
}

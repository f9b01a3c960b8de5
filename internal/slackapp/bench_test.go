package slackapp

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/slackfake"
	"github.com/trustnudge/trustnudge/internal/store/storetest"
)

// countingSink signals when it has seen want observations.
type countingSink struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (s *countingSink) Observe(context.Context, activity.Observation) error {
	if s.n.Add(1) == s.want {
		close(s.done)
	}
	return nil
}
func (s *countingSink) React(context.Context, activity.Reaction) error { return nil }

// benchBot connects a real App, with a real store for dedupe, to the
// emulator over a loopback websocket.
func benchBot(b *testing.B, sink Sink) *slackfake.Server {
	fake, err := slackfake.New(slackfake.Options{AckTimeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: "U1", Name: "a", TZ: "UTC"})
	fake.AddChannel(slackfake.Channel{ID: "C1", Name: "c", Members: []string{"U1", fake.Options().BotUserID}})
	db := storetest.Open(b)
	app := New(Options{
		AppToken: fake.Options().AppToken, BotToken: fake.Options().BotToken, APIURL: fake.APIURL(),
		Sink: sink, Events: db, Inbox: db,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := fake.WaitConnections(wctx, 1); err != nil {
		b.Fatal(err)
	}
	return fake
}

func benchEvent(i int) map[string]any {
	return map[string]any{
		"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
		"ts": fmt.Sprintf("1700000000.%06d", i%1000000), "text": "hello <@U2> how are you",
	}
}

// ackLatencies returns send→ack durations for the given envelopes.
func ackLatencies(b *testing.B, fake *slackfake.Server, sent map[string]time.Time) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for id := range sent {
		if _, err := fake.WaitAck(ctx, id); err != nil {
			b.Fatalf("envelope %s not acked: %v", id, err)
		}
	}
	lat := make([]time.Duration, 0, len(sent))
	for _, a := range fake.Acks() {
		if t0, ok := sent[a.EnvelopeID]; ok {
			lat = append(lat, a.At.Sub(t0))
		}
	}
	if len(lat) != len(sent) {
		b.Fatalf("%d of %d envelopes acked", len(lat), len(sent))
	}
	slices.Sort(lat)
	return lat
}

func pct(lat []time.Duration, p float64) time.Duration {
	return lat[min(len(lat)-1, int(float64(len(lat))*p))]
}

// BenchmarkIngest_Throughput sends message events as fast as the emulator
// can write them and measures until the core has seen every one.
func BenchmarkIngest_Throughput(b *testing.B) {
	sink := &countingSink{want: int64(b.N), done: make(chan struct{})}
	fake := benchBot(b, sink)
	sent := make(map[string]time.Time, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		sent[fake.SendEventWithID(benchEvent(i), fmt.Sprintf("Ev%09d", i))] = t0
	}
	select {
	case <-sink.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("core saw %d of %d events", sink.n.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lat := ackLatencies(b, fake, sent)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99-ack-ms(unpaced)")
}

// BenchmarkIngest_AckLatencyAt10k sends events at 10,000 per second, the
// issue's target rate, and reports the send→ack latency percentiles.
func BenchmarkIngest_AckLatencyAt10k(b *testing.B) {
	const rate = 10000
	const batch = 50 // events per tick; a tick every 5 ms
	sink := &countingSink{want: int64(b.N), done: make(chan struct{})}
	fake := benchBot(b, sink)
	sent := make(map[string]time.Time, b.N)
	tick := time.NewTicker(time.Second * batch / rate)
	defer tick.Stop()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; {
		<-tick.C
		for j := 0; j < batch && i < b.N; j, i = j+1, i+1 {
			t0 := time.Now()
			sent[fake.SendEventWithID(benchEvent(i), fmt.Sprintf("Ev%09d", i))] = t0
		}
	}
	select {
	case <-sink.done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("core saw %d of %d events", sink.n.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lat := ackLatencies(b, fake, sent)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(pct(lat, 0.50).Microseconds())/1000, "p50-ack-ms")
	b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99-ack-ms")
}

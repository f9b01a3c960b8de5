package schedule

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestAdd_BadSpecNamesJob(t *testing.T) {
	s := New(time.UTC, nil)
	err := s.Add(Job{Name: "purge-events", Spec: "every five minutes", Run: func(context.Context) error { return nil }})
	if err == nil || !strings.Contains(err.Error(), "purge-events") || !strings.Contains(err.Error(), "every five minutes") {
		t.Fatalf("Add(bad spec) = %v; want error naming job and spec", err)
	}
}

func TestRun_RunsJobsAndStopsCleanly(t *testing.T) {
	s := New(time.UTC, nil)
	ran := make(chan struct{}, 10)
	stopped := make(chan struct{})
	if err := s.Add(Job{Name: "tick", Spec: "@every 1s", Run: func(ctx context.Context) error {
		ran <- struct{}{}
		<-ctx.Done() // a long job: Run must wait for it
		close(stopped)
		return errors.New("stopped")
	}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not run within 5s")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	select {
	case <-stopped:
	default:
		t.Fatal("Run returned before the running job finished")
	}
}

func TestSpecs_NextIsTimeZoneAware(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cron.ParseStandard("CRON_TZ=Europe/Berlin 0 9 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	// Sunday 29 March 2026 is the spring DST change in Berlin.
	from := time.Date(2026, 3, 28, 12, 0, 0, 0, berlin)
	got := sched.Next(from)
	want := time.Date(2026, 3, 30, 9, 0, 0, 0, berlin)
	if !got.Equal(want) {
		t.Errorf("Next(%v) = %v; want %v", from, got, want)
	}
}

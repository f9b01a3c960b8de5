// Package schedule runs trustnudge's periodic jobs (purges, sweeps, digests,
// poll deadlines) on robfig/cron, with logging and a clean stop.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one periodic task. It gets a context that ends when the scheduler
// stops, and should return promptly then.
type Job struct {
	Name string
	Spec string // standard cron spec or descriptor such as "@every 5m"
	Run  func(ctx context.Context) error
}

// Scheduler runs jobs until stopped.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	// stopping silences cron's own "stop" line: cron logs it from its
	// goroutine after Stop has returned, which would outlive Run.
	stopping *atomic.Bool
}

// New returns a scheduler that evaluates specs in loc.
func New(loc *time.Location, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopping := new(atomic.Bool)
	cl := cronLogger{log: log, stopping: stopping}
	return &Scheduler{
		cron: cron.New(
			cron.WithLocation(loc),
			cron.WithLogger(cl),
			// A job still running when its next turn comes is skipped, not
			// stacked: sweeps and purges catch up on their next run.
			cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
		),
		log:      log,
		ctx:      ctx,
		stop:     stop,
		stopping: stopping,
	}
}

// Add registers a job. A bad spec is an error naming the job.
func (s *Scheduler) Add(j Job) error {
	if _, err := cron.ParseStandard(j.Spec); err != nil {
		return fmt.Errorf("schedule: job %s: bad spec %q: %w", j.Name, j.Spec, err)
	}
	_, err := s.cron.AddFunc(j.Spec, func() {
		start := time.Now()
		if err := j.Run(s.ctx); err != nil {
			s.log.Error("scheduled job failed", "job", j.Name, "err", err)
			return
		}
		s.log.Debug("scheduled job done", "job", j.Name, "took", time.Since(start))
	})
	if err != nil {
		return fmt.Errorf("schedule: job %s: %w", j.Name, err)
	}
	return nil
}

// Run starts the jobs and blocks until ctx ends, then stops the scheduler
// and waits for running jobs to finish.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cron.Start()
	<-ctx.Done()
	s.stop()
	s.stopping.Store(true)
	<-s.cron.Stop().Done()
	return nil
}

// cronLogger bridges cron's logger to slog.
type cronLogger struct {
	log      *slog.Logger
	stopping *atomic.Bool
}

func (l cronLogger) Info(msg string, kv ...any) {
	if l.stopping.Load() {
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

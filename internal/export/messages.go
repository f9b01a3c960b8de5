package export

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// How Messages streams: day files are per calendar day in a zone nobody
// wrote down, so the dates are taken in order. Workers decode the files of
// the next few dates in parallel (at most window files at a time, or one
// date whole), each into a sorted run. The caller's goroutine merges the
// runs of each date with what is left of earlier ones, delivers everything
// up to the first message of the next date that has any, and keeps the
// rest for the next round. So what is held is the metadata of about two
// dates, or of window files when dates are small.

// dateState is one date of day files on its way through Messages.
type dateState struct {
	parts  []part
	left   atomic.Int32 // files still being decoded
	weight int64        // semaphore weight held while in flight
	done   chan struct{}
}

// part is what became of one day file.
type part struct {
	run      []rec // sorted
	err      error // the file was skipped whole
	problems []problem
}

type job struct{ k, i int }

// Messages calls fn for every message, in nondecreasing ts order across all
// conversations (ties broken by channel then ts string, deterministic),
// until fn returns an error (returned as is) or ctx ends (ctx.Err() is
// returned). Day files are decoded in parallel. A day file that is not
// valid JSON, or is not an array of objects, is skipped with a Warn (the
// rest of the export is still read); a message object of the wrong shape
// (e.g. "ts" a number) is skipped with a Warn. fn must not keep m; the
// slices in it (Mentions, Reactors) are its own and may be kept.
//
// A message whose day file is more than a day out of place, so that it
// comes after later messages were delivered, is skipped with a Warn.
func (x *Export) Messages(ctx context.Context, fn func(m *Message) error) error {
	if err := ctx.Err(); err != nil || len(x.dates) == 0 {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	workers := x.opts.workers()
	window := int64(max(4*workers, 8))
	states := make([]dateState, len(x.dates))
	for k, span := range x.dates {
		n := span.hi - span.lo
		states[k].parts = make([]part, n)
		states[k].left.Store(int32(n))
		states[k].weight = min(int64(n), window)
		states[k].done = make(chan struct{})
	}
	sem := semaphore.NewWeighted(window)
	jobs := make(chan job, workers)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() {
		defer close(jobs)
		for k, span := range x.dates {
			if sem.Acquire(ctx, states[k].weight) != nil {
				return
			}
			for i := span.lo; i < span.hi; i++ {
				select {
				case jobs <- job{k, i}:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	for range workers {
		wg.Go(func() { x.work(ctx, jobs, states) })
	}
	return x.deliver(ctx, states, sem, fn)
}

// work decodes day files until jobs closes.
func (x *Export) work(ctx context.Context, jobs <-chan job, states []dateState) {
	d := newDecoder()
	var buf []byte
	for j := range jobs {
		if ctx.Err() != nil {
			continue // drain, so the dispatcher can finish
		}
		st := &states[j.k]
		df := &x.days[j.i]
		p := &st.parts[j.i-x.dates[j.k].lo]
		b, err := x.src.read(df.name, x.opts.maxFile, buf)
		if cap(b) <= 16<<20 {
			buf = b // keep a buffer of usual size for the next file
		} else {
			buf = nil
		}
		switch {
		case errors.Is(err, errTooLarge):
			p.err = fmt.Errorf("larger than %s; skipped", sizeString(x.opts.maxFile))
		case err != nil:
			p.err = fmt.Errorf("cannot read; skipped: %w", err)
		default:
			d.conv, d.rank, d.file = df.conv, x.ranks[df.conv], int32(j.i)
			d.team = x.team
			d.from, d.to = bound(x.opts.From), bound(x.opts.To)
			var out []rec
			out, err = d.decode(b, d.recs[:0])
			switch {
			case err != nil:
				p.err = fmt.Errorf("not a JSON array of message objects (%w); skipped", err)
			case len(out) > 0:
				p.run = slices.Clone(out)
			}
			if err == nil && len(d.problems) > 0 {
				p.problems = slices.Clone(d.problems)
			}
			clear(out) // drop references to this file's IDs and slices
			d.recs = out[:0]
		}
		if st.left.Add(-1) == 0 {
			close(st.done)
		}
	}
}

// bound turns a From or To option into a ts key.
func bound(t time.Time) tsBound {
	if t.IsZero() {
		return tsBound{}
	}
	return tsBound{sec: t.Unix(), nsec: int32(t.Nanosecond()), ok: true}
}

// deliver runs on the caller's goroutine: it takes the dates in order,
// merges their runs and calls fn.
func (x *Export) deliver(ctx context.Context, states []dateState, sem *semaphore.Weighted, fn func(m *Message) error) error {
	done := ctx.Done()
	wait := func(k int) error {
		select {
		case <-states[k].done:
			return nil
		case <-done:
			return ctx.Err()
		}
	}
	var (
		h    runHeap // runs with messages not yet delivered
		last rec     // the last message delivered
		sent bool
		m    Message
	)
	// take finishes with date k: warns about its files, drops what comes
	// too late, frees its place in the window and adds its runs to h.
	take := func(k int) {
		st := &states[k]
		for i := range st.parts {
			p := &st.parts[i]
			name := x.days[x.dates[k].lo+i].show
			if p.err != nil {
				x.warn(name, p.err)
			}
			for _, pr := range p.problems {
				x.warn(name, fmt.Errorf("%d message objects skipped: %s (the first is element %d)", pr.n, pr.reason, pr.first))
			}
			run := p.run
			late := 0
			for sent && late < len(run) && cmpRec(&run[late], &last) < 0 {
				late++
			}
			if late > 0 {
				x.warn(name, fmt.Errorf("%d messages lie before messages already delivered (the file is more than a day out of place); skipped", late))
			}
			h.push(run[late:])
		}
		st.parts = nil
		sem.Release(st.weight)
	}
	for k := 0; k < len(states); {
		if err := wait(k); err != nil {
			return err
		}
		take(k)
		k++
		// Read ahead to the next date with messages: its first message
		// bounds what can be delivered now.
		var first *rec
		for ; k < len(states) && first == nil; k++ {
			if err := wait(k); err != nil {
				return err
			}
			for i := range states[k].parts {
				if r := states[k].parts[i].run; len(r) > 0 && (first == nil || cmpRec(&r[0], first) < 0) {
					first = &r[0]
				}
			}
			if first != nil {
				break
			}
			take(k)
		}
		for len(h) > 0 {
			r := &h[0][0]
			if first != nil && cmpRec(r, first) > 0 {
				break
			}
			select {
			case <-done:
				return ctx.Err()
			default:
			}
			c := &x.convs[r.conv]
			m = Message{
				Observation: activity.Observation{
					Team:       r.team,
					Channel:    c.ID,
					Kind:       c.Kind,
					User:       r.user,
					TS:         r.ts,
					ThreadTS:   r.threadTS,
					ParentUser: r.parent,
					Mentions:   r.mentions,
					IsBot:      r.flags&flagBot != 0,
				},
				System:   r.flags&flagSystem != 0,
				Reactors: r.reactors,
			}
			last, sent = *r, true
			h.next()
			if err := fn(&m); err != nil {
				return err
			}
		}
	}
	return nil
}

// runHeap is a min-heap of sorted, non-empty runs by their first message.
type runHeap [][]rec

func (h *runHeap) push(r []rec) {
	if len(r) == 0 {
		return
	}
	*h = append(*h, r)
	hh := *h
	for i := len(hh) - 1; i > 0; {
		p := (i - 1) / 2
		if cmpRec(&hh[i][0], &hh[p][0]) >= 0 {
			break
		}
		hh[i], hh[p] = hh[p], hh[i]
		i = p
	}
}

// next drops the first message of the first run.
func (h *runHeap) next() {
	hh := *h
	hh[0][0] = rec{} // let its slices go
	if hh[0] = hh[0][1:]; len(hh[0]) == 0 {
		hh[0] = hh[len(hh)-1]
		hh[len(hh)-1] = nil
		hh = hh[:len(hh)-1]
		*h = hh
	}
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(hh) {
			return
		}
		c := l
		if r := l + 1; r < len(hh) && cmpRec(&hh[r][0], &hh[l][0]) < 0 {
			c = r
		}
		if cmpRec(&hh[c][0], &hh[i][0]) >= 0 {
			return
		}
		hh[i], hh[c] = hh[c], hh[i]
		i = c
	}
}

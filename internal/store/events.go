package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// EventWindow is how long an event ID is remembered for dedupe. Slack
// redelivers an unacknowledged event within minutes; ten covers its retries.
const EventWindow = 10 * time.Minute

const (
	// defaultMaxRecent bounds the in-memory set of event IDs (about 100 bytes
	// each). A few hundred events a second for ten minutes fits easily; past
	// the bound the oldest IDs are forgotten early (see EventStats).
	defaultMaxRecent = 1 << 20

	// defaultMaxPending bounds the IDs waiting to be written. When the disk
	// falls this far behind, MarkEvent writes the backlog itself
	// (backpressure) instead of letting it grow.
	defaultMaxPending = 1 << 16

	// flushRetryDelay is how long the flusher waits after a failed write
	// before it tries again.
	flushRetryDelay = 100 * time.Millisecond
)

// How event dedupe works, and what it promises.
//
// MarkEvent runs for every incoming Slack event, so it must not wait for the
// disk: one bbolt write transaction with fsync per event costs milliseconds.
// Instead:
//
//   - The answer comes from memory: a set of the event IDs seen in the last
//     EventWindow (a map for lookup, plus a ring in arrival order so that
//     expiry only ever looks at the oldest entry). One mutex guards it;
//     MarkEvent is a map lookup and two appends under it.
//   - A first sighting is also appended to a pending list, and a background
//     flusher writes everything pending in one write transaction (group
//     commit): while one fsync is in progress new IDs pile up, and the next
//     transaction takes them all, so the batch grows with the load without
//     a fixed delay.
//   - Open reads the IDs persisted within the last EventWindow back into
//     memory, so a restart within the window still recognises redeliveries.
//
// The trade-off: MarkEvent returns (and the caller acks the event) before
// the ID is on disk. If the process dies hard before the flusher's next
// commit — a few milliseconds at most, unless the disk is failing — those
// IDs are lost from the persisted set, and an event that Slack redelivers
// after the restart is processed a second time. A clean Close (or Flush)
// writes everything first, so only a crash can cause this. At worst one
// observation is counted twice after a crash; an fsync per event would cost
// the throughput we need all the time.
//
// Memory is bounded too (defaultMaxRecent IDs, roughly 100 MB at most). A
// workspace's real rate (a few hundred events a second) stays far below it;
// a sustained 10,000 a second would keep only the last ~100 s in memory, and
// EventStats.EvictedEarly counts the IDs forgotten that way. The disk is
// written at least as fast as events come in: when it falls defaultMaxPending
// IDs behind, MarkEvent waits for the write.

// eventRecord is an event ID waiting to be written.
type eventRecord struct {
	team activity.TeamID
	id   string
	at   int64 // unix nanos
}

// emptyValue is the value of every events key.
var emptyValue = []byte{}

// MarkEvent records that the event with this ID arrived for team at now and
// reports whether this is the first time it has been seen within
// EventWindow. A zero now means the DB's clock. It is safe for concurrent
// use and does not wait for the disk; see the comment above about
// durability.
func (db *DB) MarkEvent(team activity.TeamID, eventID string, now time.Time) (first bool, err error) {
	return db.markEvent(team, eventID, now, true)
}

// MarkInboxEvent is MarkEvent for an event kept in the inbox: the ID is
// remembered at once, but written only by InboxDone, in the transaction
// that deletes the record. So after a crash an event is either still in the
// inbox and not in the event log (it is handed to the core again), or done
// and in the event log; never taken for handled while the core had not
// finished with it.
func (db *DB) MarkInboxEvent(team activity.TeamID, eventID string, now time.Time) (first bool, err error) {
	return db.markEvent(team, eventID, now, false)
}

func (db *DB) markEvent(team activity.TeamID, eventID string, now time.Time, write bool) (first bool, err error) {
	if eventID == "" {
		return false, errors.New("store: mark event: empty event id")
	}
	if team == "" {
		return false, fmt.Errorf("store: mark event %s: empty team id", eventID)
	}
	if now.IsZero() {
		now = db.clock.Now()
	}
	at := now.UnixNano()
	key := string(team) + "\x00" + eventID

	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return false, fmt.Errorf("store: mark event %s: %w", eventID, ErrClosed)
	}
	db.recent.dropBefore(at - int64(EventWindow))
	if !db.recent.add(key, at) {
		db.mu.Unlock()
		return false, nil
	}
	if !write {
		db.mu.Unlock()
		return true, nil
	}
	db.pending = append(db.pending, eventRecord{team: team, id: eventID, at: at})
	backlog := len(db.pending) >= db.cfg.maxPending
	db.mu.Unlock()

	if backlog {
		// The disk is behind: write the backlog on this goroutine so that
		// the callers slow down to what the disk can take.
		if err := db.flush(); err != nil {
			db.log.Error("store: writing event ids", "err", err)
		}
		return true, nil
	}
	select {
	case db.kick <- struct{}{}:
	default: // the flusher is already due to run
	}
	return true, nil
}

// Flush writes every event ID marked, every observation recorded, every
// request put or resolved and every weekly count made so far, and returns
// once they are committed.
func (db *DB) Flush() error {
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return fmt.Errorf("store: flush: %w", ErrClosed)
	}
	if err := db.flush(); err != nil {
		return fmt.Errorf("store: flush: %w", err)
	}
	return nil
}

// PurgeEvents forgets the event IDs that arrived before olderThan, on disk
// and in memory, and returns how many it deleted from the file.
func (db *DB) PurgeEvents(olderThan time.Time) (int, error) {
	// Write pending IDs first, so none older than the cut lands after it.
	if err := db.Flush(); err != nil {
		return 0, fmt.Errorf("store: purge events: %w", err)
	}
	db.mu.Lock()
	db.recent.dropBefore(olderThan.UnixNano())
	db.mu.Unlock()

	cut := encodeTime(olderThan)
	var n int
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		n = 0
		var teams []activity.TeamID
		if err := forEachTeam(tx, func(team activity.TeamID, _ *bbolt.Bucket) error {
			teams = append(teams, team)
			return nil
		}); err != nil {
			return err
		}
		for _, team := range teams {
			tb, err := teamBucket(tx, team, false)
			if err != nil {
				return err
			}
			eb := tb.Bucket(eventsBucket)
			if eb == nil {
				continue
			}
			// Keys start with the time, so the ones to delete are a prefix
			// of the bucket. Re-seek after each delete: a cursor's Next after
			// Delete can skip a key.
			c := eb.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge events before %s: %w", olderThan.Format(time.RFC3339), err)
	}
	return n, nil
}

// EventStats describes the event dedupe state, for metrics.
type EventStats struct {
	Remembered   int    // event IDs held in memory
	Pending      int    // event IDs not yet written to the file
	EvictedEarly uint64 // IDs forgotten before EventWindow because memory was full
}

// EventStats returns the current event dedupe state.
func (db *DB) EventStats() EventStats {
	db.mu.Lock()
	defer db.mu.Unlock()
	return EventStats{
		Remembered:   db.recent.n,
		Pending:      len(db.pending),
		EvictedEarly: db.recent.evicted,
	}
}

// flushLoop writes pending event IDs whenever MarkEvent kicks it, until
// Close. Close does the last flush itself.
func (db *DB) flushLoop() {
	defer close(db.done)
	for {
		select {
		case <-db.stop:
			return
		case <-db.kick:
		}
		if err := db.flush(); err != nil {
			db.log.Error("store: writing event ids", "err", err)
			// The IDs are back in pending; try again after a pause, and
			// don't spin on a failing disk.
			select {
			case <-db.stop:
				return
			case <-time.After(flushRetryDelay):
			}
			select {
			case db.kick <- struct{}{}:
			default:
			}
		}
	}
}

// flush writes everything pending (event IDs, observations, request changes,
// weekly counts) in one transaction. On failure the records go back to the front of pending, to be
// retried.
func (db *DB) flush() error { return db.updateWithPending(nil) }

// updateWithPending runs one write transaction that first writes everything
// pending and then runs fn (when not nil), so that fn sees, and may change
// or delete, every record handed to MarkEvent, RecordObservation, PutRequest,
// ResolveRequest or CountWeek before the call. If the transaction fails,
// the pending records go back to the front of pending, to be retried.
// Errors from writing pending records are wrapped with their counts; fn's
// errors are returned as they are.
func (db *DB) updateWithPending(fn func(tx *bbolt.Tx) error) error {
	db.flushMu.Lock()
	defer db.flushMu.Unlock()

	db.mu.Lock()
	events, obs, reqs, weeks, done := db.pending, db.pendingObs, db.pendingReq, db.pendingWeek, db.pendingDone
	if len(events) == 0 && len(obs) == 0 && len(reqs) == 0 && len(weeks) == 0 && len(done) == 0 && fn == nil {
		db.mu.Unlock()
		return nil
	}
	db.pending, db.spare = db.spare[:0], nil
	db.pendingObs, db.spareObs = db.spareObs[:0], nil
	db.pendingReq, db.spareReq = db.spareReq[:0], nil
	db.pendingWeek, db.spareWeek = db.spareWeek[:0], nil
	db.pendingDone = nil
	// Readers still see the observations and request changes while they
	// are being written.
	db.inflightObs = obs
	db.inflightReq = reqs
	db.mu.Unlock()

	var pendingErr error
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		if err := writeEvents(tx, events); err != nil {
			pendingErr = fmt.Errorf("write %d event ids: %w", len(events), err)
			return pendingErr
		}
		if err := writeObservations(tx, obs); err != nil {
			pendingErr = fmt.Errorf("write %d observations: %w", len(obs), err)
			return pendingErr
		}
		if err := writeRequests(tx, reqs); err != nil {
			pendingErr = fmt.Errorf("write %d request changes: %w", len(reqs), err)
			return pendingErr
		}
		if err := writeWeekOps(tx, weeks); err != nil {
			pendingErr = fmt.Errorf("write %d weekly counts: %w", len(weeks), err)
			return pendingErr
		}
		// After the event IDs and observations: a record deleted here was
		// handled, and what its handling wrote is in this transaction or
		// an earlier one.
		if err := writeInboxDone(tx, done); err != nil {
			pendingErr = fmt.Errorf("delete %d inbox records: %w", len(done), err)
			return pendingErr
		}
		if fn != nil {
			return fn(tx)
		}
		return nil
	})
	if err != nil {
		db.requeue(events, obs, reqs, weeks)
		db.mu.Lock()
		db.pendingDone, _ = requeueFront(done, db.pendingDone, defaultMaxPendingDone)
		db.mu.Unlock()
		if pendingErr == nil && fn == nil {
			// The commit itself failed.
			err = fmt.Errorf("write %d event ids, %d observations, %d request changes and %d weekly counts: %w", len(events), len(obs), len(reqs), len(weeks), err)
		}
		return err
	}
	db.mu.Lock()
	db.inflightObs = nil // readers may look at obs and reqs until here
	db.inflightReq = nil
	clear(events) // drop references to the strings
	clear(obs)
	clear(reqs)
	clear(weeks)
	db.spare = events[:0]
	db.spareObs = obs[:0]
	db.spareReq = reqs[:0]
	db.spareWeek = weeks[:0]
	db.mu.Unlock()
	return nil
}

// requeue puts batches that failed to write back in front of pending,
// keeping at most maxPending event IDs, maxPendingObs observations,
// maxPendingReq request changes and maxPendingWeek weekly counts (dropping
// the oldest).
func (db *DB) requeue(events []eventRecord, obs []obsRecord, reqs []reqOp, weeks []weekOp) {
	db.mu.Lock()
	defer db.mu.Unlock()
	var droppedEvents, droppedObs, droppedReqs, droppedWeeks int
	db.pending, droppedEvents = requeueFront(events, db.pending, db.cfg.maxPending)
	db.pendingObs, droppedObs = requeueFront(obs, db.pendingObs, db.cfg.maxPendingObs)
	db.pendingReq, droppedReqs = requeueFront(reqs, db.pendingReq, db.cfg.maxPendingReq)
	db.pendingWeek, droppedWeeks = requeueFront(weeks, db.pendingWeek, db.cfg.maxPendingWeek)
	if droppedWeeks > 0 {
		db.log.Error("store: dropping weekly counts that could not be written", "count", droppedWeeks)
	}
	db.inflightObs = nil
	db.inflightReq = nil
	if droppedReqs > 0 {
		db.log.Error("store: dropping request changes that could not be written", "count", droppedReqs)
	}
	if droppedEvents > 0 {
		db.log.Error("store: dropping event ids that could not be written", "count", droppedEvents)
	}
	if droppedObs > 0 {
		db.log.Error("store: dropping observations that could not be written", "count", droppedObs)
	}
}

// requeueFront returns batch followed by pending, without its oldest
// records beyond max, and how many it dropped.
func requeueFront[T any](batch, pending []T, max int) ([]T, int) {
	merged := append(batch, pending...)
	over := len(merged) - max
	if over <= 0 {
		return merged, 0
	}
	return slices.Clone(merged[over:]), over
}

// writeEvents puts records into their teams' events buckets.
func writeEvents(tx *bbolt.Tx, batch []eventRecord) error {
	buckets := make(map[activity.TeamID]*bbolt.Bucket, 1)
	key := make([]byte, 0, 64)
	for _, r := range batch {
		b, ok := buckets[r.team]
		if !ok {
			tb, err := teamBucket(tx, r.team, true)
			if err != nil {
				return err
			}
			if b, err = tb.CreateBucketIfNotExists(eventsBucket); err != nil {
				return fmt.Errorf("team %s: events bucket: %w", r.team, err)
			}
			buckets[r.team] = b
		}
		key = appendEventKey(key[:0], r.at, r.id)
		if err := b.Put(key, emptyValue); err != nil {
			return fmt.Errorf("event %s: %w", r.id, err)
		}
	}
	return nil
}

// appendEventKey appends the events-bucket key: time, then ID.
func appendEventKey(b []byte, at int64, id string) []byte {
	if at < 0 {
		at = 0
	}
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	return append(b, id...)
}

// loadRecentEvents fills the in-memory set with the IDs persisted within
// EventWindow of the clock's now.
func (db *DB) loadRecentEvents() error {
	from := encodeTime(db.clock.Now().Add(-EventWindow))
	var recs []recentEntry
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			eb := tb.Bucket(eventsBucket)
			if eb == nil {
				return nil
			}
			c := eb.Cursor()
			for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
				if len(k) <= 8 {
					continue // not an event key
				}
				recs = append(recs, recentEntry{
					key: string(team) + "\x00" + string(k[8:]), // copies out of the tx
					at:  int64(binary.BigEndian.Uint64(k[:8])),
				})
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("load recent events: %w", err)
	}
	slices.SortStableFunc(recs, func(a, b recentEntry) int { return cmp.Compare(a.at, b.at) })
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, r := range recs {
		db.recent.add(r.key, r.at)
	}
	return nil
}

// recentSet is the set of event IDs seen lately: a map for lookup and a ring
// buffer in arrival order for expiry. Arrival order is time order up to the
// small skew between concurrent callers' clocks; an entry stuck behind a
// slightly newer one expires a little late, never early.
type recentSet struct {
	seen    map[string]struct{}
	buf     []recentEntry // ring; len is the capacity
	head, n int
	max     int
	evicted uint64 // dropped for space while still within the window
}

type recentEntry struct {
	key string // team + "\x00" + event ID
	at  int64  // unix nanos
}

func (r *recentSet) init(max int) {
	r.seen = make(map[string]struct{})
	r.max = max
}

// add inserts key and reports whether it was new.
func (r *recentSet) add(key string, at int64) bool {
	if _, ok := r.seen[key]; ok {
		return false
	}
	for r.n >= r.max {
		r.pop()
		r.evicted++
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = recentEntry{key: key, at: at}
	r.n++
	r.seen[key] = struct{}{}
	return true
}

// dropBefore forgets the entries, oldest first, that arrived before cut.
func (r *recentSet) dropBefore(cut int64) {
	for r.n > 0 && r.buf[r.head].at < cut {
		r.pop()
	}
}

func (r *recentSet) pop() {
	e := r.buf[r.head]
	r.buf[r.head] = recentEntry{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	delete(r.seen, e.key)
	if r.n == 0 && len(r.buf) > 1024 {
		// Give back the memory of a burst; Go maps never shrink.
		r.buf, r.head = nil, 0
		r.seen = make(map[string]struct{})
	}
}

func (r *recentSet) grow() {
	size := max(64, 2*len(r.buf))
	buf := make([]recentEntry, size)
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}

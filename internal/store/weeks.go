package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/digest"
)

// Weekly counts are the numbers behind the weekly digest and the App Home
// trend: per opted-in manager and week (the Monday's date in the manager's
// zone), how many of their messages reached team members after hours, how
// many requests the team made and how many were answered, with the reply
// times (in working seconds, for an exact median), and how many nudges were
// sent. They hold numbers only: no message content, and no ID of anyone
// but the manager they belong to. A week is kept until 26 weeks after it
// ended (PurgeWeeks).
//
// Counts come from events, so they are written like observations and
// requests: CountWeek queues the change and returns, and the background
// flusher writes it with everything else queued, in one transaction. Each
// event counts once: it carries an identity (digest.Event.Once) of which
// only a hash is kept, as a mark, for as long as the event could be
// reported again (PurgeWeekMarks); a second report with a marked identity
// changes nothing. WeekStats writes what is queued before it reads.
//
// Scheduled digests leave a record each, committed (and fsynced) before the
// digest is sent, so a crash between the two never sends it twice:
//
//	weeks       key = manager ‖ 0x00 ‖ week ("2026-11-16"), value = JSON weekRecord
//	week_marks  key = manager ‖ 0x00 ‖ kind(1) ‖ SHA-256(Once)[:16],
//	            value = counted at (8-byte big-endian unix nanos)
//	digests     key = manager ‖ 0x00 ‖ week, value = JSON digestRecord
//
// These buckets are created when first written, so adding them needed no
// schema migration.

var (
	weeksBucket     = []byte("weeks")
	weekMarksBucket = []byte("week_marks")
	digestsBucket   = []byte("digests")
)

// defaultMaxPendingWeek bounds the counts waiting to be written; past it
// CountWeek writes the backlog itself.
const defaultMaxPendingWeek = 1 << 14

// markHashLen is how many bytes of SHA-256 a mark keeps: enough that two
// events of one manager never share one.
const markHashLen = 16

const weekKeyLen = len("2026-11-16")

type weekRecord struct {
	V            int   `json:"v"`
	AfterHours   int   `json:"after_hours,omitempty"`
	Requests     int   `json:"requests,omitempty"`
	Answered     int   `json:"answered,omitempty"`
	Nudges       int   `json:"nudges,omitempty"`
	ReplySeconds []int `json:"reply_s,omitempty"`
}

type digestRecord struct {
	V       int          `json:"v"`
	State   digest.State `json:"state"`
	Created int64        `json:"created,omitempty"`
	SentAt  int64        `json:"sent_at,omitempty"`
	Variant string       `json:"variant,omitempty"`
}

// weekOp is a count waiting to be written.
type weekOp struct {
	team    activity.TeamID
	manager activity.UserID
	week    digest.Week
	kind    digest.Kind
	hash    [markHashLen]byte
	minutes float64
	at      int64 // unix nanos, when counted
}

// CountWeek counts e in manager's week, once per e.Once: an event reported
// again with the same Once (while its mark is kept) changes nothing. It does
// not wait for the disk (see the comment at the top of weeks.go). Team,
// manager, a week, a known kind and Once are required.
func (db *DB) CountWeek(team activity.TeamID, manager activity.UserID, week digest.Week, e digest.Event) error {
	err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager)))
	switch {
	case week.IsZero():
		err = errors.Join(err, errors.New("zero week"))
	case !e.Kind.Valid():
		err = errors.Join(err, fmt.Errorf("unknown kind %s", e.Kind))
	case e.Once == "":
		err = errors.Join(err, errors.New("event without an identity"))
	case math.IsNaN(e.WorkingMinutes) || math.IsInf(e.WorkingMinutes, 0):
		err = errors.Join(err, errors.New("reply time is not a number"))
	}
	if err != nil {
		return fmt.Errorf("store: count %s in week %s of %s: %w", e.Kind, week, manager, err)
	}
	op := weekOp{
		team: team, manager: manager, week: week, kind: e.Kind,
		hash: markHash(e.Once), minutes: e.WorkingMinutes, at: db.clock.Now().UnixNano(),
	}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return fmt.Errorf("store: count %s in week %s of %s: %w", e.Kind, week, manager, ErrClosed)
	}
	db.pendingWeek = append(db.pendingWeek, op)
	backlog := len(db.pendingWeek) >= db.cfg.maxPendingWeek
	db.mu.Unlock()
	if backlog {
		if err := db.flush(); err != nil {
			db.log.Error("store: writing weekly counts", "err", err)
		}
		return nil
	}
	select {
	case db.kick <- struct{}{}:
	default:
	}
	return nil
}

func markHash(once string) [markHashLen]byte {
	sum := sha256.Sum256([]byte(once))
	var h [markHashLen]byte
	copy(h[:], sum[:])
	return h
}

// WeekStats returns manager's counts for the weeks from from to to
// (inclusive), oldest first; weeks with nothing counted are left out. It
// writes the counts still queued first, so it sees every count made before
// the call.
func (db *DB) WeekStats(team activity.TeamID, manager activity.UserID, from, to digest.Week) ([]digest.Stats, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager))); err != nil {
		return nil, fmt.Errorf("store: weekly counts of %s: %w", manager, err)
	}
	if err := db.Flush(); err != nil {
		return nil, fmt.Errorf("store: weekly counts of %s: %w", manager, err)
	}
	var out []digest.Stats
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(weeksBucket)
		if b == nil {
			return nil
		}
		prefix := append([]byte(manager), 0)
		hi := weekKey(manager, to)
		c := b.Cursor()
		for k, v := c.Seek(weekKey(manager, from)); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, hi) <= 0; k, v = c.Next() {
			s, err := decodeWeek(k, v)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("store: weekly counts of %s: %w", manager, err)
	}
	return out, nil
}

// ClaimDigest records that manager's scheduled digest about r.Week is about
// to be sent (r.State Sending), and returns once the record is committed. It
// reports false, writing nothing, when there is a record for that week
// already: then the digest was sent, or is being sent, or failed, and must
// not go again.
func (db *DB) ClaimDigest(team activity.TeamID, manager activity.UserID, r digest.Record) (bool, error) {
	err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager)), checkDigest(r))
	claimed := false
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			claimed = false
			b, err := subBucket(tx, team, digestsBucket)
			if err != nil {
				return err
			}
			k := weekKey(manager, r.Week)
			if b.Get(k) != nil {
				return nil
			}
			v, err := encodeDigest(r)
			if err != nil {
				return err
			}
			claimed = true
			return b.Put(k, v)
		})
	}
	if err != nil {
		return false, fmt.Errorf("store: claim digest %s of %s: %w", r.Week, manager, err)
	}
	return claimed, nil
}

// SetDigestState moves manager's digest record of week to state, at at
// (SentAt, for Sent). It returns an error wrapping ErrNotFound when there is
// no record.
func (db *DB) SetDigestState(team activity.TeamID, manager activity.UserID, week digest.Week, state digest.State, at time.Time) error {
	err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager)))
	if !state.Valid() {
		err = errors.Join(err, fmt.Errorf("unknown state %q", state))
	}
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, team, false)
			if err != nil {
				return err
			}
			var b *bbolt.Bucket
			if tb != nil {
				b = tb.Bucket(digestsBucket)
			}
			k := weekKey(manager, week)
			var v []byte
			if b != nil {
				v = b.Get(k)
			}
			if v == nil {
				return ErrNotFound
			}
			r, err := decodeDigest(k, v)
			if err != nil {
				return err
			}
			r.State = state
			if state == digest.Sent {
				r.SentAt = at
			}
			nv, err := encodeDigest(r)
			if err != nil {
				return err
			}
			return b.Put(k, nv)
		})
	}
	if err != nil {
		return fmt.Errorf("store: set digest %s of %s to %s: %w", week, manager, state, err)
	}
	return nil
}

// DigestRecord returns manager's digest record of week, and false when
// there is none.
func (db *DB) DigestRecord(team activity.TeamID, manager activity.UserID, week digest.Week) (digest.Record, bool, error) {
	var (
		r     digest.Record
		found bool
	)
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(digestsBucket)
		if b == nil {
			return nil
		}
		k := weekKey(manager, week)
		v := b.Get(k)
		if v == nil {
			return nil
		}
		var err error
		r, err = decodeDigest(k, v)
		found = err == nil
		return err
	}, nil, checkID("team", string(team)), checkID("manager", string(manager)))
	if err != nil {
		return digest.Record{}, false, fmt.Errorf("store: digest %s of %s: %w", week, manager, err)
	}
	return r, found, nil
}

// ForgetWeeks deletes manager's weekly counts, their marks and their digest
// records, and returns how many weeks of counts it deleted.
func (db *DB) ForgetWeeks(team activity.TeamID, manager activity.UserID) (int, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager))); err != nil {
		return 0, fmt.Errorf("store: forget weekly counts of %s: %w", manager, err)
	}
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		n, _, err = forgetWeeksTx(tb, manager)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: forget weekly counts of %s: %w", manager, err)
	}
	return n, nil
}

// forgetWeeksTx deletes manager's weekly counts, marks and digest records,
// and returns how many weeks of counts and digest records it deleted.
func forgetWeeksTx(tb *bbolt.Bucket, manager activity.UserID) (weeks, digests int, err error) {
	prefix := append([]byte(manager), 0)
	if weeks, err = deletePrefix(tb.Bucket(weeksBucket), prefix); err != nil {
		return 0, 0, err
	}
	if _, err = deletePrefix(tb.Bucket(weekMarksBucket), prefix); err != nil {
		return 0, 0, err
	}
	if digests, err = deletePrefix(tb.Bucket(digestsBucket), prefix); err != nil {
		return 0, 0, err
	}
	return weeks, digests, nil
}

// deletePrefix deletes the keys of b (which may be nil) starting with
// prefix and returns how many.
func deletePrefix(b *bbolt.Bucket, prefix []byte) (int, error) {
	if b == nil {
		return 0, nil
	}
	n := 0
	c := b.Cursor()
	// Re-seek after each delete: a cursor's Next after Delete can skip a key.
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PurgeWeeks deletes the weekly counts and digest records, of every team,
// of the weeks that had ended by before (weeks read in UTC: within a day of
// each manager's own), and returns how many records it deleted. Called with
// 26 weeks ago, it keeps the week running and the 26 before it, which is
// what a Monday digest looks back over.
func (db *DB) PurgeWeeks(before time.Time) (int, error) {
	cut := []byte(digest.WeekOf(before, time.UTC).String())
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			for _, name := range [][]byte{weeksBucket, digestsBucket} {
				b := tb.Bucket(name)
				if b == nil {
					continue
				}
				var drop [][]byte
				err := b.ForEach(func(k, _ []byte) error {
					_, week, err := splitWeekKey(k)
					if err != nil {
						return fmt.Errorf("team %s: %s: %w", team, name, err)
					}
					if bytes.Compare(week, cut) < 0 {
						drop = append(drop, bytes.Clone(k))
					}
					return nil
				})
				if err != nil {
					return err
				}
				for _, k := range drop {
					if err := b.Delete(k); err != nil {
						return fmt.Errorf("team %s: %s: %w", team, name, err)
					}
				}
				n += len(drop)
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge weeks before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// PurgeWeekMarks forgets the identities of events counted before before,
// of every team, and returns how many it forgot. Keep them as long as an
// event may be reported again: a redelivered message comes within minutes,
// but a request whose answer a crash undid can be answered again until it
// is purged as stale.
func (db *DB) PurgeWeekMarks(before time.Time) (int, error) {
	cut := timeKey(before)
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			b := tb.Bucket(weekMarksBucket)
			if b == nil {
				return nil
			}
			var drop [][]byte
			err := b.ForEach(func(k, v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("team %s: malformed %s value for %x", team, weekMarksBucket, k)
				}
				if bytes.Compare(v, cut) < 0 {
					drop = append(drop, bytes.Clone(k))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range drop {
				if err := b.Delete(k); err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
			}
			n += len(drop)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge week marks before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// writeWeekOps applies queued counts in order: each whose mark is new is
// marked and added to its week. Records touched by several counts are read
// and written once.
func writeWeekOps(tx *bbolt.Tx, batch []weekOp) error {
	if len(batch) == 0 {
		return nil
	}
	type rec struct {
		b     *bbolt.Bucket
		key   []byte
		stats digest.Stats
	}
	touched := map[string]*rec{} // team ‖ 0x00 ‖ weeks key
	var order []*rec
	for _, op := range batch {
		tb, err := teamBucket(tx, op.team, true)
		if err != nil {
			return err
		}
		mb, err := tb.CreateBucketIfNotExists(weekMarksBucket)
		if err != nil {
			return fmt.Errorf("team %s: %s bucket: %w", op.team, weekMarksBucket, err)
		}
		mk := markKey(op.manager, op.kind, op.hash)
		if mb.Get(mk) != nil {
			continue // counted before
		}
		if err := mb.Put(mk, timeKey(time.Unix(0, op.at))); err != nil {
			return fmt.Errorf("team %s: %s: %w", op.team, weekMarksBucket, err)
		}
		wk := weekKey(op.manager, op.week)
		id := string(op.team) + "\x00" + string(wk)
		r := touched[id]
		if r == nil {
			wb, err := tb.CreateBucketIfNotExists(weeksBucket)
			if err != nil {
				return fmt.Errorf("team %s: %s bucket: %w", op.team, weeksBucket, err)
			}
			r = &rec{b: wb, key: wk, stats: digest.Stats{Week: op.week}}
			if v := wb.Get(wk); v != nil {
				if r.stats, err = decodeWeek(wk, v); err != nil {
					return fmt.Errorf("team %s: %w", op.team, err)
				}
			}
			touched[id] = r
			order = append(order, r)
		}
		r.stats.Add(digest.Event{Kind: op.kind, WorkingMinutes: op.minutes})
	}
	for _, r := range order {
		v, err := encodeWeek(r.stats)
		if err != nil {
			return err
		}
		if err := r.b.Put(r.key, v); err != nil {
			return fmt.Errorf("%s: %w", weeksBucket, err)
		}
	}
	return nil
}

// weekKey is manager ‖ 0x00 ‖ week.
func weekKey(manager activity.UserID, week digest.Week) []byte {
	k := make([]byte, 0, len(manager)+1+weekKeyLen)
	k = append(k, manager...)
	k = append(k, 0)
	return append(k, week.String()...)
}

// splitWeekKey splits a weeks or digests key; week is the date's bytes.
func splitWeekKey(k []byte) (manager, week []byte, err error) {
	manager, week, ok := bytes.Cut(k, []byte{0})
	if !ok || len(manager) == 0 || len(week) != weekKeyLen {
		return nil, nil, fmt.Errorf("malformed week key %x", k)
	}
	return manager, week, nil
}

// markKey is manager ‖ 0x00 ‖ kind ‖ hash.
func markKey(manager activity.UserID, kind digest.Kind, hash [markHashLen]byte) []byte {
	k := make([]byte, 0, len(manager)+2+markHashLen)
	k = append(k, manager...)
	k = append(k, 0, byte(kind))
	return append(k, hash[:]...)
}

func encodeWeek(s digest.Stats) ([]byte, error) {
	return json.Marshal(weekRecord{
		V: recordVersion, AfterHours: s.AfterHours, Requests: s.Requests,
		Answered: s.Answered, Nudges: s.Nudges, ReplySeconds: s.ReplySeconds,
	})
}

// decodeWeek decodes the weekly counts stored under k. The result shares
// no memory with k or v.
func decodeWeek(k, v []byte) (digest.Stats, error) {
	_, wb, err := splitWeekKey(k)
	if err != nil {
		return digest.Stats{}, err
	}
	week, err := digest.ParseWeek(string(wb))
	if err != nil {
		return digest.Stats{}, fmt.Errorf("week key %x: %w", k, err)
	}
	var rec weekRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return digest.Stats{}, fmt.Errorf("week %s: %w", week, err)
	}
	if min(rec.AfterHours, rec.Requests, rec.Answered, rec.Nudges) < 0 || len(rec.ReplySeconds) > digest.MaxSamples || len(rec.ReplySeconds) > rec.Answered {
		return digest.Stats{}, fmt.Errorf("week %s: counts out of range", week)
	}
	return digest.Stats{
		Week: week, AfterHours: rec.AfterHours, Requests: rec.Requests,
		Answered: rec.Answered, Nudges: rec.Nudges, ReplySeconds: rec.ReplySeconds,
	}, nil
}

func checkDigest(r digest.Record) error {
	var err error
	if r.Week.IsZero() {
		err = errors.New("zero week")
	}
	if !r.State.Valid() {
		err = errors.Join(err, fmt.Errorf("unknown state %q", r.State))
	}
	return errors.Join(err, checkText(r.VariantID))
}

func encodeDigest(r digest.Record) ([]byte, error) {
	return json.Marshal(digestRecord{
		V: recordVersion, State: r.State, Created: timeToNanos(r.Created),
		SentAt: timeToNanos(r.SentAt), Variant: r.VariantID,
	})
}

func decodeDigest(k, v []byte) (digest.Record, error) {
	_, wb, err := splitWeekKey(k)
	if err != nil {
		return digest.Record{}, err
	}
	week, err := digest.ParseWeek(string(wb))
	if err != nil {
		return digest.Record{}, fmt.Errorf("digest key %x: %w", k, err)
	}
	var rec digestRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return digest.Record{}, fmt.Errorf("digest %s: %w", week, err)
	}
	r := digest.Record{
		Week: week, State: rec.State, Created: nanosToTime(rec.Created),
		SentAt: nanosToTime(rec.SentAt), VariantID: rec.Variant,
	}
	if !r.State.Valid() {
		return digest.Record{}, fmt.Errorf("digest %s: unknown state %q", week, r.State)
	}
	return r, nil
}

// checkWeeks checks that every weekly count, mark and digest record is well
// formed (for Check).
func checkWeeks(tb *bbolt.Bucket) error {
	if b := tb.Bucket(weeksBucket); b != nil {
		if err := b.ForEach(func(k, v []byte) error { _, err := decodeWeek(k, v); return err }); err != nil {
			return err
		}
	}
	if b := tb.Bucket(digestsBucket); b != nil {
		if err := b.ForEach(func(k, v []byte) error { _, err := decodeDigest(k, v); return err }); err != nil {
			return err
		}
	}
	if b := tb.Bucket(weekMarksBucket); b != nil {
		return b.ForEach(func(k, v []byte) error {
			manager, rest, ok := bytes.Cut(k, []byte{0})
			if !ok || len(manager) == 0 || len(rest) != 1+markHashLen || !digest.Kind(rest[0]).Valid() || len(v) != 8 {
				return fmt.Errorf("malformed %s entry %x", weekMarksBucket, k)
			}
			return nil
		})
	}
	return nil
}

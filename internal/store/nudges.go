package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/policy"
)

// Nudge records (policy.Record) are written before the Slack call that
// delivers the nudge, so that a crash in between never sends it twice (at
// most once): each write is one committed, fsynced transaction before the
// method returns, like people records. They hold no message content. A
// nudge is stored under its ID with these indexes, kept in step in the same
// transaction:
//
//	nudges            key = ID, value = JSON nudgeRecord
//	nudge_by_manager  manager ‖ 0x00 ‖ created(8) ‖ ID
//	nudge_due         due(8) ‖ ID                                  (Held only)
//	nudge_held        manager ‖ 0x00 ‖ kind ‖ 0x00 ‖ created(8) ‖ ID (Held only)
//	nudge_feedback    feedback ‖ 0x00 ‖ ID                    (with feedback only)

var (
	nudgesBucket         = []byte("nudges")
	nudgeByManagerBucket = []byte("nudge_by_manager")
	nudgeDueBucket       = []byte("nudge_due")
	nudgeHeldBucket      = []byte("nudge_held")
	nudgeFeedbackBucket  = []byte("nudge_feedback")
)

type nudgeRecord struct {
	V         int                `json:"v"`
	Manager   activity.UserID    `json:"manager"`
	Kind      string             `json:"kind"`
	Created   int64              `json:"created,omitempty"`
	State     policy.State       `json:"state"`
	Due       int64              `json:"due,omitempty"`
	SentAt    int64              `json:"sent_at,omitempty"`
	VariantID string             `json:"variant,omitempty"`
	Feedback  string             `json:"feedback,omitempty"`
	Channel   activity.ChannelID `json:"channel,omitempty"`
	TS        activity.TS        `json:"ts,omitempty"`
}

// FeedbackCounts are a workspace's answers to "was this helpful?", over the
// nudge records kept (see PurgeNudges). They say nothing about any one
// manager.
type FeedbackCounts struct {
	Helpful, NotHelpful int
}

// PutNudge stores r, replacing the record with the same team and ID, and
// returns once it is committed. ID, Team, Manager, Kind and a known State
// are required; Feedback is empty, policy.Helpful or policy.NotHelpful.
func (db *DB) PutNudge(r policy.Record) error {
	err := checkNudge(r)
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, r.Team, true)
			if err != nil {
				return err
			}
			return putNudgeTx(tb, r)
		})
	}
	if err != nil {
		return fmt.Errorf("store: put nudge %s: %w", r.ID, err)
	}
	return nil
}

// Nudge returns team's nudge record id, or an error wrapping ErrNotFound.
func (db *DB) Nudge(team activity.TeamID, id string) (policy.Record, error) {
	var r policy.Record
	err := db.view(team, func(tb *bbolt.Bucket) error {
		var err error
		r, err = getNudge(tb, team, []byte(id))
		return err
	}, ErrNotFound, checkID("team", string(team)), checkID("nudge", id))
	if err != nil {
		return policy.Record{}, fmt.Errorf("store: nudge %s: %w", id, err)
	}
	return r, nil
}

// NudgesOf returns manager's nudge records created at or after since,
// oldest first. It reads the index by manager and creation time.
func (db *DB) NudgesOf(team activity.TeamID, manager activity.UserID, since time.Time) ([]policy.Record, error) {
	var rs []policy.Record
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ib := tb.Bucket(nudgeByManagerBucket)
		if ib == nil {
			return nil
		}
		prefix := append([]byte(manager), 0)
		c := ib.Cursor()
		for k, _ := c.Seek(append(bytes.Clone(prefix), timeKey(since)...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			_, id, err := splitOwnerTimeKey(k)
			if err != nil {
				return err
			}
			r, err := getIndexedNudge(tb, team, nudgeByManagerBucket, k, id)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		return nil
	}, nil, checkID("team", string(team)), checkID("manager", string(manager)))
	if err != nil {
		return nil, fmt.Errorf("store: nudges of %s: %w", manager, err)
	}
	return rs, nil
}

// DueNudges returns team's held nudges whose Due is at or before now,
// soonest due first.
func (db *DB) DueNudges(team activity.TeamID, now time.Time) ([]policy.Record, error) {
	var rs []policy.Record
	end := timeKey(now)
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ib := tb.Bucket(nudgeDueBucket)
		if ib == nil {
			return nil
		}
		c := ib.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) <= 8 {
				return fmt.Errorf("malformed %s key %x", nudgeDueBucket, k)
			}
			if bytes.Compare(k[:8], end) > 0 {
				break
			}
			r, err := getIndexedNudge(tb, team, nudgeDueBucket, k, k[8:])
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		return nil
	}, nil, checkID("team", string(team)))
	if err != nil {
		return nil, fmt.Errorf("store: due nudges %s: %w", team, err)
	}
	return rs, nil
}

// HeldNudge returns manager's held nudge of kind, if there is one (the
// oldest, should there be several).
func (db *DB) HeldNudge(team activity.TeamID, manager activity.UserID, kind string) (policy.Record, bool, error) {
	var (
		r     policy.Record
		found bool
	)
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ib := tb.Bucket(nudgeHeldBucket)
		if ib == nil {
			return nil
		}
		prefix := heldPrefix(manager, kind)
		k, _ := ib.Cursor().Seek(prefix)
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return nil
		}
		if len(k) <= len(prefix)+8 {
			return fmt.Errorf("malformed %s key %x", nudgeHeldBucket, k)
		}
		var err error
		r, err = getIndexedNudge(tb, team, nudgeHeldBucket, k, k[len(prefix)+8:])
		found = err == nil
		return err
	}, nil, checkID("team", string(team)), checkID("manager", string(manager)), checkID("kind", kind))
	if err != nil {
		return policy.Record{}, false, fmt.Errorf("store: held %s nudge of %s: %w", kind, manager, err)
	}
	return r, found, nil
}

// SetNudgeState moves team's nudge id to state, at at: Sent sets SentAt to
// at, and Held sets Due to at (when at is not zero); other states leave the
// times alone. It returns an error wrapping ErrNotFound for an unknown id.
func (db *DB) SetNudgeState(team activity.TeamID, id string, state policy.State, at time.Time) error {
	err := db.updateNudge(team, id, func(r *policy.Record) error {
		if !knownState(state) {
			return fmt.Errorf("unknown state %q", state)
		}
		r.State = state
		switch {
		case state == policy.Sent:
			r.SentAt = at
		case state == policy.Held && !at.IsZero():
			r.Due = at
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set nudge %s state %s: %w", id, state, err)
	}
	return nil
}

// SetFeedback records the manager's answer to "was this helpful?" on team's
// nudge id: policy.Helpful or policy.NotHelpful, replacing an earlier one.
// It returns an error wrapping ErrNotFound for an unknown id.
func (db *DB) SetFeedback(team activity.TeamID, id, feedback string) error {
	err := db.updateNudge(team, id, func(r *policy.Record) error {
		if feedback != policy.Helpful && feedback != policy.NotHelpful {
			return fmt.Errorf("unknown feedback %q", feedback)
		}
		r.Feedback = feedback
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set feedback on nudge %s: %w", id, err)
	}
	return nil
}

// Feedback returns team's feedback totals. It counts index keys and reads no
// record.
func (db *DB) Feedback(team activity.TeamID) (FeedbackCounts, error) {
	var fc FeedbackCounts
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ib := tb.Bucket(nudgeFeedbackBucket)
		if ib == nil {
			return nil
		}
		for _, c := range []struct {
			feedback string
			n        *int
		}{{policy.Helpful, &fc.Helpful}, {policy.NotHelpful, &fc.NotHelpful}} {
			prefix := append([]byte(c.feedback), 0)
			cur := ib.Cursor()
			for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
				*c.n++
			}
		}
		return nil
	}, nil, checkID("team", string(team)))
	if err != nil {
		return FeedbackCounts{}, fmt.Errorf("store: feedback %s: %w", team, err)
	}
	return fc, nil
}

// PurgeNudges deletes the nudge records, of every team, created before
// before, except held ones (still to be sent), and returns how many it
// deleted.
func (db *DB) PurgeNudges(before time.Time) (int, error) {
	cut := timeKey(before)
	var n int
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		n = 0
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			ib := tb.Bucket(nudgeByManagerBucket)
			if ib == nil {
				return nil
			}
			ids, err := keysBefore(ib, cut)
			if err != nil {
				return fmt.Errorf("team %s: %w", team, err)
			}
			for _, id := range ids {
				r, err := getNudge(tb, team, id)
				if err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
				if r.State == policy.Held {
					continue
				}
				if err := deleteIndexed(tb, nudgesBucket, id, nudgeIndexEntries(r)); err != nil {
					return fmt.Errorf("team %s: nudge %s: %w", team, id, err)
				}
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge nudges before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// updateNudge changes team's nudge id with change in one write transaction.
func (db *DB) updateNudge(team activity.TeamID, id string, change func(*policy.Record) error) error {
	if err := errors.Join(checkID("team", string(team)), checkID("nudge", id)); err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil {
			return err
		}
		if tb == nil {
			return ErrNotFound
		}
		r, err := getNudge(tb, team, []byte(id))
		if err != nil {
			return err
		}
		if err := change(&r); err != nil {
			return err
		}
		return putNudgeTx(tb, r)
	})
}

// forgetNudgesTx deletes manager's nudge records and returns how many.
func forgetNudgesTx(tb *bbolt.Bucket, team activity.TeamID, manager activity.UserID) (int, error) {
	ib := tb.Bucket(nudgeByManagerBucket)
	if ib == nil {
		return 0, nil
	}
	prefix := append([]byte(manager), 0)
	var ids [][]byte
	c := ib.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		_, id, err := splitOwnerTimeKey(k)
		if err != nil {
			return 0, err
		}
		ids = append(ids, bytes.Clone(id))
	}
	for _, id := range ids {
		r, err := getNudge(tb, team, id)
		if err != nil {
			return 0, err
		}
		if err := deleteIndexed(tb, nudgesBucket, id, nudgeIndexEntries(r)); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// putNudgeTx stores r and brings the indexes in line, replacing an earlier
// version.
func putNudgeTx(tb *bbolt.Bucket, r policy.Record) error {
	id := []byte(r.ID)
	var old []indexEntry
	if nb := tb.Bucket(nudgesBucket); nb != nil {
		if v := nb.Get(id); v != nil {
			prev, err := decodeNudge(r.Team, id, v)
			if err != nil {
				return err
			}
			old = nudgeIndexEntries(prev)
		}
	}
	v, err := json.Marshal(nudgeRecord{
		V:         recordVersion,
		Manager:   r.Manager,
		Kind:      r.Kind,
		Created:   timeToNanos(r.Created),
		State:     r.State,
		Due:       timeToNanos(r.Due),
		SentAt:    timeToNanos(r.SentAt),
		VariantID: r.VariantID,
		Feedback:  r.Feedback,
		Channel:   r.Channel,
		TS:        r.TS,
	})
	if err != nil {
		return err
	}
	return putIndexed(tb, nudgesBucket, id, v, old, nudgeIndexEntries(r))
}

// getNudge reads and decodes the nudge stored under id.
func getNudge(tb *bbolt.Bucket, team activity.TeamID, id []byte) (policy.Record, error) {
	var v []byte
	if nb := tb.Bucket(nudgesBucket); nb != nil {
		v = nb.Get(id)
	}
	if v == nil {
		return policy.Record{}, ErrNotFound
	}
	return decodeNudge(team, id, v)
}

// getIndexedNudge is getNudge for an ID read from index entry k of bucket
// idx: a missing record is a broken index, not ErrNotFound.
func getIndexedNudge(tb *bbolt.Bucket, team activity.TeamID, idx, k, id []byte) (policy.Record, error) {
	r, err := getNudge(tb, team, id)
	if errors.Is(err, ErrNotFound) {
		return policy.Record{}, fmt.Errorf("%s entry %x has no nudge", idx, k)
	}
	return r, err
}

// nudgeIndexEntries returns the index entries of r.
func nudgeIndexEntries(r policy.Record) []indexEntry {
	created := timeKey(r.Created)
	byManager := make([]byte, 0, len(r.Manager)+1+8+len(r.ID))
	byManager = append(byManager, r.Manager...)
	byManager = append(byManager, 0)
	byManager = append(byManager, created...)
	byManager = append(byManager, r.ID...)
	es := []indexEntry{{nudgeByManagerBucket, byManager}}
	if r.State == policy.Held {
		due := append(timeKey(r.Due), r.ID...)
		held := heldPrefix(r.Manager, r.Kind)
		held = append(held, created...)
		held = append(held, r.ID...)
		es = append(es, indexEntry{nudgeDueBucket, due}, indexEntry{nudgeHeldBucket, held})
	}
	if r.Feedback != "" {
		fb := make([]byte, 0, len(r.Feedback)+1+len(r.ID))
		fb = append(fb, r.Feedback...)
		fb = append(fb, 0)
		fb = append(fb, r.ID...)
		es = append(es, indexEntry{nudgeFeedbackBucket, fb})
	}
	return es
}

// heldPrefix is the nudge_held prefix of manager's held nudges of kind:
// manager ‖ 0x00 ‖ kind ‖ 0x00.
func heldPrefix(manager activity.UserID, kind string) []byte {
	b := make([]byte, 0, len(manager)+len(kind)+2+8+32)
	b = append(b, manager...)
	b = append(b, 0)
	b = append(b, kind...)
	return append(b, 0)
}

// checkNudge checks what PutNudge needs of r.
func checkNudge(r policy.Record) error {
	err := errors.Join(
		checkID("nudge", r.ID),
		checkID("team", string(r.Team)),
		checkID("manager", string(r.Manager)),
		checkID("kind", r.Kind),
		checkOptionalID("channel", string(r.Channel)),
		checkOptionalID("ts", string(r.TS)),
		checkText(r.ID, string(r.Manager), r.Kind, r.VariantID, string(r.Channel), string(r.TS)),
	)
	if !knownState(r.State) {
		err = errors.Join(err, fmt.Errorf("unknown state %q", r.State))
	}
	switch r.Feedback {
	case "", policy.Helpful, policy.NotHelpful:
	default:
		err = errors.Join(err, fmt.Errorf("unknown feedback %q", r.Feedback))
	}
	return err
}

func knownState(s policy.State) bool {
	switch s {
	case policy.Held, policy.Sending, policy.Sent, policy.Failed:
		return true
	}
	return false
}

// decodeNudge decodes the nudge stored for team under id. The result shares
// no memory with id or v.
func decodeNudge(team activity.TeamID, id, v []byte) (policy.Record, error) {
	var rec nudgeRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return policy.Record{}, fmt.Errorf("nudge %q: %w", id, err)
	}
	return policy.Record{
		ID:        string(id),
		Team:      team,
		Manager:   rec.Manager,
		Kind:      rec.Kind,
		Created:   nanosToTime(rec.Created),
		State:     rec.State,
		Due:       nanosToTime(rec.Due),
		SentAt:    nanosToTime(rec.SentAt),
		VariantID: rec.VariantID,
		Feedback:  rec.Feedback,
		Channel:   rec.Channel,
		TS:        rec.TS,
	}, nil
}

// checkNudges checks that every nudge decodes and has exactly its index
// entries (for Check).
func checkNudges(tb *bbolt.Bucket, team activity.TeamID) error {
	indexes := [][]byte{nudgeByManagerBucket, nudgeDueBucket, nudgeHeldBucket, nudgeFeedbackBucket}
	return checkIndexed(tb, nudgesBucket, indexes, func(k, v []byte) ([]indexEntry, error) {
		r, err := decodeNudge(team, k, v)
		if err != nil {
			return nil, err
		}
		if err := checkNudge(r); err != nil {
			return nil, fmt.Errorf("nudge %q: %w", k, err)
		}
		return nudgeIndexEntries(r), nil
	})
}

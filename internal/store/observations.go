package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// Observations are the raw per-message metadata kept for opted-in managers'
// patterns; the engine decides which messages are worth keeping, the store
// keeps what it is given. activity.Observation has no field that could hold
// text, so neither can the store.
//
// Writes are grouped like event IDs (events.go): RecordObservation encodes
// the observation, appends it to a pending list and returns; the background
// flusher writes everything pending (event IDs and observations together) in
// one transaction. A clean Flush or Close writes everything first; a hard
// crash loses at most the last few milliseconds. Reads (Observations,
// ObservationsIn) see pending observations too, and the methods that delete
// (PurgeObservations, PruneObservations, ForgetObservationsOf, ForgetUser)
// write what is pending in the same transaction in which they delete, so
// nothing recorded before they are called escapes them.

// defaultMaxPendingObs bounds the observations waiting to be written; past
// it RecordObservation writes the backlog itself (backpressure).
const defaultMaxPendingObs = 1 << 16

// scanChunk is how many stored observations a scan reads per read
// transaction. The callback runs outside any transaction, so it may use the
// DB.
const scanChunk = 256

// obsVersion is the leading byte of every stored observation value.
const obsVersion = 1

// Flags in the third byte of an observation value.
const (
	obsFlagBot          = 1 << 0 // IsBot
	obsFlagThreadParent = 1 << 1 // ThreadTS == TS (not repeated)
	obsFlagThreadTS     = 1 << 2 // ThreadTS follows the user
)

var (
	observationsBucket = []byte("observations")
	obsByChannelBucket = []byte("obs_by_channel")
)

// obsRecord is an encoded observation waiting to be written. Its byte
// slices are never changed once made, so readers may share them.
type obsRecord struct {
	team activity.TeamID
	key  []byte // observations key
	val  []byte
}

// RecordObservation keeps o for its team. It does not wait for the disk: the
// observation is written with the next group commit, and is durable once
// Flush or Close returns (see the comment at the top of observations.go).
// Recording the same message (channel and ts) again replaces it. Team,
// Channel and a valid TS are required.
func (db *DB) RecordObservation(o activity.Observation) error {
	rec, err := encodeObservationRecord(o)
	if err != nil {
		return fmt.Errorf("store: record observation %s/%s: %w", o.Channel, o.TS, err)
	}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return fmt.Errorf("store: record observation %s/%s: %w", o.Channel, o.TS, ErrClosed)
	}
	db.pendingObs = append(db.pendingObs, rec)
	backlog := len(db.pendingObs) >= db.cfg.maxPendingObs
	db.mu.Unlock()

	if backlog {
		// The disk is behind: write the backlog on this goroutine so that
		// the callers slow down to what the disk can take. On failure the
		// records stay pending for the flusher to retry.
		if err := db.flush(); err != nil {
			db.log.Error("store: writing observations", "err", err)
		}
		return nil
	}
	select {
	case db.kick <- struct{}{}:
	default: // the flusher is already due to run
	}
	return nil
}

// Observations calls fn for each observation of team posted in [from, to),
// in time order (then channel, then ts), until fn returns false. It sees
// observations still waiting to be written. fn runs outside any
// transaction and may use the DB; observations recorded or deleted while
// the scan runs may or may not be seen.
func (db *DB) Observations(team activity.TeamID, from, to time.Time, fn func(activity.Observation) bool) error {
	if err := db.scanObservations(team, "", from, to, fn); err != nil {
		return fmt.Errorf("store: observations %s: %w", team, err)
	}
	return nil
}

// ObservationsIn is Observations for one conversation. It reads the
// per-channel index, so its cost depends on that channel's traffic only.
func (db *DB) ObservationsIn(team activity.TeamID, channel activity.ChannelID, from, to time.Time, fn func(activity.Observation) bool) error {
	if err := checkID("channel", string(channel)); err != nil {
		return fmt.Errorf("store: observations %s/%s: %w", team, channel, err)
	}
	if err := db.scanObservations(team, channel, from, to, fn); err != nil {
		return fmt.Errorf("store: observations %s/%s: %w", team, channel, err)
	}
	return nil
}

// PurgeObservations deletes the observations, of every team, posted before
// before, and returns how many it deleted.
func (db *DB) PurgeObservations(before time.Time) (int, error) {
	cut := encodeTime(before)
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			ob := tb.Bucket(observationsBucket)
			if ob == nil {
				return nil
			}
			ib := tb.Bucket(obsByChannelBucket)
			// Keys start with the time, so the ones to delete are a prefix
			// of the bucket. Re-seek after each delete: a cursor's Next
			// after Delete can skip a key.
			c := ob.Cursor()
			var ik []byte
			for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.First() {
				var err error
				if ik, err = appendIndexKey(ik[:0], k); err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
				if err := c.Delete(); err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
				if ib != nil {
					if err := ib.Delete(ik); err != nil {
						return fmt.Errorf("team %s: %w", team, err)
					}
				}
				n++
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge observations before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// PruneObservations deletes team's observations that keep rejects and
// returns how many it deleted. keep runs inside the write transaction, so it
// must not use the DB.
func (db *DB) PruneObservations(team activity.TeamID, keep func(activity.Observation) bool) (int, error) {
	if err := checkID("team", string(team)); err != nil {
		return 0, fmt.Errorf("store: prune observations: %w", err)
	}
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		ob := tb.Bucket(observationsBucket)
		if ob == nil {
			return nil
		}
		var drop [][]byte
		err = ob.ForEach(func(k, v []byte) error {
			o, err := decodeObservation(team, k, v)
			if err != nil {
				return err
			}
			if !keep(o) {
				drop = append(drop, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range drop {
			if err := deleteObservation(tb, k); err != nil {
				return err
			}
		}
		n = len(drop)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune observations %s: %w", team, err)
	}
	return n, nil
}

// ForgetObservationsOf deletes team's observations posted by user and
// removes user from the mentions and thread parent of the others, and
// deletes the pending requests user asked (requests.go). It returns how many
// observations and requests it deleted or rewrote.
func (db *DB) ForgetObservationsOf(team activity.TeamID, user activity.UserID) (int, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("user", string(user))); err != nil {
		return 0, fmt.Errorf("store: forget observations of %s: %w", user, err)
	}
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		if n, err = forgetObservationsTx(tb, team, user); err != nil {
			return err
		}
		requests, err := forgetRequestsTx(tb, team, user, false)
		n += requests
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: forget observations of %s: %w", user, err)
	}
	return n, nil
}

// forgetObservationsTx is ForgetObservationsOf inside a transaction.
func forgetObservationsTx(tb *bbolt.Bucket, team activity.TeamID, user activity.UserID) (int, error) {
	ob := tb.Bucket(observationsBucket)
	if ob == nil {
		return 0, nil
	}
	type change struct {
		key, val []byte // val nil: delete
	}
	var changes []change
	needle := []byte(user)
	err := ob.ForEach(func(k, v []byte) error {
		// User IDs are stored as they are, so a value that does not contain
		// the ID does not mention the user; most values are skipped here.
		if !bytes.Contains(v, needle) {
			return nil
		}
		o, err := decodeObservation(team, k, v)
		if err != nil {
			return err
		}
		if o.User == user {
			changes = append(changes, change{key: bytes.Clone(k)})
			return nil
		}
		mentioned := slices.Contains(o.Mentions, user)
		if !mentioned && o.ParentUser != user {
			return nil
		}
		if o.ParentUser == user {
			o.ParentUser = ""
		}
		o.Mentions = slices.DeleteFunc(o.Mentions, func(u activity.UserID) bool { return u == user })
		if len(o.Mentions) == 0 {
			o.Mentions = nil
		}
		changes = append(changes, change{key: bytes.Clone(k), val: appendObservationValue(nil, o)})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, c := range changes {
		if c.val == nil {
			err = deleteObservation(tb, c.key)
		} else {
			err = ob.Put(c.key, c.val)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

// updateOpen is updateWithPending for the public methods: it refuses a
// closed DB with ErrClosed.
func (db *DB) updateOpen(fn func(tx *bbolt.Tx) error) error {
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return db.updateWithPending(fn)
}

// deleteObservation deletes the observation with key k and its index entry.
func deleteObservation(tb *bbolt.Bucket, k []byte) error {
	ik, err := appendIndexKey(nil, k)
	if err != nil {
		return err
	}
	if ob := tb.Bucket(observationsBucket); ob != nil {
		if err := ob.Delete(k); err != nil {
			return err
		}
	}
	if ib := tb.Bucket(obsByChannelBucket); ib != nil {
		if err := ib.Delete(ik); err != nil {
			return err
		}
	}
	return nil
}

// writeObservations puts records, and their index entries, into their
// teams' buckets.
func writeObservations(tx *bbolt.Tx, batch []obsRecord) error {
	type buckets struct{ obs, idx *bbolt.Bucket }
	teams := make(map[activity.TeamID]buckets, 1)
	var ik []byte
	for _, r := range batch {
		b, ok := teams[r.team]
		if !ok {
			tb, err := teamBucket(tx, r.team, true)
			if err != nil {
				return err
			}
			if b.obs, err = tb.CreateBucketIfNotExists(observationsBucket); err != nil {
				return fmt.Errorf("team %s: observations bucket: %w", r.team, err)
			}
			if b.idx, err = tb.CreateBucketIfNotExists(obsByChannelBucket); err != nil {
				return fmt.Errorf("team %s: observations index bucket: %w", r.team, err)
			}
			teams[r.team] = b
		}
		var err error
		if ik, err = appendIndexKey(ik[:0], r.key); err != nil {
			return err
		}
		if err := b.obs.Put(r.key, r.val); err != nil {
			return fmt.Errorf("team %s: observation: %w", r.team, err)
		}
		if err := b.idx.Put(ik, emptyValue); err != nil {
			return fmt.Errorf("team %s: observation index: %w", r.team, err)
		}
	}
	return nil
}

// scanned is an observation read by a scan, with its key.
type scanned struct {
	key []byte
	obs activity.Observation
}

// scanObservations walks team's observations in [from, to), one channel's
// only when channel is not empty, merging those still pending with those on
// disk. It reads the disk in chunks, each in its own read transaction, and
// calls fn between them.
func (db *DB) scanObservations(team activity.TeamID, channel activity.ChannelID, from, to time.Time, fn func(activity.Observation) bool) error {
	if err := checkID("team", string(team)); err != nil {
		return err
	}
	lo := encodeTime(from)
	hi := encodeTime(to)
	if bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	mem, err := db.pendingIn(team, channel, lo, hi)
	if err != nil {
		return err
	}
	var after []byte // key of the last observation read from disk
	for {
		chunk, more, err := db.readChunk(team, channel, lo, hi, after)
		if err != nil {
			return err
		}
	disk:
		for _, d := range chunk {
			for len(mem) > 0 && bytes.Compare(mem[0].key, d.key) <= 0 {
				same := bytes.Equal(mem[0].key, d.key)
				if !fn(mem[0].obs) {
					return nil
				}
				mem = mem[1:]
				if same {
					continue disk // the pending one is newer
				}
			}
			if !fn(d.obs) {
				return nil
			}
		}
		if !more {
			break
		}
		after = chunk[len(chunk)-1].key
	}
	for _, m := range mem {
		if !fn(m.obs) {
			return nil
		}
	}
	return nil
}

// readChunk reads up to scanChunk observations of team with keys in
// [lo, hi) by time and greater than after (when not nil), in key order, and
// reports whether there may be more.
func (db *DB) readChunk(team activity.TeamID, channel activity.ChannelID, lo, hi, after []byte) (chunk []scanned, more bool, err error) {
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		ob := tb.Bucket(observationsBucket)
		if ob == nil {
			return nil
		}
		add := func(k, v []byte) error {
			o, err := decodeObservation(team, k, v)
			if err != nil {
				return err
			}
			chunk = append(chunk, scanned{key: bytes.Clone(k), obs: o})
			return nil
		}
		if channel == "" {
			seek := lo
			if after != nil {
				seek = after
			}
			c := ob.Cursor()
			k, v := c.Seek(seek)
			if after != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for ; k != nil && bytes.Compare(k[:min(8, len(k))], hi) < 0; k, v = c.Next() {
				if len(chunk) == scanChunk {
					more = true
					return nil
				}
				if err := add(k, v); err != nil {
					return err
				}
			}
			return nil
		}
		ib := tb.Bucket(obsByChannelBucket)
		if ib == nil {
			return nil
		}
		prefix := append([]byte(channel), 0)
		seek := append(bytes.Clone(prefix), lo...)
		if after != nil {
			if seek, err = appendIndexKey(nil, after); err != nil {
				return err
			}
		}
		c := ib.Cursor()
		k, _ := c.Seek(seek)
		if after != nil && bytes.Equal(k, seek) {
			k, _ = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			rest := k[len(prefix):]
			if len(rest) < 8 || bytes.Compare(rest[:8], hi) >= 0 {
				break
			}
			if len(chunk) == scanChunk {
				more = true
				return nil
			}
			pk, err := appendPrimaryKey(nil, k)
			if err != nil {
				return err
			}
			v := ob.Get(pk)
			if v == nil {
				return fmt.Errorf("index entry %x has no observation", k)
			}
			if err := add(pk, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return chunk, more, nil
}

// pendingIn returns the observations of team (in channel, if not empty)
// with time keys in [lo, hi) that are waiting to be written or being
// written, decoded and sorted by key; of two with one key, the later one.
func (db *DB) pendingIn(team activity.TeamID, channel activity.ChannelID, lo, hi []byte) ([]scanned, error) {
	var recs []obsRecord
	db.mu.Lock()
	for _, list := range [][]obsRecord{db.inflightObs, db.pendingObs} {
		for _, r := range list {
			if r.team != team || bytes.Compare(r.key[:8], lo) < 0 || bytes.Compare(r.key[:8], hi) >= 0 {
				continue
			}
			if channel != "" && !keyInChannel(r.key, channel) {
				continue
			}
			recs = append(recs, r)
		}
	}
	db.mu.Unlock()
	if len(recs) == 0 {
		return nil, nil
	}
	// Stable, so that of equal keys the one recorded last ends up last.
	slices.SortStableFunc(recs, func(a, b obsRecord) int { return bytes.Compare(a.key, b.key) })
	out := make([]scanned, 0, len(recs))
	for i, r := range recs {
		if i+1 < len(recs) && bytes.Equal(r.key, recs[i+1].key) {
			continue
		}
		o, err := decodeObservation(team, r.key, r.val)
		if err != nil {
			return nil, err
		}
		out = append(out, scanned{key: r.key, obs: o})
	}
	return out, nil
}

// keyInChannel reports whether an observations key is in channel.
func keyInChannel(k []byte, channel activity.ChannelID) bool {
	rest := k[8:]
	return len(rest) > len(channel) && string(rest[:len(channel)]) == string(channel) && rest[len(channel)] == 0
}

// Keys.
//
//	observations:    at(8) ‖ channel ‖ 0x00 ‖ ts
//	obs_by_channel:  channel ‖ 0x00 ‖ at(8) ‖ ts

// appendObservationKey appends o's observations key.
func appendObservationKey(b []byte, o activity.Observation) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(max(o.TS.Time().UnixNano(), 0)))
	b = append(b, o.Channel...)
	b = append(b, 0)
	return append(b, o.TS...)
}

// splitObservationKey returns the parts of an observations key.
func splitObservationKey(k []byte) (at, channel, ts []byte, err error) {
	if len(k) < 8 {
		return nil, nil, nil, fmt.Errorf("malformed observation key %x", k)
	}
	channel, ts, ok := bytes.Cut(k[8:], []byte{0})
	if !ok || len(channel) == 0 || len(ts) == 0 {
		return nil, nil, nil, fmt.Errorf("malformed observation key %x", k)
	}
	return k[:8], channel, ts, nil
}

// appendIndexKey appends the obs_by_channel key for observations key k.
func appendIndexKey(b, k []byte) ([]byte, error) {
	at, channel, ts, err := splitObservationKey(k)
	if err != nil {
		return b, err
	}
	b = append(b, channel...)
	b = append(b, 0)
	b = append(b, at...)
	return append(b, ts...), nil
}

// appendPrimaryKey appends the observations key for obs_by_channel key ik.
func appendPrimaryKey(b, ik []byte) ([]byte, error) {
	channel, rest, ok := bytes.Cut(ik, []byte{0})
	if !ok || len(channel) == 0 || len(rest) <= 8 {
		return b, fmt.Errorf("malformed observation index key %x", ik)
	}
	b = append(b, rest[:8]...)
	b = append(b, channel...)
	b = append(b, 0)
	return append(b, rest[8:]...), nil
}

// Values.
//
// Version 1 (all strings are a uvarint length and the bytes):
//
//	version(1) kind(1) flags(1) user [thread ts] parent-user mentions
//
// where mentions is a uvarint count followed by that many strings. Team,
// channel and ts are in the bucket and key and not repeated; thread ts is
// written only when the message is a reply (flags say whether it is absent,
// equal to ts, or follows).

// encodeObservationRecord checks o and encodes it for writing.
func encodeObservationRecord(o activity.Observation) (obsRecord, error) {
	if err := errors.Join(
		checkID("team", string(o.Team)),
		checkID("channel", string(o.Channel)),
		checkOptionalID("user", string(o.User)),
		checkOptionalID("parent user", string(o.ParentUser)),
		checkOptionalID("thread ts", string(o.ThreadTS)),
	); err != nil {
		return obsRecord{}, err
	}
	if !o.TS.Valid() {
		return obsRecord{}, fmt.Errorf("malformed ts %q", o.TS)
	}
	for _, m := range o.Mentions {
		if err := checkID("mentioned user", string(m)); err != nil {
			return obsRecord{}, err
		}
	}
	return obsRecord{
		team: o.Team,
		key:  appendObservationKey(make([]byte, 0, 8+len(o.Channel)+1+len(o.TS)), o),
		val:  appendObservationValue(nil, o),
	}, nil
}

// appendObservationValue appends the version 1 encoding of o.
func appendObservationValue(b []byte, o activity.Observation) []byte {
	var flags byte
	if o.IsBot {
		flags |= obsFlagBot
	}
	switch o.ThreadTS {
	case "":
	case o.TS:
		flags |= obsFlagThreadParent
	default:
		flags |= obsFlagThreadTS
	}
	b = append(b, obsVersion, byte(o.Kind), flags)
	b = appendString(b, string(o.User))
	if flags&obsFlagThreadTS != 0 {
		b = appendString(b, string(o.ThreadTS))
	}
	b = appendString(b, string(o.ParentUser))
	b = binary.AppendUvarint(b, uint64(len(o.Mentions)))
	for _, m := range o.Mentions {
		b = appendString(b, string(m))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeObservation decodes an observation stored for team under key k. The
// result shares no memory with k or v.
func decodeObservation(team activity.TeamID, k, v []byte) (activity.Observation, error) {
	_, channel, ts, err := splitObservationKey(k)
	if err != nil {
		return activity.Observation{}, err
	}
	if len(v) < 3 {
		return activity.Observation{}, fmt.Errorf("observation %x: value too short", k)
	}
	if v[0] != obsVersion {
		return activity.Observation{}, fmt.Errorf("observation %x: unknown encoding version %d", k, v[0])
	}
	o := activity.Observation{
		Team:    team,
		Channel: activity.ChannelID(channel),
		Kind:    activity.ChannelKind(v[1]),
		TS:      activity.TS(ts),
		IsBot:   v[2]&obsFlagBot != 0,
	}
	flags := v[2]
	d := decoder{b: v[3:]}
	o.User = activity.UserID(d.string())
	switch {
	case flags&obsFlagThreadTS != 0:
		o.ThreadTS = activity.TS(d.string())
	case flags&obsFlagThreadParent != 0:
		o.ThreadTS = o.TS
	}
	o.ParentUser = activity.UserID(d.string())
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.b)) { // each mention takes at least a byte
			d.err = errors.New("mention count too large")
		} else {
			o.Mentions = make([]activity.UserID, 0, n)
			for range n {
				o.Mentions = append(o.Mentions, activity.UserID(d.string()))
			}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return activity.Observation{}, fmt.Errorf("observation %x: %w", k, d.err)
	}
	return o, nil
}

// decoder reads uvarints and strings, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	n, size := binary.Uvarint(d.b)
	if size <= 0 {
		d.err = errors.New("malformed length")
		return 0
	}
	d.b = d.b[size:]
	return n
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errors.New("string runs past the end")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// checkID checks a Slack ID that is part of a key or record: not empty and
// without a 0x00 byte, which separates key parts.
func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("empty %s id", what)
	}
	return checkOptionalID(what, id)
}

func checkOptionalID(what, id string) error {
	if strings.IndexByte(id, 0) >= 0 {
		return fmt.Errorf("malformed %s id %q", what, id)
	}
	return nil
}

// checkObservationsIndex checks that every observation decodes and that
// obs_by_channel has exactly one entry for each (for Check).
func checkObservationsIndex(tb *bbolt.Bucket, team activity.TeamID) error {
	ob, ib := tb.Bucket(observationsBucket), tb.Bucket(obsByChannelBucket)
	var n, ni int
	if ob != nil {
		err := ob.ForEach(func(k, v []byte) error {
			if _, err := decodeObservation(team, k, v); err != nil {
				return err
			}
			ik, err := appendIndexKey(nil, k)
			if err != nil {
				return err
			}
			if ib == nil || ib.Get(ik) == nil {
				return fmt.Errorf("observation %x has no obs_by_channel entry", k)
			}
			n++
			return nil
		})
		if err != nil {
			return err
		}
	}
	if ib != nil {
		ni = ib.Stats().KeyN
	}
	if ni != n {
		return fmt.Errorf("obs_by_channel has %d entries for %d observations", ni, n)
	}
	return nil
}

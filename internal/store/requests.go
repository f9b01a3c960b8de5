package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/detect"
)

// Pending requests are team members' messages waiting for their manager
// (detect.Request). They come from events, so they are written like
// observations (observations.go): PutRequest and ResolveRequest queue the
// change and return, and the background flusher writes everything queued
// (event IDs, observations and request changes) in one transaction. A clean
// Flush or Close writes everything first; a hard crash loses at most the last
// few milliseconds of changes, so a request may be missed, or come back
// after it was answered (and be answered, or purged as stale, again).
//
// Reads (PendingRequests, PendingRequestsIn, RequestManagers, ResolveRequest)
// see queued changes: they take a snapshot of the queue first and then read
// the file, so a change is always either in the snapshot or already on disk.
// The methods that delete (PruneRequests, PurgeRequests,
// ForgetObservationsOf, ForgetUser) write the queue in the same transaction
// in which they delete, so nothing queued before they are called escapes
// them.
//
// A request is stored under its detect.Request.Key(), which the store treats
// as an opaque string, with two indexes:
//
//	requests        key = Key(), value = JSON requestRecord
//	req_by_manager  manager ‖ 0x00 ‖ since(8) ‖ Key()
//	req_by_channel  manager ‖ 0x00 ‖ channel ‖ 0x00 ‖ since(8) ‖ Key()
//
// kept in step in the same transaction.

// defaultMaxPendingReq bounds the request changes waiting to be written;
// past it PutRequest and ResolveRequest write the backlog themselves.
const defaultMaxPendingReq = 1 << 14

var (
	requestsBucket     = []byte("requests")
	reqByManagerBucket = []byte("req_by_manager")
	reqByChannelBucket = []byte("req_by_channel")
)

// reqOp is a queued change to a pending request: a put, or a delete (del).
// Both carry the request, so that readers know whose it is.
type reqOp struct {
	team activity.TeamID
	key  string // req.Key()
	req  detect.Request
	val  []byte // encoded req; nil for a delete
	del  bool
}

type requestRecord struct {
	V        int                `json:"v"`
	Manager  activity.UserID    `json:"manager"`
	Asker    activity.UserID    `json:"asker"`
	Channel  activity.ChannelID `json:"channel"`
	TS       activity.TS        `json:"ts"`
	ThreadTS activity.TS        `json:"thread_ts,omitempty"`
	TopLevel bool               `json:"top_level,omitempty"`
	Since    int64              `json:"since"`
}

// PutRequest keeps r as pending until it is resolved, pruned or purged;
// a request with the same Key replaces it. It does not wait for the disk (see
// the comment at the top of requests.go). Team, Manager, Asker, Channel, a
// valid TS and Since are required.
func (db *DB) PutRequest(r detect.Request) error {
	op, err := encodeRequestOp(r)
	if err != nil {
		return fmt.Errorf("store: put request %s: %w", r.Key(), err)
	}
	db.reqMu.Lock()
	err = db.queueRequestOp(op)
	db.reqMu.Unlock()
	if err != nil {
		return fmt.Errorf("store: put request %s: %w", r.Key(), err)
	}
	db.kickRequests()
	return nil
}

// ResolveRequest deletes team's pending request with this key (an answer came)
// and returns it, or reports false when there is none. Of concurrent calls
// for one key, one gets the request.
func (db *DB) ResolveRequest(team activity.TeamID, key string) (detect.Request, bool, error) {
	r, ok, err := db.resolveRequest(team, key)
	if err != nil {
		return detect.Request{}, false, fmt.Errorf("store: resolve request %s: %w", key, err)
	}
	if ok {
		db.kickRequests()
	}
	return r, ok, nil
}

func (db *DB) resolveRequest(team activity.TeamID, key string) (detect.Request, bool, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("request", key)); err != nil {
		return detect.Request{}, false, err
	}
	// reqMu orders this against other puts and resolves: nothing can queue a
	// change between the snapshot and the delete below.
	db.reqMu.Lock()
	defer db.reqMu.Unlock()
	ops, err := db.requestOps(team)
	if err != nil {
		return detect.Request{}, false, err
	}
	var r detect.Request
	found, decided := false, false
	for i := len(ops) - 1; i >= 0; i-- {
		if ops[i].key == key {
			r, found, decided = ops[i].req, !ops[i].del, true
			break
		}
	}
	if !decided {
		// Not in the queue, so what the file says is current.
		err := db.bolt.View(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, team, false)
			if err != nil || tb == nil {
				return err
			}
			rb := tb.Bucket(requestsBucket)
			if rb == nil {
				return nil
			}
			v := rb.Get([]byte(key))
			if v == nil {
				return nil
			}
			r, err = decodeRequest(team, []byte(key), v)
			found = err == nil
			return err
		})
		if err != nil {
			return detect.Request{}, false, err
		}
	}
	if !found {
		return detect.Request{}, false, nil
	}
	if err := db.queueRequestOp(reqOp{team: team, key: key, req: r, del: true}); err != nil {
		return detect.Request{}, false, err
	}
	return r, true, nil
}

// PendingRequests returns the requests waiting for manager, oldest first (by
// Since, then Key).
func (db *DB) PendingRequests(team activity.TeamID, manager activity.UserID) ([]detect.Request, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager))); err != nil {
		return nil, fmt.Errorf("store: pending requests of %s: %w", manager, err)
	}
	prefix := append([]byte(manager), 0)
	rs, err := db.requestsIndexed(team, reqByManagerBucket, prefix, func(r detect.Request) bool {
		return r.Manager == manager
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending requests of %s: %w", manager, err)
	}
	return rs, nil
}

// PendingRequestsIn is PendingRequests in one conversation. It reads the
// index by manager and channel, so its cost depends on those requests only.
func (db *DB) PendingRequestsIn(team activity.TeamID, manager activity.UserID, channel activity.ChannelID) ([]detect.Request, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager)), checkID("channel", string(channel))); err != nil {
		return nil, fmt.Errorf("store: pending requests of %s in %s: %w", manager, channel, err)
	}
	rs, err := db.requestsIndexed(team, reqByChannelBucket, channelPrefix(manager, channel), func(r detect.Request) bool {
		return r.Manager == manager && r.Channel == channel
	})
	if err != nil {
		return nil, fmt.Errorf("store: pending requests of %s in %s: %w", manager, channel, err)
	}
	return rs, nil
}

// RequestManagers returns the managers of team with any pending request,
// sorted. It reads index keys only.
func (db *DB) RequestManagers(team activity.TeamID) ([]activity.UserID, error) {
	if err := checkID("team", string(team)); err != nil {
		return nil, fmt.Errorf("store: request managers: %w", err)
	}
	ops, err := db.requestOps(team)
	if err != nil {
		return nil, fmt.Errorf("store: request managers %s: %w", team, err)
	}
	owner := map[string]activity.UserID{} // request key → manager
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		ib := tb.Bucket(reqByManagerBucket)
		if ib == nil {
			return nil
		}
		return ib.ForEach(func(k, _ []byte) error {
			manager, key, err := splitOwnerTimeKey(k)
			if err != nil {
				return err
			}
			owner[string(key)] = activity.UserID(manager) // copies
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: request managers %s: %w", team, err)
	}
	for _, op := range ops {
		if op.del {
			delete(owner, op.key)
		} else {
			owner[op.key] = op.req.Manager
		}
	}
	var ms []activity.UserID
	for _, m := range owner {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return slices.Compact(ms), nil
}

// PruneRequests deletes team's pending requests that keep rejects and
// returns how many it deleted. keep runs inside the write transaction, so
// it must not use the DB.
func (db *DB) PruneRequests(team activity.TeamID, keep func(detect.Request) bool) (int, error) {
	if err := checkID("team", string(team)); err != nil {
		return 0, fmt.Errorf("store: prune requests: %w", err)
	}
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			n = 0
			return err
		}
		n, err = deleteRequestsTx(tb, team, nil, func(r detect.Request) bool { return !keep(r) })
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune requests %s: %w", team, err)
	}
	return n, nil
}

// PurgeRequests deletes the pending requests, of every team, waiting since
// before before (stale: nobody will be nudged about them any more), and
// returns how many it deleted.
func (db *DB) PurgeRequests(before time.Time) (int, error) {
	cut := timeKey(before)
	var n int
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		n = 0
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			ib := tb.Bucket(reqByManagerBucket)
			if ib == nil {
				return nil
			}
			keys, err := keysBefore(ib, cut)
			if err != nil {
				return fmt.Errorf("team %s: %w", team, err)
			}
			for _, k := range keys {
				if err := deleteRequestTx(tb, team, k); err != nil {
					return fmt.Errorf("team %s: %w", team, err)
				}
			}
			n += len(keys)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge requests before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// queueRequestOp queues op for the next group commit. The caller holds
// reqMu, and calls kickRequests once it has let go of it.
func (db *DB) queueRequestOp(op reqOp) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	db.pendingReq = append(db.pendingReq, op)
	return nil
}

// kickRequests wakes the flusher after a request change was queued or, when
// the disk is behind, writes the backlog on this goroutine, so that callers
// slow down to what the disk can take. On failure the changes stay queued
// for the flusher to retry.
func (db *DB) kickRequests() {
	db.mu.Lock()
	backlog := len(db.pendingReq) >= db.cfg.maxPendingReq
	db.mu.Unlock()
	if backlog {
		if err := db.flush(); err != nil {
			db.log.Error("store: writing requests", "err", err)
		}
		return
	}
	select {
	case db.kick <- struct{}{}:
	default: // the flusher is already due to run
	}
}

// requestOps returns a copy of team's queued request changes (those being
// written first), in the order they were made. Take it before reading the
// file: a change leaves the queue only once it is committed.
func (db *DB) requestOps(team activity.TeamID) ([]reqOp, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil, ErrClosed
	}
	var ops []reqOp
	for _, list := range [][]reqOp{db.inflightReq, db.pendingReq} {
		for _, op := range list {
			if op.team == team {
				ops = append(ops, op)
			}
		}
	}
	return ops, nil
}

// requestsIndexed returns team's requests listed in index bucket idx under
// prefix (whose keys continue with since(8) ‖ Key()), with queued changes
// applied (match says which queued requests belong), oldest first.
func (db *DB) requestsIndexed(team activity.TeamID, idx, prefix []byte, match func(detect.Request) bool) ([]detect.Request, error) {
	ops, err := db.requestOps(team)
	if err != nil {
		return nil, err
	}
	found := map[string]detect.Request{}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		ib, rb := tb.Bucket(idx), tb.Bucket(requestsBucket)
		if ib == nil {
			return nil
		}
		c := ib.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) <= len(prefix)+8 {
				return fmt.Errorf("malformed %s key %x", idx, k)
			}
			key := k[len(prefix)+8:]
			var v []byte
			if rb != nil {
				v = rb.Get(key)
			}
			if v == nil {
				return fmt.Errorf("%s entry %x has no request", idx, k)
			}
			r, err := decodeRequest(team, key, v)
			if err != nil {
				return err
			}
			found[string(key)] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if op.del || !match(op.req) {
			delete(found, op.key)
		} else {
			found[op.key] = op.req
		}
	}
	rs := make([]detect.Request, 0, len(found))
	for _, r := range found {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b detect.Request) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.Key(), b.Key()))
	})
	return rs, nil
}

// writeRequests applies queued request changes in order.
func writeRequests(tx *bbolt.Tx, batch []reqOp) error {
	for _, op := range batch {
		create := !op.del
		tb, err := teamBucket(tx, op.team, create)
		if err != nil {
			return err
		}
		if tb == nil {
			continue // a delete in a team with nothing stored
		}
		if op.del {
			err = deleteRequestTx(tb, op.team, []byte(op.key))
		} else {
			err = putRequestTx(tb, op.team, []byte(op.key), op.req, op.val)
		}
		if err != nil {
			return fmt.Errorf("team %s: request %s: %w", op.team, op.key, err)
		}
	}
	return nil
}

// putRequestTx stores val (the encoding of r) under key and brings the
// indexes in line, replacing an earlier version.
func putRequestTx(tb *bbolt.Bucket, team activity.TeamID, key []byte, r detect.Request, val []byte) error {
	var old []indexEntry
	if rb := tb.Bucket(requestsBucket); rb != nil {
		if v := rb.Get(key); v != nil {
			prev, err := decodeRequest(team, key, v)
			if err != nil {
				return err
			}
			old = requestIndexEntries(key, prev)
		}
	}
	return putIndexed(tb, requestsBucket, key, val, old, requestIndexEntries(key, r))
}

// deleteRequestTx deletes the request stored under key, if any, and its
// index entries.
func deleteRequestTx(tb *bbolt.Bucket, team activity.TeamID, key []byte) error {
	rb := tb.Bucket(requestsBucket)
	if rb == nil {
		return nil
	}
	v := rb.Get(key)
	if v == nil {
		return nil
	}
	r, err := decodeRequest(team, key, v)
	if err != nil {
		return err
	}
	return deleteIndexed(tb, requestsBucket, key, requestIndexEntries(key, r))
}

// deleteRequestsTx deletes team's stored requests for which drop is true and
// returns how many. With needle, requests whose value does not contain it
// are skipped without decoding.
func deleteRequestsTx(tb *bbolt.Bucket, team activity.TeamID, needle []byte, drop func(detect.Request) bool) (int, error) {
	rb := tb.Bucket(requestsBucket)
	if rb == nil {
		return 0, nil
	}
	var keys [][]byte
	err := rb.ForEach(func(k, v []byte) error {
		if needle != nil && !bytes.Contains(v, needle) {
			return nil
		}
		r, err := decodeRequest(team, k, v)
		if err != nil {
			return err
		}
		if drop(r) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := deleteRequestTx(tb, team, k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// forgetRequestsTx deletes the requests user asked and, with asManager, those
// waiting for user.
func forgetRequestsTx(tb *bbolt.Bucket, team activity.TeamID, user activity.UserID, asManager bool) (int, error) {
	return deleteRequestsTx(tb, team, jsonNeedle(string(user)), func(r detect.Request) bool {
		return r.Asker == user || asManager && r.Manager == user
	})
}

// requestIndexEntries returns the index entries of r stored under key.
func requestIndexEntries(key []byte, r detect.Request) []indexEntry {
	since := timeKey(r.Since)
	byManager := make([]byte, 0, len(r.Manager)+1+8+len(key))
	byManager = append(byManager, r.Manager...)
	byManager = append(byManager, 0)
	byManager = append(byManager, since...)
	byManager = append(byManager, key...)
	byChannel := channelPrefix(r.Manager, r.Channel)
	byChannel = append(byChannel, since...)
	byChannel = append(byChannel, key...)
	return []indexEntry{
		{reqByManagerBucket, byManager},
		{reqByChannelBucket, byChannel},
	}
}

// channelPrefix is the req_by_channel prefix of manager's requests in
// channel: manager ‖ 0x00 ‖ channel ‖ 0x00.
func channelPrefix(manager activity.UserID, channel activity.ChannelID) []byte {
	b := make([]byte, 0, len(manager)+len(channel)+2+8+32)
	b = append(b, manager...)
	b = append(b, 0)
	b = append(b, channel...)
	return append(b, 0)
}

// encodeRequestOp checks r and encodes it as a queued put.
func encodeRequestOp(r detect.Request) (reqOp, error) {
	if err := errors.Join(
		checkID("team", string(r.Team)),
		checkID("manager", string(r.Manager)),
		checkID("asker", string(r.Asker)),
		checkID("channel", string(r.Channel)),
		checkOptionalID("thread ts", string(r.ThreadTS)),
	); err != nil {
		return reqOp{}, err
	}
	if !r.TS.Valid() {
		return reqOp{}, fmt.Errorf("malformed ts %q", r.TS)
	}
	if r.Since.IsZero() {
		return reqOp{}, errors.New("zero since")
	}
	key := r.Key()
	if err := checkID("request", key); err != nil {
		return reqOp{}, err
	}
	if err := checkText(string(r.Manager), string(r.Asker), string(r.Channel), string(r.TS), string(r.ThreadTS)); err != nil {
		return reqOp{}, err
	}
	r.Since = nanosToTime(timeToNanos(r.Since)) // as the file gives it back
	v, err := json.Marshal(requestRecord{
		V:        recordVersion,
		Manager:  r.Manager,
		Asker:    r.Asker,
		Channel:  r.Channel,
		TS:       r.TS,
		ThreadTS: r.ThreadTS,
		TopLevel: r.TopLevel,
		Since:    timeToNanos(r.Since),
	})
	if err != nil {
		return reqOp{}, err
	}
	return reqOp{team: r.Team, key: key, req: r, val: v}, nil
}

// decodeRequest decodes the request stored for team under key. The result
// shares no memory with key or v.
func decodeRequest(team activity.TeamID, key, v []byte) (detect.Request, error) {
	var rec requestRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return detect.Request{}, fmt.Errorf("request %q: %w", key, err)
	}
	return detect.Request{
		Team:     team,
		Manager:  rec.Manager,
		Asker:    rec.Asker,
		Channel:  rec.Channel,
		TS:       rec.TS,
		ThreadTS: rec.ThreadTS,
		TopLevel: rec.TopLevel,
		Since:    nanosToTime(rec.Since),
	}, nil
}

// checkRequests checks that every request decodes, is stored under its
// Key(), and has exactly its index entries (for Check).
func checkRequests(tb *bbolt.Bucket, team activity.TeamID) error {
	return checkIndexed(tb, requestsBucket, [][]byte{reqByManagerBucket, reqByChannelBucket}, func(k, v []byte) ([]indexEntry, error) {
		r, err := decodeRequest(team, k, v)
		if err != nil {
			return nil, err
		}
		if r.Key() != string(k) {
			return nil, fmt.Errorf("request stored under %q has key %q", k, r.Key())
		}
		return requestIndexEntries(k, r), nil
	})
}

// checkText checks that strings stored in a JSON record come back as they
// went in: encoding/json replaces invalid UTF-8.
func checkText(ss ...string) error {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return fmt.Errorf("malformed id %q", s)
		}
	}
	return nil
}

// jsonNeedle returns the bytes s is encoded as inside a JSON string, so that
// a JSON record that does not contain them does not contain s.
func jsonNeedle(s string) []byte {
	b, err := json.Marshal(s)
	if err != nil || len(b) < 2 {
		return nil // no filter
	}
	return b[1 : len(b)-1]
}

// Indexed records. Requests and nudges are JSON records in a primary bucket
// with secondary index buckets whose keys end in the primary key and whose
// values are empty. Writes go through putIndexed and deleteIndexed, so the
// indexes change in the same transaction as the record; checkIndexed
// verifies them.

// indexEntry is one key in one index bucket.
type indexEntry struct {
	bucket []byte
	key    []byte
}

// putIndexed stores val under k in primary, deletes the index entries old
// (of the record it replaces) and puts the entries new.
func putIndexed(tb *bbolt.Bucket, primary, k, val []byte, old, new []indexEntry) error {
	for _, e := range old {
		if ib := tb.Bucket(e.bucket); ib != nil {
			if err := ib.Delete(e.key); err != nil {
				return fmt.Errorf("%s: %w", e.bucket, err)
			}
		}
	}
	for _, e := range new {
		ib, err := tb.CreateBucketIfNotExists(e.bucket)
		if err != nil {
			return fmt.Errorf("%s bucket: %w", e.bucket, err)
		}
		if err := ib.Put(e.key, emptyValue); err != nil {
			return fmt.Errorf("%s: %w", e.bucket, err)
		}
	}
	pb, err := tb.CreateBucketIfNotExists(primary)
	if err != nil {
		return fmt.Errorf("%s bucket: %w", primary, err)
	}
	if err := pb.Put(k, val); err != nil {
		return fmt.Errorf("%s: %w", primary, err)
	}
	return nil
}

// deleteIndexed deletes k from primary and its index entries.
func deleteIndexed(tb *bbolt.Bucket, primary, k []byte, entries []indexEntry) error {
	for _, e := range entries {
		if ib := tb.Bucket(e.bucket); ib != nil {
			if err := ib.Delete(e.key); err != nil {
				return fmt.Errorf("%s: %w", e.bucket, err)
			}
		}
	}
	if pb := tb.Bucket(primary); pb != nil {
		if err := pb.Delete(k); err != nil {
			return fmt.Errorf("%s: %w", primary, err)
		}
	}
	return nil
}

// checkIndexed checks that every record in primary decodes (entries fails
// otherwise), that each of its index entries exists, and that the index
// buckets hold nothing else (for Check).
func checkIndexed(tb *bbolt.Bucket, primary []byte, indexes [][]byte, entries func(k, v []byte) ([]indexEntry, error)) error {
	want := make(map[string]int, len(indexes))
	if pb := tb.Bucket(primary); pb != nil {
		err := pb.ForEach(func(k, v []byte) error {
			es, err := entries(k, v)
			if err != nil {
				return err
			}
			for _, e := range es {
				if ib := tb.Bucket(e.bucket); ib == nil || ib.Get(e.key) == nil {
					return fmt.Errorf("%s %s has no %s entry %s", primary,
						privateKVStringer{}.KeyToString(k), e.bucket, privateKVStringer{}.KeyToString(e.key))
				}
				want[string(e.bucket)]++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Every record's entries exist and each ends in its record's key, so
	// any further entry is stray.
	for _, name := range indexes {
		var n int
		if ib := tb.Bucket(name); ib != nil {
			n = ib.Stats().KeyN
		}
		if n != want[string(name)] {
			return fmt.Errorf("%s has %d entries; its records in %s need %d", name, n, primary, want[string(name)])
		}
	}
	return nil
}

// splitOwnerTimeKey splits an index key of the form owner ‖ 0x00 ‖ time(8) ‖
// key (req_by_manager, nudge_by_manager).
func splitOwnerTimeKey(k []byte) (owner, key []byte, err error) {
	owner, rest, ok := bytes.Cut(k, []byte{0})
	if !ok || len(owner) == 0 || len(rest) <= 8 {
		return nil, nil, fmt.Errorf("malformed index key %x", k)
	}
	return owner, rest[8:], nil
}

// keysBefore returns copies of the keys at the end of the entries of ib, an
// index of the form owner ‖ 0x00 ‖ time(8) ‖ key, whose time is before cut.
// It skips to the next owner at the first entry at or after the cut.
func keysBefore(ib *bbolt.Bucket, cut []byte) ([][]byte, error) {
	var keys [][]byte
	c := ib.Cursor()
	for k, _ := c.First(); k != nil; {
		owner, key, err := splitOwnerTimeKey(k)
		if err != nil {
			return nil, err
		}
		if bytes.Compare(k[len(owner)+1:len(owner)+9], cut) < 0 {
			keys = append(keys, bytes.Clone(key))
			k, _ = c.Next()
			continue
		}
		// The rest of this owner's entries are newer: skip them.
		k, _ = c.Seek(append(bytes.Clone(owner), 1))
	}
	return keys, nil
}

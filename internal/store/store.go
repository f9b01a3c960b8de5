// Package store is trustnudge's bbolt adapter: everything the bot remembers
// lives in one bbolt file.
//
// Layout. Top-level buckets are
//
//	meta          schema_version (uint64, big-endian), created_at (unix nanos, big-endian),
//	              voter_secret and voter_secret_id (polls.go)
//	team:<TeamID> one per Slack workspace; every per-workspace bucket lives inside it
//	inbox         events acknowledged to Slack and not yet handled by the
//	              core, key = sequence number, value = put time ‖ the Slack
//	              adapter's metadata record (inbox.go)
//
// so one file can hold several workspaces. Within a team bucket:
//
//	events          recently seen Slack event IDs, key = at (8-byte big-endian
//	                unix nanos) ‖ event ID, empty value
//	managers        opted-in managers, key = manager's user ID, value = JSON
//	                managerRecord (people.go)
//	managers_of     index of team lists, key = member ID ‖ 0x00 ‖ manager ID,
//	                empty value; kept in step with managers in the same
//	                transaction
//	people          people's own settings, key = user ID, value = JSON
//	                personRecord; absent when a person has none
//	workspace       key "settings", value = JSON workspaceRecord
//	observations    message metadata, key = at (8-byte big-endian unix nanos
//	                of the message ts) ‖ channel ID ‖ 0x00 ‖ ts, value = the
//	                binary encoding in observations.go (leading version byte)
//	obs_by_channel  index of observations, key = channel ID ‖ 0x00 ‖ at ‖ ts,
//	                empty value; kept in step with observations
//	requests        pending requests (a member's message waiting for their
//	                manager), key = detect.Request.Key(), value = JSON
//	                requestRecord (requests.go)
//	req_by_manager  index of requests, key = manager ‖ 0x00 ‖ since ‖ Key()
//	req_by_channel  index of requests, key = manager ‖ 0x00 ‖ channel ‖ 0x00 ‖
//	                since ‖ Key()
//	nudges          nudge records, key = nudge ID, value = JSON nudgeRecord
//	                (nudges.go)
//	nudge_by_manager
//	                index of nudges, key = manager ‖ 0x00 ‖ created ‖ ID
//	nudge_due       index of held nudges, key = due ‖ ID
//	nudge_held      index of held nudges, key = manager ‖ 0x00 ‖ kind ‖ 0x00 ‖
//	                created ‖ ID
//	nudge_feedback  index of nudges with feedback, key = feedback ‖ 0x00 ‖ ID
//	polls           norms polls, key = poll ID, value = JSON pollRecord
//	                (polls.go)
//	poll_open       index of open polls, key = deadline ‖ poll ID
//	poll_by_channel index of polls, key = channel ‖ 0x00 ‖ created ‖ poll ID
//	votes           anonymous votes, key = poll ID ‖ 0x00 ‖ voter key (32-byte
//	                HMAC of poll ID and user ID; the user ID is never
//	                stored), value = JSON voteRecord
//	norms           adopted team norms, key = manager's user ID, value = JSON
//	                normRecord
//	weeks           weekly counts for the digest, key = manager ‖ 0x00 ‖
//	                week ("2026-11-16"), value = JSON weekRecord (weeks.go)
//	week_marks      hashes of the events counted, key = manager ‖ 0x00 ‖
//	                kind ‖ hash, value = counted at
//	digests         scheduled digests, key = manager ‖ 0x00 ‖ week, value =
//	                JSON digestRecord
//
// Index buckets have empty values and are kept in step with what they index
// in the same transaction; Check verifies every one of them.
//
// Times in keys (at, since, created, due, deadline) are 8-byte big-endian unix
// nanoseconds, 0 for the zero time, so that a cursor walks them in time order
// and purges are range scans. Slack IDs never contain a 0x00 byte, so it
// separates the parts of a key unambiguously; the store refuses IDs that
// contain one. These buckets are created when first written, so adding them
// needed no schema migration.
//
// Opening a file created by an older trustnudge migrates it in one write
// transaction; opening one written by a newer trustnudge is refused with
// ErrTooNew. The file and every backup are created with mode 0600: the
// database holds who talked to whom and when, which is private (see the
// privacy contract in DESIGN.md §2).
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/clock"
	"github.com/trustnudge/trustnudge/internal/people"
)

// SchemaVersion is the schema version this binary writes. Opening an older
// file migrates it to this version; a newer one is refused with ErrTooNew.
const SchemaVersion = 1

// fileMode is the mode of the database file and of backups.
const fileMode fs.FileMode = 0o600

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = time.Second

var (
	// ErrNotFound is returned (wrapped) when a record does not exist. It is
	// the domain's people.ErrNotFound, so the core can check for it without
	// knowing about the store.
	ErrNotFound = people.ErrNotFound

	// ErrInUse is returned (wrapped) by Open when another process holds the
	// database's file lock.
	ErrInUse = errors.New("database in use")

	// ErrTooNew is returned (wrapped) by Open when the file's schema version is
	// newer than SchemaVersion.
	ErrTooNew = errors.New("database schema too new")

	// ErrClosed is returned (wrapped) by operations on a closed DB.
	ErrClosed = errors.New("database closed")
)

// inUseError explains ErrInUse with the path; it also unwraps to bbolt's
// timeout error.
type inUseError struct {
	path  string
	cause error
}

func (e *inUseError) Error() string {
	return fmt.Sprintf("store: database %q is in use by another process (is trustnudge already running?)", e.path)
}
func (e *inUseError) Is(target error) bool { return target == ErrInUse }
func (e *inUseError) Unwrap() error        { return e.cause }

// tooNewError explains ErrTooNew with both versions.
type tooNewError struct {
	path      string
	have, max int
}

func (e *tooNewError) Error() string {
	return fmt.Sprintf("store: database %q has schema version %d, but this trustnudge knows only versions up to %d: upgrade trustnudge to open it",
		e.path, e.have, e.max)
}
func (e *tooNewError) Is(target error) bool { return target == ErrTooNew }

// Options configure Open. The zero value is ready to use.
type Options struct {
	// Timeout is how long to wait for the file lock held by another process
	// before failing with ErrInUse. Zero means DefaultTimeout.
	Timeout time.Duration

	// Clock tells the time (created_at, which remembered events are still
	// fresh at Open). Nil means the wall clock.
	Clock clock.Clock

	// Logger receives errors from background work (the event-ID flusher).
	// Nil discards them; they are also returned by Flush and Close.
	Logger *slog.Logger

	// NoSync skips fsync after each commit. Only for tests: a crash can
	// corrupt the file.
	NoSync bool

	// Secret is the key of the hash that stands for a voter in a poll (see
	// VoterKey): 64 or more hex digits (a value of hex digits only is
	// always read as hex), or else at least 32 bytes used as they are.
	// Nil means a random secret created at the first Open and kept in the
	// file; giving one keeps it out of the file and its backups, so that
	// the file alone cannot tell whose vote is whose. It is never written
	// to an error or a log. Open refuses a secret other than the one that
	// keyed the votes of a poll still open (ErrVoterSecretChanged).
	Secret []byte
}

// config holds what tests in this package may change.
type config struct {
	migrations     []migration
	maxRecent      int // bound on remembered event IDs in memory
	maxPending     int // bound on event IDs waiting to be written
	maxPendingObs  int // bound on observations waiting to be written
	maxPendingReq  int // bound on request changes waiting to be written
	maxPendingWeek int // bound on weekly counts waiting to be written
}

func defaultConfig() config {
	return config{
		migrations:     migrations,
		maxRecent:      defaultMaxRecent,
		maxPending:     defaultMaxPending,
		maxPendingObs:  defaultMaxPendingObs,
		maxPendingReq:  defaultMaxPendingReq,
		maxPendingWeek: defaultMaxPendingWeek,
	}
}

// DB is an open trustnudge database. It is safe for concurrent use.
type DB struct {
	bolt  *bbolt.DB
	path  string
	clock clock.Clock
	log   *slog.Logger
	cfg   config

	// Event dedupe (events.go), and observations (observations.go) and
	// request changes (requests.go) waiting to be written.
	mu          sync.Mutex // guards recent, pending, spare, *Obs, *Req, *Week, pendingDone, closed
	recent      recentSet  // event IDs seen within EventWindow
	pending     []eventRecord
	spare       []eventRecord // reused backing array for pending
	pendingObs  []obsRecord
	spareObs    []obsRecord // reused backing array for pendingObs
	inflightObs []obsRecord // taken from pendingObs by a write not yet committed
	pendingReq  []reqOp
	spareReq    []reqOp // reused backing array for pendingReq
	inflightReq []reqOp // taken from pendingReq by a write not yet committed
	pendingWeek []weekOp
	spareWeek   []weekOp // reused backing array for pendingWeek
	pendingDone []uint64 // inbox records handled, to be deleted (inbox.go)
	closed      bool

	reqMu sync.Mutex // orders PutRequest and ResolveRequest; taken before mu

	flushMu sync.Mutex    // serialises writes of pending records
	kick    chan struct{} // wakes the flusher; buffered 1
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the flusher has returned

	closeOnce sync.Once
	closeErr  error

	secret voterSecret // the key of voter keys (polls.go); never printed
}

// Open opens the database at path, creating it with mode 0600 if it does not
// exist, and tightens an existing file's mode to 0600. It waits at most
// opts.Timeout for another process's lock and then fails with ErrInUse. It
// brings an older schema up to SchemaVersion in a single transaction and
// refuses a newer one with ErrTooNew.
func Open(path string, opts Options) (*DB, error) {
	return openWith(path, opts, defaultConfig())
}

func openWith(path string, opts Options, cfg config) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var secret voterSecret
	if opts.Secret != nil {
		var err error
		if secret, err = parseSecret(opts.Secret); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	bdb, err := bbolt.Open(path, fileMode, &bbolt.Options{
		Timeout: opts.Timeout,
		NoSync:  opts.NoSync,
	})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, &inUseError{path: path, cause: err}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{
		bolt:  bdb,
		path:  path,
		clock: opts.Clock,
		log:   opts.Logger,
		cfg:   cfg,
		kick:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	if cfg.maxPendingObs <= 0 {
		cfg.maxPendingObs = defaultMaxPendingObs
	}
	if cfg.maxPendingReq <= 0 {
		cfg.maxPendingReq = defaultMaxPendingReq
	}
	if cfg.maxPendingWeek <= 0 {
		cfg.maxPendingWeek = defaultMaxPendingWeek
	}
	db.cfg = cfg
	db.recent.init(cfg.maxRecent)
	if err := db.init(secret); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	go db.flushLoop()
	return db, nil
}

// init runs once the file is locked: mode, migrations, the voter secret,
// remembered events.
func (db *DB) init(secret voterSecret) error {
	if err := tightenMode(db.path); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	if err := db.migrate(db.cfg.migrations); err != nil {
		return err
	}
	if err := db.initSecret(secret); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	if err := db.loadRecentEvents(); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	return nil
}

// tightenMode makes sure the file is readable by its owner only. bbolt
// creates new files with fileMode, but an existing file may be looser.
func tightenMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&^fileMode == 0 {
		return nil
	}
	if err := os.Chmod(path, fi.Mode().Perm()&fileMode); err != nil {
		return fmt.Errorf("tighten mode to %v: %w", fileMode, err)
	}
	return nil
}

// Close writes out the event IDs, observations and request changes that are
// still pending, stops the background flusher and closes the file. Calling it
// again returns the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		db.mu.Unlock()
		close(db.stop)
		<-db.done
		var errs []error
		if err := db.flush(); err != nil {
			errs = append(errs, fmt.Errorf("store: close: %w", err))
		}
		if err := db.bolt.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close: %w", err))
		}
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// String describes db by its path; it never shows what db holds or the
// voter secret.
func (db *DB) String() string { return fmt.Sprintf("store.DB(%q)", db.path) }

// GoString is String, so that %#v shows no more.
func (db *DB) GoString() string { return db.String() }

// Path returns the path the database was opened with.
func (db *DB) Path() string { return db.path }

// Size returns the size of the database file in bytes.
func (db *DB) Size() (int64, error) {
	fi, err := os.Stat(db.path)
	if err != nil {
		return 0, fmt.Errorf("store: size: %w", err)
	}
	return fi.Size(), nil
}

// SchemaVersion returns the schema version recorded in the file.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// CreatedAt returns when the file's meta bucket was first written.
func (db *DB) CreatedAt() (time.Time, error) {
	var t time.Time
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			return ErrNotFound
		}
		v := meta.Get(createdAtKey)
		if len(v) != 8 {
			return ErrNotFound
		}
		t = decodeTime(v)
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: created at: %w", err)
	}
	return t, nil
}

// Check runs bbolt's consistency check, then checks that the store's indexes
// (managers_of, obs_by_channel, req_by_*, nudge_*, poll_*) match the records
// they index, that every record decodes (weekly counts and digest records
// included) and every vote belongs to a poll and names one of its options, and returns the first problem found, or nil.
// Keys are shown readably and values only by length, so a report can be
// logged without leaking stored data.
//
// It runs in a write transaction that it rolls back: bbolt's check reads the
// freelist, which a concurrent writer changes, so in a read transaction it is
// only safe when nothing writes (bbolt's Tx.Check documents this). Writers
// wait for the check meanwhile.
func (db *DB) Check() error {
	tx, err := db.bolt.Begin(true)
	if err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var first error
	for err := range tx.Check(bbolt.WithKVStringer(privateKVStringer{})) {
		if first == nil {
			first = err
		}
	}
	if first != nil {
		return fmt.Errorf("store: check: %w", first)
	}
	// The store's own invariants: every index matches what it indexes.
	if err := checkVoterSecret(tx); err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	err = forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
		if err := checkManagersIndex(tb, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if err := checkObservationsIndex(tb, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if err := checkRequests(tb, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if err := checkNudges(tb, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if err := checkPolls(tb, team); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		if err := checkWeeks(tb); err != nil {
			return fmt.Errorf("team %s: %w", team, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	return nil
}

// privateKVStringer prints keys (IDs and times) and hides values.
type privateKVStringer struct{}

func (privateKVStringer) KeyToString(k []byte) string {
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", k)
		}
	}
	return fmt.Sprintf("%q", k)
}

func (privateKVStringer) ValueToString(v []byte) string {
	return fmt.Sprintf("<%d bytes>", len(v))
}

// Bucket and key names.
var (
	metaBucket       = []byte("meta")
	schemaVersionKey = []byte("schema_version")
	createdAtKey     = []byte("created_at")
	teamPrefix       = "team:"
	eventsBucket     = []byte("events")
)

// teamBucketName returns the top-level bucket name for a workspace.
func teamBucketName(team activity.TeamID) []byte {
	return []byte(teamPrefix + string(team))
}

// teamBucket returns the top-level bucket that holds everything about team.
// With create it makes the bucket if needed (tx must be writable); without,
// it returns nil, nil when the workspace has nothing stored yet.
func teamBucket(tx *bbolt.Tx, team activity.TeamID, create bool) (*bbolt.Bucket, error) {
	if team == "" {
		return nil, errors.New("empty team id")
	}
	name := teamBucketName(team)
	if !create {
		return tx.Bucket(name), nil
	}
	b, err := tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("team bucket %s: %w", team, err)
	}
	return b, nil
}

// forEachTeam calls fn for every workspace bucket in the file.
func forEachTeam(tx *bbolt.Tx, fn func(team activity.TeamID, b *bbolt.Bucket) error) error {
	return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		if len(name) <= len(teamPrefix) || string(name[:len(teamPrefix)]) != teamPrefix {
			return nil
		}
		return fn(activity.TeamID(name[len(teamPrefix):]), b)
	})
}

// encodeTime encodes t as 8 big-endian bytes of unix nanoseconds, so that
// byte order is time order. Times before 1970 are clamped to the epoch.
func encodeTime(t time.Time) []byte {
	b := make([]byte, 8)
	putTime(b, t.UnixNano())
	return b
}

func putTime(b []byte, nanos int64) {
	if nanos < 0 {
		nanos = 0
	}
	binary.BigEndian.PutUint64(b, uint64(nanos))
}

// timeKey is encodeTime for times that may be zero: the zero time is 0.
func timeKey(t time.Time) []byte {
	b := make([]byte, 8)
	putTime(b, timeToNanos(t))
	return b
}

func decodeTime(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)))
}

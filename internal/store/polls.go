package store

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/poll"
)

// Norms polls, their anonymous votes, and the norms adopted from them.
//
// Polls and norms are written when a person acts, so each write is one
// committed, fsynced transaction before the method returns. A poll is stored
// under its ID with two indexes, kept in step in the same transaction:
//
//	polls            key = poll ID, value = JSON pollRecord
//	poll_open        deadline(8) ‖ poll ID                  (open polls only)
//	poll_by_channel  channel ‖ 0x00 ‖ created(8) ‖ poll ID
//	votes            key = poll ID ‖ 0x00 ‖ voter key (32 bytes), value =
//	                 JSON voteRecord
//	norms            key = manager ID, value = JSON normRecord
//
// A vote is keyed by the voter key, HMAC-SHA256(secret, poll ID ‖ 0x00 ‖
// user ID), never by the user ID: the user ID is an input to the hash and is
// written nowhere, so it cannot be read back from the file, not even from
// pages bbolt has freed. The same person gets the same key in the same poll,
// so a vote can be changed, and a different key in every other poll, so
// votes cannot be linked across polls. Anyone who holds both the file and
// the secret can still test a guessed user ID against a vote; that is why the
// secret can be kept out of the file (Options.Secret), and why it never
// appears in an error, a log line or a String.
//
// The secret lives in the meta bucket:
//
//	voter_secret     32 random bytes, created at the first Open; absent when
//	                 the secret is given in Options.Secret (a stored one is
//	                 deleted then, so the file alone no longer links votes;
//	                 bbolt does not wipe the freed page, so its bytes may
//	                 linger in the file until the page is reused)
//	voter_secret_id  8 bytes of HMAC-SHA256(secret, "trustnudge voter
//	                 secret id"), to notice at Open that the secret changed
//
// Changing the secret while an open poll has votes would let every voter who
// changes their vote count twice, so Open refuses it with
// ErrVoterSecretChanged; votes in closed polls are final and do not matter.

var (
	pollsBucket         = []byte("polls")
	pollOpenBucket      = []byte("poll_open")
	pollByChannelBucket = []byte("poll_by_channel")
	votesBucket         = []byte("votes")
	normsBucket         = []byte("norms")

	voterSecretKey   = []byte("voter_secret")
	voterSecretIDKey = []byte("voter_secret_id")
)

const (
	// voterSecretLen is the length of a generated secret and the least
	// length of a given one.
	voterSecretLen = 32
	// voterKeyLen is the length of a voter key (an HMAC-SHA256).
	voterKeyLen = sha256.Size
	// voterSecretIDLen is the length of the stored secret fingerprint.
	voterSecretIDLen = 8
)

var (
	// ErrPollClosed is returned (wrapped) by RecordVote for a poll that was
	// closed or whose deadline has passed.
	ErrPollClosed = errors.New("poll closed")

	// ErrVoterSecretChanged is returned (wrapped) by Open when the voter
	// secret is not the one that keyed the votes of a poll still open.
	ErrVoterSecretChanged = errors.New("voter secret changed")
)

// voterSecret is the keyed-hash secret. Its methods keep it out of anything
// printed.
type voterSecret []byte

func (voterSecret) String() string   { return "[redacted]" }
func (voterSecret) GoString() string { return "[redacted]" }

// Format prints "[redacted]" for every verb, so %x or %d show nothing either.
func (voterSecret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("[redacted]")) }

// secretError explains a problem with the voter secret without showing it.
type secretError struct{ msg string }

func (e *secretError) Error() string { return e.msg }

// parseSecret turns Options.Secret into the HMAC key. A value made only of
// hex digits is hex and must decode to at least 32 bytes; anything else is
// used as it is and must be at least 32 bytes long.
func parseSecret(given []byte) (voterSecret, error) {
	isHex := len(given) > 0
	for _, c := range given {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			isHex = false
			break
		}
	}
	n := len(given)
	if isHex {
		d, err := hex.DecodeString(string(given))
		if err != nil {
			return nil, &secretError{fmt.Sprintf("voter secret is %d hex digits, an odd number", len(given))}
		}
		if len(d) >= voterSecretLen {
			return d, nil
		}
		n = len(d)
	} else if n >= voterSecretLen {
		return bytes.Clone(given), nil
	}
	return nil, &secretError{fmt.Sprintf("voter secret is %d bytes; it needs at least %d bytes, or %d hex digits",
		n, voterSecretLen, 2*voterSecretLen)}
}

// secretID is the fingerprint stored to notice a changed secret.
func secretID(s voterSecret) []byte {
	m := hmac.New(sha256.New, s)
	m.Write([]byte("trustnudge voter secret id"))
	return m.Sum(nil)[:voterSecretIDLen]
}

// initSecret sets db.secret at Open: the given one, else the one stored in
// the file, else a new random one that it stores. It refuses a secret that
// differs from the one that keyed votes of an open poll. It writes only when
// something changes.
func (db *DB) initSecret(given voterSecret) error {
	var stored, storedID []byte
	var votedOpen int
	countVotedOpen := func(tx *bbolt.Tx) error {
		votedOpen = 0
		return forEachTeam(tx, func(_ activity.TeamID, tb *bbolt.Bucket) error {
			ids, err := openPollIDs(tb)
			for _, id := range ids {
				if votesOf(tb, id) > 0 {
					votedOpen++
				}
			}
			return err
		})
	}
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		if meta := tx.Bucket(metaBucket); meta != nil {
			stored = bytes.Clone(meta.Get(voterSecretKey))
			storedID = bytes.Clone(meta.Get(voterSecretIDKey))
		}
		if stored != nil && len(stored) != voterSecretLen {
			return &secretError{fmt.Sprintf("stored voter secret is %d bytes; want %d", len(stored), voterSecretLen)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	secret, generated := given, false
	switch {
	case secret != nil:
	case stored != nil:
		secret = stored
	default:
		secret = make(voterSecret, voterSecretLen)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("create voter secret: %w", err)
		}
		generated = true
	}
	id := secretID(secret)
	if storedID != nil && !hmac.Equal(storedID, id) {
		if err := db.bolt.View(countVotedOpen); err != nil {
			return err
		}
		if votedOpen > 0 {
			return fmt.Errorf("%w: %d open polls have votes keyed with the previous voter secret, and a vote changed under a new one would count twice; restore the previous secret (TRUSTNUDGE_SECRET, or none if it was unset) until those polls have closed",
				ErrVoterSecretChanged, votedOpen)
		}
	}
	dropStored := given != nil && stored != nil
	if generated || dropStored || !bytes.Equal(storedID, id) {
		err := db.bolt.Update(func(tx *bbolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(metaBucket)
			if err != nil {
				return err
			}
			if generated {
				if err := meta.Put(voterSecretKey, bytes.Clone(secret)); err != nil {
					return err
				}
			}
			if dropStored {
				if err := meta.Delete(voterSecretKey); err != nil {
					return err
				}
			}
			return meta.Put(voterSecretIDKey, id)
		})
		if err != nil {
			return fmt.Errorf("store voter secret: %w", err)
		}
	}
	db.secret = secret
	return nil
}

// VoterKey returns the anonymous key of user's vote in poll pollID: the hex
// HMAC-SHA256, under the database's secret, of pollID ‖ 0x00 ‖ user. It is
// what poll.Vote.Voter holds.
func (db *DB) VoterKey(pollID string, user activity.UserID) string {
	return hex.EncodeToString(db.voterMAC(pollID, user))
}

func (db *DB) voterMAC(pollID string, user activity.UserID) []byte {
	m := hmac.New(sha256.New, db.secret)
	m.Write([]byte(pollID))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return m.Sum(nil)
}

// voteKey is the votes key of user's vote in pollID.
func (db *DB) voteKey(pollID string, user activity.UserID) []byte {
	k := make([]byte, 0, len(pollID)+1+voterKeyLen)
	k = append(k, pollID...)
	k = append(k, 0)
	return append(k, db.voterMAC(pollID, user)...)
}

type optionRecord struct {
	Label string `json:"label"`
	Hours string `json:"hours,omitempty"`
}

type pollRecord struct {
	V         int                `json:"v"`
	Creator   activity.UserID    `json:"creator"`
	Channel   activity.ChannelID `json:"channel"`
	Question  string             `json:"question,omitempty"`
	Options   []optionRecord     `json:"options"`
	Created   int64              `json:"created,omitempty"`
	Deadline  int64              `json:"deadline,omitempty"`
	Live      bool               `json:"live,omitempty"`
	MessageTS activity.TS        `json:"message_ts,omitempty"`
	Reminded  bool               `json:"reminded,omitempty"`
	Closed    int64              `json:"closed,omitempty"`
	ClosedBy  activity.UserID    `json:"closed_by,omitempty"`
	Adopted   int                `json:"adopted"` // -1 for none, so never omitted
}

type voteRecord struct {
	V      int   `json:"v"`
	Option int   `json:"option"`
	At     int64 `json:"at,omitempty"`
}

type normRecord struct {
	V    int    `json:"v"`
	Spec string `json:"spec"`
	Poll string `json:"poll,omitempty"`
	At   int64  `json:"at,omitempty"`
}

// PutPoll stores p, replacing the poll with the same team and ID, and
// returns once it is committed. Closing a poll is storing it with Closed
// set. ID, Team, Creator and Channel are required, and Adopted is -1 or an
// option's index. Once votes are cast, the options can no longer change.
func (db *DB) PutPoll(p poll.Poll) error {
	err := checkPoll(p)
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, p.Team, true)
			if err != nil {
				return err
			}
			return putPollTx(tb, p)
		})
	}
	if err != nil {
		return fmt.Errorf("store: put poll %s: %w", p.ID, err)
	}
	return nil
}

func putPollTx(tb *bbolt.Bucket, p poll.Poll) error {
	rec := encodePoll(p)
	val, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	k := []byte(p.ID)
	var old []indexEntry
	if pb := tb.Bucket(pollsBucket); pb != nil {
		if v := pb.Get(k); v != nil {
			prev, err := decodePoll(p.Team, k, v)
			if err != nil {
				return err
			}
			if !slices.Equal(encodePoll(prev).Options, rec.Options) && votesOf(tb, p.ID) > 0 {
				return errors.New("options changed after votes were cast")
			}
			old = pollIndexEntries(prev)
		}
	}
	return putIndexed(tb, pollsBucket, k, val, old, pollIndexEntries(p))
}

// Poll returns team's poll id, or an error wrapping ErrNotFound.
func (db *DB) Poll(team activity.TeamID, id string) (poll.Poll, error) {
	var p poll.Poll
	err := db.view(team, func(tb *bbolt.Bucket) error {
		var err error
		p, err = getPoll(tb, team, id)
		return err
	}, ErrNotFound, checkID("team", string(team)), checkID("poll", id))
	if err != nil {
		return poll.Poll{}, fmt.Errorf("store: poll %s: %w", id, err)
	}
	return p, nil
}

// OpenPolls returns team's polls that are not closed (Closed is zero),
// soonest deadline first. It reads the index of open polls; a poll past its
// deadline stays in it until it is stored closed.
func (db *DB) OpenPolls(team activity.TeamID) ([]poll.Poll, error) {
	var ps []poll.Poll
	err := db.view(team, func(tb *bbolt.Bucket) error {
		var err error
		ps, err = openPollsTx(tb, team)
		return err
	}, nil, checkID("team", string(team)))
	if err != nil {
		return nil, fmt.Errorf("store: open polls %s: %w", team, err)
	}
	return ps, nil
}

// AllOpenPolls returns the polls of every workspace that are not closed,
// soonest deadline first, for the job that sends reminders and closes polls
// at their deadline.
func (db *DB) AllOpenPolls() ([]poll.Poll, error) {
	var ps []poll.Poll
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return forEachTeam(tx, func(team activity.TeamID, tb *bbolt.Bucket) error {
			tps, err := openPollsTx(tb, team)
			ps = append(ps, tps...)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: all open polls: %w", err)
	}
	slices.SortFunc(ps, func(a, b poll.Poll) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.Team, b.Team), cmp.Compare(a.ID, b.ID))
	})
	return ps, nil
}

// PollsIn returns team's polls in channel, open and closed, oldest first.
func (db *DB) PollsIn(team activity.TeamID, channel activity.ChannelID) ([]poll.Poll, error) {
	var ps []poll.Poll
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ib := tb.Bucket(pollByChannelBucket)
		if ib == nil {
			return nil
		}
		prefix := append([]byte(channel), 0)
		c := ib.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			_, id, err := splitOwnerTimeKey(k)
			if err != nil {
				return err
			}
			p, err := getPoll(tb, team, string(id))
			if err != nil {
				return fmt.Errorf("%s entry %x: %w", pollByChannelBucket, k, err)
			}
			ps = append(ps, p)
		}
		return nil
	}, nil, checkID("team", string(team)), checkID("channel", string(channel)))
	if err != nil {
		return nil, fmt.Errorf("store: polls in %s: %w", channel, err)
	}
	return ps, nil
}

// RecordVote records user's vote for option in team's poll pollID, cast at
// at (zero means the DB's clock), and returns once it is committed. A vote
// for the option the user already chose changes nothing and reports false; a
// vote for another option replaces theirs in place. The vote is stored under
// the voter key (see VoterKey), never the user ID. A poll that is closed or
// past its deadline at at refuses votes with ErrPollClosed; a missing one
// with ErrNotFound.
//
// It is safe for many concurrent voters: concurrent calls are committed
// together in one transaction (bbolt's Batch), so a burst of votes costs a
// few fsyncs, not one each. Errors name the poll but never the voter.
func (db *DB) RecordVote(team activity.TeamID, pollID string, user activity.UserID, option int, at time.Time) (changed bool, err error) {
	err = errors.Join(checkID("team", string(team)), checkID("poll", pollID), checkID("user", string(user)))
	if err != nil {
		return false, fmt.Errorf("store: record vote %s: %w", pollID, err)
	}
	if at.IsZero() {
		at = db.clock.Now()
	}
	k := db.voteKey(pollID, user)
	// Most invalid votes and repeated clicks are answered by a read, without
	// a write transaction (which would fail the whole batch, or fsync for
	// nothing).
	var same bool
	err = db.view(team, func(tb *bbolt.Bucket) error {
		var err error
		same, err = checkVoteTx(tb, team, pollID, k, option, at)
		return err
	}, ErrNotFound)
	if err == nil && !same {
		err = db.bolt.Batch(func(tx *bbolt.Tx) error {
			changed = false // Batch may run this more than once
			tb, err := teamBucket(tx, team, false)
			if err != nil {
				return err
			}
			if tb == nil {
				return ErrNotFound
			}
			same, err := checkVoteTx(tb, team, pollID, k, option, at)
			if err != nil || same {
				return err
			}
			vb, err := tb.CreateBucketIfNotExists(votesBucket)
			if err != nil {
				return err
			}
			// Only the day is kept: an exact vote time could be matched
			// against someone's activity to tell who voted what.
			v, err := json.Marshal(voteRecord{V: recordVersion, Option: option, At: timeToNanos(at.UTC().Truncate(24 * time.Hour))})
			if err != nil {
				return err
			}
			if err := vb.Put(k, v); err != nil {
				return err
			}
			changed = true
			return nil
		})
	}
	if err != nil {
		return false, fmt.Errorf("store: record vote %s: %w", pollID, err)
	}
	return changed, nil
}

// checkVoteTx checks that a vote for option at at in pollID may be cast,
// and reports whether the vote stored under k already chose option.
func checkVoteTx(tb *bbolt.Bucket, team activity.TeamID, pollID string, k []byte, option int, at time.Time) (same bool, err error) {
	p, err := getPoll(tb, team, pollID)
	if err != nil {
		return false, err
	}
	if !p.Open(at) {
		return false, ErrPollClosed
	}
	if option < 0 || option >= len(p.Options) {
		return false, fmt.Errorf("option %d out of range: the poll has %d", option, len(p.Options))
	}
	vb := tb.Bucket(votesBucket)
	if vb == nil {
		return false, nil
	}
	v := vb.Get(k)
	if v == nil {
		return false, nil
	}
	vote, err := decodeVote(pollID, k, v)
	if err != nil {
		return false, err
	}
	return vote.Option == option, nil
}

// Votes returns the votes cast in team's poll pollID, ordered by voter key
// (which says nothing about who voted or when), or an error wrapping
// ErrNotFound when there is no such poll.
func (db *DB) Votes(team activity.TeamID, pollID string) ([]poll.Vote, error) {
	var vs []poll.Vote
	err := db.view(team, func(tb *bbolt.Bucket) error {
		if _, err := getPoll(tb, team, pollID); err != nil {
			return err
		}
		vb := tb.Bucket(votesBucket)
		if vb == nil {
			return nil
		}
		prefix := append([]byte(pollID), 0)
		c := vb.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			vote, err := decodeVote(pollID, k, v)
			if err != nil {
				return err
			}
			vs = append(vs, vote)
		}
		return nil
	}, ErrNotFound, checkID("team", string(team)), checkID("poll", pollID))
	if err != nil {
		return nil, fmt.Errorf("store: votes %s: %w", pollID, err)
	}
	return vs, nil
}

// VoteCount returns how many people have voted in team's poll pollID, or an
// error wrapping ErrNotFound when there is no such poll.
func (db *DB) VoteCount(team activity.TeamID, pollID string) (int, error) {
	var n int
	err := db.view(team, func(tb *bbolt.Bucket) error {
		if _, err := getPoll(tb, team, pollID); err != nil {
			return err
		}
		n = votesOf(tb, pollID)
		return nil
	}, ErrNotFound, checkID("team", string(team)), checkID("poll", pollID))
	if err != nil {
		return 0, fmt.Errorf("store: vote count %s: %w", pollID, err)
	}
	return n, nil
}

// MyVote returns the option user chose in team's poll pollID, with ok false
// if they have not voted, or an error wrapping ErrNotFound when there is no
// such poll. Only user themself should be shown the answer.
func (db *DB) MyVote(team activity.TeamID, pollID string, user activity.UserID) (option int, ok bool, err error) {
	err = db.view(team, func(tb *bbolt.Bucket) error {
		if _, err := getPoll(tb, team, pollID); err != nil {
			return err
		}
		vb := tb.Bucket(votesBucket)
		if vb == nil {
			return nil
		}
		k := db.voteKey(pollID, user)
		v := vb.Get(k)
		if v == nil {
			return nil
		}
		vote, err := decodeVote(pollID, k, v)
		if err != nil {
			return err
		}
		option, ok = vote.Option, true
		return nil
	}, ErrNotFound, checkID("team", string(team)), checkID("poll", pollID), checkID("user", string(user)))
	if err != nil {
		return 0, false, fmt.Errorf("store: my vote %s: %w", pollID, err)
	}
	return option, ok, nil
}

// ForgetVotes deletes user's votes in team's open polls (their keys are
// recomputed for each open poll) and returns how many it deleted. Votes in
// closed polls are part of a published result and stay, still anonymous.
func (db *DB) ForgetVotes(team activity.TeamID, user activity.UserID) (int, error) {
	var n int
	err := errors.Join(checkID("team", string(team)), checkID("user", string(user)))
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			n = 0
			tb, err := teamBucket(tx, team, false)
			if err != nil || tb == nil {
				return err
			}
			n, err = db.forgetVotesTx(tb, user)
			return err
		})
	}
	if err != nil {
		return 0, fmt.Errorf("store: forget votes: %w", err)
	}
	return n, nil
}

func (db *DB) forgetVotesTx(tb *bbolt.Bucket, user activity.UserID) (int, error) {
	vb := tb.Bucket(votesBucket)
	if vb == nil {
		return 0, nil
	}
	ids, err := openPollIDs(tb)
	if err != nil {
		return 0, err
	}
	var n int
	for _, id := range ids {
		k := db.voteKey(id, user)
		if vb.Get(k) == nil {
			continue
		}
		if err := vb.Delete(k); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// SetNorm records that manager's team adopted the working-hours spec, from
// poll pollID (empty if none), at at. An empty spec deletes the norm.
func (db *DB) SetNorm(team activity.TeamID, manager activity.UserID, spec string, pollID string, at time.Time) error {
	err := errors.Join(checkID("team", string(team)), checkID("manager", string(manager)), checkOptionalID("poll", pollID))
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			if spec == "" {
				tb, err := teamBucket(tx, team, false)
				if err != nil || tb == nil {
					return err
				}
				_, err = deleteNormTx(tb, manager)
				return err
			}
			b, err := subBucket(tx, team, normsBucket)
			if err != nil {
				return err
			}
			v, err := json.Marshal(normRecord{V: recordVersion, Spec: spec, Poll: pollID, At: timeToNanos(at)})
			if err != nil {
				return err
			}
			return b.Put([]byte(manager), v)
		})
	}
	if err != nil {
		return fmt.Errorf("store: set norm %s: %w", manager, err)
	}
	return nil
}

// Norm returns the working-hours spec manager's team adopted and the poll
// it came from, with ok false when there is none.
func (db *DB) Norm(team activity.TeamID, manager activity.UserID) (spec string, pollID string, ok bool, err error) {
	err = db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(normsBucket)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(manager))
		if v == nil {
			return nil
		}
		rec, err := decodeNorm(manager, v)
		if err != nil {
			return err
		}
		spec, pollID, ok = rec.Spec, rec.Poll, true
		return nil
	}, nil, checkID("team", string(team)), checkID("manager", string(manager)))
	if err != nil {
		return "", "", false, fmt.Errorf("store: norm %s: %w", manager, err)
	}
	return spec, pollID, ok, nil
}

// deleteNormTx deletes manager's norm and reports whether there was one.
func deleteNormTx(tb *bbolt.Bucket, manager activity.UserID) (bool, error) {
	b := tb.Bucket(normsBucket)
	if b == nil || b.Get([]byte(manager)) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(manager))
}

// checkPoll checks what the store needs of a poll.
func checkPoll(p poll.Poll) error {
	err := errors.Join(
		checkID("team", string(p.Team)),
		checkID("poll", p.ID),
		checkID("creator", string(p.Creator)),
		checkID("channel", string(p.Channel)),
		checkOptionalID("closed-by", string(p.ClosedBy)),
	)
	if p.Adopted < -1 || p.Adopted >= len(p.Options) {
		err = errors.Join(err, fmt.Errorf("adopted option %d out of range: the poll has %d", p.Adopted, len(p.Options)))
	}
	return err
}

func encodePoll(p poll.Poll) pollRecord {
	opts := make([]optionRecord, len(p.Options))
	for i, o := range p.Options {
		opts[i] = optionRecord{Label: o.Label, Hours: o.Hours}
	}
	return pollRecord{
		V:         recordVersion,
		Creator:   p.Creator,
		Channel:   p.Channel,
		Question:  p.Question,
		Options:   opts,
		Created:   timeToNanos(p.Created),
		Deadline:  timeToNanos(p.Deadline),
		Live:      p.Live,
		MessageTS: p.MessageTS,
		Reminded:  p.Reminded,
		Closed:    timeToNanos(p.Closed),
		ClosedBy:  p.ClosedBy,
		Adopted:   p.Adopted,
	}
}

func decodePoll(team activity.TeamID, k, v []byte) (poll.Poll, error) {
	var rec pollRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return poll.Poll{}, fmt.Errorf("poll %q: %w", k, err)
	}
	var opts []poll.Option
	if len(rec.Options) > 0 {
		opts = make([]poll.Option, len(rec.Options))
		for i, o := range rec.Options {
			opts[i] = poll.Option{Label: o.Label, Hours: o.Hours}
		}
	}
	return poll.Poll{
		ID:        string(k),
		Team:      team,
		Creator:   rec.Creator,
		Channel:   rec.Channel,
		Question:  rec.Question,
		Options:   opts,
		Created:   nanosToTime(rec.Created),
		Deadline:  nanosToTime(rec.Deadline),
		Live:      rec.Live,
		MessageTS: rec.MessageTS,
		Reminded:  rec.Reminded,
		Closed:    nanosToTime(rec.Closed),
		ClosedBy:  rec.ClosedBy,
		Adopted:   rec.Adopted,
	}, nil
}

// pollIndexEntries are the index keys of p.
func pollIndexEntries(p poll.Poll) []indexEntry {
	es := []indexEntry{{pollByChannelBucket, ownerTimeKey(string(p.Channel), p.Created, p.ID)}}
	if p.Closed.IsZero() {
		k := append(timeKey(p.Deadline), p.ID...)
		es = append(es, indexEntry{pollOpenBucket, k})
	}
	return es
}

// ownerTimeKey is owner ‖ 0x00 ‖ t(8) ‖ id.
func ownerTimeKey(owner string, t time.Time, id string) []byte {
	k := make([]byte, 0, len(owner)+1+8+len(id))
	k = append(k, owner...)
	k = append(k, 0)
	k = append(k, timeKey(t)...)
	return append(k, id...)
}

func getPoll(tb *bbolt.Bucket, team activity.TeamID, id string) (poll.Poll, error) {
	var v []byte
	if pb := tb.Bucket(pollsBucket); pb != nil {
		v = pb.Get([]byte(id))
	}
	if v == nil {
		return poll.Poll{}, ErrNotFound
	}
	return decodePoll(team, []byte(id), v)
}

// openPollIDs returns the IDs in the index of open polls, soonest deadline
// first.
func openPollIDs(tb *bbolt.Bucket) ([]string, error) {
	ib := tb.Bucket(pollOpenBucket)
	if ib == nil {
		return nil, nil
	}
	var ids []string
	c := ib.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) <= 8 {
			return nil, fmt.Errorf("malformed %s key %x", pollOpenBucket, k)
		}
		ids = append(ids, string(k[8:]))
	}
	return ids, nil
}

func openPollsTx(tb *bbolt.Bucket, team activity.TeamID) ([]poll.Poll, error) {
	ids, err := openPollIDs(tb)
	if err != nil {
		return nil, err
	}
	ps := make([]poll.Poll, 0, len(ids))
	for _, id := range ids {
		p, err := getPoll(tb, team, id)
		if err != nil {
			return nil, fmt.Errorf("%s entry for poll %s: %w", pollOpenBucket, id, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// votesOf counts the votes stored for pollID.
func votesOf(tb *bbolt.Bucket, pollID string) int {
	vb := tb.Bucket(votesBucket)
	if vb == nil {
		return 0
	}
	prefix := append([]byte(pollID), 0)
	var n int
	c := vb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// splitVoteKey splits a votes key into the poll ID and the voter key.
func splitVoteKey(k []byte) (pollID string, voter []byte, err error) {
	if len(k) < 2+voterKeyLen || k[len(k)-voterKeyLen-1] != 0 {
		return "", nil, fmt.Errorf("malformed %s key %x", votesBucket, k)
	}
	id := k[:len(k)-voterKeyLen-1]
	if bytes.IndexByte(id, 0) >= 0 {
		return "", nil, fmt.Errorf("malformed %s key %x", votesBucket, k)
	}
	return string(id), k[len(k)-voterKeyLen:], nil
}

func decodeVote(pollID string, k, v []byte) (poll.Vote, error) {
	id, voter, err := splitVoteKey(k)
	if err != nil {
		return poll.Vote{}, err
	}
	if id != pollID {
		return poll.Vote{}, fmt.Errorf("vote key %x is not in poll %s", k, pollID)
	}
	var rec voteRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return poll.Vote{}, fmt.Errorf("vote in poll %s: %w", pollID, err)
	}
	return poll.Vote{Poll: id, Voter: hex.EncodeToString(voter), Option: rec.Option, At: nanosToTime(rec.At)}, nil
}

func decodeNorm(manager activity.UserID, v []byte) (normRecord, error) {
	var rec normRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return normRecord{}, fmt.Errorf("norm of %s: %w", manager, err)
	}
	if rec.Spec == "" {
		return normRecord{}, fmt.Errorf("norm of %s: empty spec", manager)
	}
	return rec, nil
}

// checkPolls checks that every poll decodes and is indexed exactly, that
// every vote belongs to a poll and names one of its options, and that every
// norm decodes (for Check).
func checkPolls(tb *bbolt.Bucket, team activity.TeamID) error {
	options := map[string]int{}
	err := checkIndexed(tb, pollsBucket, [][]byte{pollOpenBucket, pollByChannelBucket}, func(k, v []byte) ([]indexEntry, error) {
		p, err := decodePoll(team, k, v)
		if err != nil {
			return nil, err
		}
		if err := checkPoll(p); err != nil {
			return nil, fmt.Errorf("poll %q: %w", k, err)
		}
		options[p.ID] = len(p.Options)
		return pollIndexEntries(p), nil
	})
	if err != nil {
		return err
	}
	if vb := tb.Bucket(votesBucket); vb != nil {
		err := vb.ForEach(func(k, v []byte) error {
			id, _, err := splitVoteKey(k)
			if err != nil {
				return err
			}
			n, ok := options[id]
			if !ok {
				return fmt.Errorf("vote %x is in poll %q, which does not exist", k, id)
			}
			vote, err := decodeVote(id, k, v)
			if err != nil {
				return err
			}
			if vote.Option < 0 || vote.Option >= n {
				return fmt.Errorf("vote %x chose option %d of poll %q, which has %d", k, vote.Option, id, n)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if nb := tb.Bucket(normsBucket); nb != nil {
		return nb.ForEach(func(k, v []byte) error {
			_, err := decodeNorm(activity.UserID(k), v)
			return err
		})
	}
	return nil
}

// checkVoterSecret checks the secret's records in the meta bucket (for
// Check); it shows their lengths only.
func checkVoterSecret(tx *bbolt.Tx) error {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		return nil
	}
	if v := meta.Get(voterSecretKey); v != nil && len(v) != voterSecretLen {
		return fmt.Errorf("meta %s is %d bytes; want %d", voterSecretKey, len(v), voterSecretLen)
	}
	if v := meta.Get(voterSecretIDKey); v != nil && len(v) != voterSecretIDLen {
		return fmt.Errorf("meta %s is %d bytes; want %d", voterSecretIDKey, len(v), voterSecretIDLen)
	}
	return nil
}

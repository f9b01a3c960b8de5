package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/people"
)

// People records (managers, their teams, people's own settings, workspace
// settings) are small and written when a person acts, so each write is one
// committed, fsynced transaction before the method returns. They are stored
// as JSON records with a version field "v"; team and user IDs are in the
// bucket and key and not repeated. Times are unix nanoseconds (0 for the
// zero time) and come back in UTC.

var (
	managersBucket   = []byte("managers")
	managersOfBucket = []byte("managers_of")
	peopleBucket     = []byte("people")
	workspaceBucket  = []byte("workspace")
	workspaceKey     = []byte("settings")
)

// recordVersion is the "v" of every JSON record this binary writes.
const recordVersion = 1

// Forgotten reports what ForgetUser deleted about one person.
type Forgotten = people.Forgotten

// Counts are the numbers an admin may see about a workspace.
type Counts struct {
	Managers    int // opted-in managers
	TeamMembers int // distinct people on any manager's team
	People      int // people with their own settings
}

type managerRecord struct {
	V            int                 `json:"v"`
	OptedInAt    int64               `json:"opted_in_at,omitempty"`
	Members      []activity.UserID   `json:"members,omitempty"`
	SnoozedUntil int64               `json:"snoozed_until,omitempty"`
	SnoozeReason people.SnoozeReason `json:"snooze_reason,omitempty"`
	KindsOff     []string            `json:"kinds_off,omitempty"`
}

type personRecord struct {
	V        int    `json:"v"`
	Hours    string `json:"hours,omitempty"`
	Excluded bool   `json:"excluded,omitempty"`
}

type workspaceRecord struct {
	V            int    `json:"v"`
	DefaultHours string `json:"default_hours,omitempty"`
}

// Manager returns the opted-in manager id of team, or an error wrapping
// ErrNotFound if they have not opted in.
func (db *DB) Manager(team activity.TeamID, id activity.UserID) (people.Manager, error) {
	var m people.Manager
	err := db.view(team, func(tb *bbolt.Bucket) error {
		var v []byte
		if b := tb.Bucket(managersBucket); b != nil {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return ErrNotFound
		}
		var err error
		m, err = decodeManager(team, id, v)
		return err
	}, ErrNotFound, checkID("team", string(team)), checkID("user", string(id)))
	if err != nil {
		return people.Manager{}, fmt.Errorf("store: manager %s: %w", id, err)
	}
	return m, nil
}

// PutManager stores m, replacing any earlier record, and updates the index
// of who is on whose team to match m.Members (stored sorted and without
// duplicates).
func (db *DB) PutManager(m people.Manager) error {
	err := errors.Join(checkID("team", string(m.Team)), checkID("user", string(m.ID)))
	for _, u := range m.Members {
		err = errors.Join(err, checkID("member", string(u)))
	}
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, m.Team, true)
			if err != nil {
				return err
			}
			return putManagerTx(tb, m)
		})
	}
	if err != nil {
		return fmt.Errorf("store: put manager %s: %w", m.ID, err)
	}
	return nil
}

// DeleteManager deletes the manager record of id (their opt-in and team
// list) and their team from the index, and reports whether there was one.
func (db *DB) DeleteManager(team activity.TeamID, id activity.UserID) (existed bool, err error) {
	err = errors.Join(checkID("team", string(team)), checkID("user", string(id)))
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			tb, err := teamBucket(tx, team, false)
			if err != nil || tb == nil {
				return err
			}
			existed, _, err = deleteManagerTx(tb, team, id)
			return err
		})
	}
	if err != nil {
		return false, fmt.Errorf("store: delete manager %s: %w", id, err)
	}
	return existed, nil
}

// Managers returns team's opted-in managers, sorted by ID.
func (db *DB) Managers(team activity.TeamID) ([]people.Manager, error) {
	var ms []people.Manager
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(managersBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			m, err := decodeManager(team, activity.UserID(k), v)
			if err != nil {
				return err
			}
			ms = append(ms, m)
			return nil
		})
	}, nil, checkID("team", string(team)))
	if err != nil {
		return nil, fmt.Errorf("store: managers %s: %w", team, err)
	}
	return ms, nil
}

// ManagersOf returns the managers of team whose team includes member,
// sorted by ID. It reads the index, not every manager.
func (db *DB) ManagersOf(team activity.TeamID, member activity.UserID) ([]people.Manager, error) {
	var ms []people.Manager
	err := db.view(team, func(tb *bbolt.Bucket) error {
		ids, err := managerIDsOf(tb, member)
		if err != nil || len(ids) == 0 {
			return err
		}
		b := tb.Bucket(managersBucket)
		for _, id := range ids {
			var v []byte
			if b != nil {
				v = b.Get([]byte(id))
			}
			if v == nil {
				return fmt.Errorf("index says %s is on the team of %s, who has no record", member, id)
			}
			m, err := decodeManager(team, id, v)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return nil
	}, nil, checkID("team", string(team)), checkID("user", string(member)))
	if err != nil {
		return nil, fmt.Errorf("store: managers of %s: %w", member, err)
	}
	return ms, nil
}

// Person returns id's own settings; a person with none stored comes back as
// the zero Person{Team, ID} and no error.
func (db *DB) Person(team activity.TeamID, id activity.UserID) (people.Person, error) {
	p := people.Person{Team: team, ID: id}
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(peopleBucket)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		p, err = decodePerson(team, id, v)
		return err
	}, nil, checkID("team", string(team)), checkID("user", string(id)))
	if err != nil {
		return people.Person{}, fmt.Errorf("store: person %s: %w", id, err)
	}
	return p, nil
}

// PutPerson stores p's settings, or deletes them when p.IsZero().
func (db *DB) PutPerson(p people.Person) error {
	err := errors.Join(checkID("team", string(p.Team)), checkID("user", string(p.ID)))
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			if p.IsZero() {
				tb, err := teamBucket(tx, p.Team, false)
				if err != nil || tb == nil {
					return err
				}
				if b := tb.Bucket(peopleBucket); b != nil {
					return b.Delete([]byte(p.ID))
				}
				return nil
			}
			b, err := subBucket(tx, p.Team, peopleBucket)
			if err != nil {
				return err
			}
			v, err := json.Marshal(personRecord{V: recordVersion, Hours: p.Hours, Excluded: p.Excluded})
			if err != nil {
				return err
			}
			return b.Put([]byte(p.ID), v)
		})
	}
	if err != nil {
		return fmt.Errorf("store: put person %s: %w", p.ID, err)
	}
	return nil
}

// People returns everyone in team with settings of their own, sorted by ID.
func (db *DB) People(team activity.TeamID) ([]people.Person, error) {
	var ps []people.Person
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(peopleBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			p, err := decodePerson(team, activity.UserID(k), v)
			if err != nil {
				return err
			}
			ps = append(ps, p)
			return nil
		})
	}, nil, checkID("team", string(team)))
	if err != nil {
		return nil, fmt.Errorf("store: people %s: %w", team, err)
	}
	return ps, nil
}

// Workspace returns team's workspace settings, the zero Workspace{Team}
// when none are stored.
func (db *DB) Workspace(team activity.TeamID) (people.Workspace, error) {
	w := people.Workspace{Team: team}
	err := db.view(team, func(tb *bbolt.Bucket) error {
		b := tb.Bucket(workspaceBucket)
		if b == nil {
			return nil
		}
		v := b.Get(workspaceKey)
		if v == nil {
			return nil
		}
		var rec workspaceRecord
		if err := decodeRecord(v, &rec, &rec.V); err != nil {
			return err
		}
		w.DefaultHours = rec.DefaultHours
		return nil
	}, nil, checkID("team", string(team)))
	if err != nil {
		return people.Workspace{}, fmt.Errorf("store: workspace %s: %w", team, err)
	}
	return w, nil
}

// PutWorkspace stores w; a Workspace with nothing set deletes the record.
func (db *DB) PutWorkspace(w people.Workspace) error {
	err := checkID("team", string(w.Team))
	if err == nil {
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			rec := workspaceRecord{V: recordVersion, DefaultHours: w.DefaultHours}
			if rec == (workspaceRecord{V: recordVersion}) {
				tb, err := teamBucket(tx, w.Team, false)
				if err != nil || tb == nil {
					return err
				}
				if b := tb.Bucket(workspaceBucket); b != nil {
					return b.Delete(workspaceKey)
				}
				return nil
			}
			b, err := subBucket(tx, w.Team, workspaceBucket)
			if err != nil {
				return err
			}
			v, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			return b.Put(workspaceKey, v)
		})
	}
	if err != nil {
		return fmt.Errorf("store: put workspace %s: %w", w.Team, err)
	}
	return nil
}

// Teams returns the workspaces that have anything stored, sorted.
func (db *DB) Teams() ([]activity.TeamID, error) {
	var teams []activity.TeamID
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return forEachTeam(tx, func(team activity.TeamID, _ *bbolt.Bucket) error {
			teams = append(teams, team) // a string, so copied out of the tx
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: teams: %w", err)
	}
	return teams, nil
}

// Counts returns how many managers, team members and people with settings
// team has: numbers only, for admins.
func (db *DB) Counts(team activity.TeamID) (Counts, error) {
	var c Counts
	err := db.view(team, func(tb *bbolt.Bucket) error {
		if b := tb.Bucket(managersBucket); b != nil {
			c.Managers = b.Stats().KeyN
		}
		if b := tb.Bucket(peopleBucket); b != nil {
			c.People = b.Stats().KeyN
		}
		b := tb.Bucket(managersOfBucket)
		if b == nil {
			return nil
		}
		// Keys are member ‖ 0x00 ‖ manager, sorted by member: count the
		// distinct members.
		var last []byte
		cur := b.Cursor()
		for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
			member, _, _ := bytes.Cut(k, []byte{0})
			if !bytes.Equal(member, last) {
				c.TeamMembers++
				last = append(last[:0], member...)
			}
		}
		return nil
	}, nil, checkID("team", string(team)))
	if err != nil {
		return Counts{}, fmt.Errorf("store: counts %s: %w", team, err)
	}
	return c, nil
}

// ForgetUser deletes everything stored about id in team, in one
// transaction: their manager record and team list, their place on other
// managers' teams, their own settings, the observations they posted, their
// ID in the mentions and thread parents of other observations, the pending
// requests they asked or that wait for them, the nudge records sent to
// them, their votes in open polls, the norm adopted by their team, and
// their weekly counts and digest records. It says what it deleted, each
// kind in its own field of Forgotten. Polls they created stay: they belong to
// the team, and their results to those who voted.
func (db *DB) ForgetUser(team activity.TeamID, id activity.UserID) (Forgotten, error) {
	if err := errors.Join(checkID("team", string(team)), checkID("user", string(id))); err != nil {
		return Forgotten{}, fmt.Errorf("store: forget user %s: %w", id, err)
	}
	var f Forgotten
	err := db.updateOpen(func(tx *bbolt.Tx) error {
		f = Forgotten{}
		tb, err := teamBucket(tx, team, false)
		if err != nil || tb == nil {
			return err
		}
		if f.ManagerRecord, f.TeamMembers, err = deleteManagerTx(tb, team, id); err != nil {
			return err
		}
		managers, err := managerIDsOf(tb, id)
		if err != nil {
			return err
		}
		mb := tb.Bucket(managersBucket)
		for _, mid := range managers {
			var v []byte
			if mb != nil {
				v = mb.Get([]byte(mid))
			}
			if v == nil {
				return fmt.Errorf("index says %s is on the team of %s, who has no record", id, mid)
			}
			m, err := decodeManager(team, mid, v)
			if err != nil {
				return err
			}
			m.RemoveMembers([]activity.UserID{id})
			if err := putManagerTx(tb, m); err != nil {
				return err
			}
			f.OnTeamsOf++
		}
		if pb := tb.Bucket(peopleBucket); pb != nil && pb.Get([]byte(id)) != nil {
			if err := pb.Delete([]byte(id)); err != nil {
				return err
			}
			f.Settings = true
		}
		if f.Observations, err = forgetObservationsTx(tb, team, id); err != nil {
			return err
		}
		if f.Requests, err = forgetRequestsTx(tb, team, id, true); err != nil {
			return err
		}
		if f.Nudges, err = forgetNudgesTx(tb, team, id); err != nil {
			return err
		}
		if f.Votes, err = db.forgetVotesTx(tb, id); err != nil {
			return err
		}
		if f.Norm, err = deleteNormTx(tb, id); err != nil {
			return err
		}
		if f.Weeks, f.Digests, err = forgetWeeksTx(tb, id); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return Forgotten{}, fmt.Errorf("store: forget user %s: %w", id, err)
	}
	return f, nil
}

// view runs fn with team's bucket in a read transaction, after checking the
// arguments (errs). When the team has nothing stored it does not call fn and
// returns missing.
func (db *DB) view(team activity.TeamID, fn func(tb *bbolt.Bucket) error, missing error, errs ...error) error {
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return db.bolt.View(func(tx *bbolt.Tx) error {
		tb, err := teamBucket(tx, team, false)
		if err != nil {
			return err
		}
		if tb == nil {
			return missing
		}
		return fn(tb)
	})
}

// subBucket returns the bucket name inside team's bucket, creating both as
// needed.
func subBucket(tx *bbolt.Tx, team activity.TeamID, name []byte) (*bbolt.Bucket, error) {
	tb, err := teamBucket(tx, team, true)
	if err != nil {
		return nil, err
	}
	b, err := tb.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("team %s: %s bucket: %w", team, name, err)
	}
	return b, nil
}

// putManagerTx writes m and brings the index in line with its members.
func putManagerTx(tb *bbolt.Bucket, m people.Manager) error {
	mb, err := tb.CreateBucketIfNotExists(managersBucket)
	if err != nil {
		return err
	}
	ib, err := tb.CreateBucketIfNotExists(managersOfBucket)
	if err != nil {
		return err
	}
	members := people.Normalize(m.Members)
	var old []activity.UserID
	if v := mb.Get([]byte(m.ID)); v != nil {
		prev, err := decodeManager(m.Team, m.ID, v)
		if err != nil {
			return err
		}
		old = prev.Members
	}
	for _, u := range old {
		if _, ok := slices.BinarySearch(members, u); !ok {
			if err := ib.Delete(indexKey(u, m.ID)); err != nil {
				return err
			}
		}
	}
	for _, u := range members {
		if _, ok := slices.BinarySearch(old, u); !ok {
			if err := ib.Put(indexKey(u, m.ID), emptyValue); err != nil {
				return err
			}
		}
	}
	v, err := json.Marshal(managerRecord{
		V:            recordVersion,
		OptedInAt:    timeToNanos(m.OptedInAt),
		Members:      members,
		SnoozedUntil: timeToNanos(m.SnoozedUntil),
		SnoozeReason: m.SnoozeReason,
		KindsOff:     m.KindsOff,
	})
	if err != nil {
		return err
	}
	return mb.Put([]byte(m.ID), v)
}

// deleteManagerTx deletes id's manager record and its index entries, and
// reports whether there was one and how many members it listed.
func deleteManagerTx(tb *bbolt.Bucket, team activity.TeamID, id activity.UserID) (existed bool, members int, err error) {
	mb := tb.Bucket(managersBucket)
	if mb == nil {
		return false, 0, nil
	}
	v := mb.Get([]byte(id))
	if v == nil {
		return false, 0, nil
	}
	m, err := decodeManager(team, id, v)
	if err != nil {
		return false, 0, err
	}
	if ib := tb.Bucket(managersOfBucket); ib != nil {
		for _, u := range m.Members {
			if err := ib.Delete(indexKey(u, id)); err != nil {
				return false, 0, err
			}
		}
	}
	if err := mb.Delete([]byte(id)); err != nil {
		return false, 0, err
	}
	return true, len(m.Members), nil
}

// managerIDsOf returns the managers whose team includes member, from the
// index, sorted.
func managerIDsOf(tb *bbolt.Bucket, member activity.UserID) ([]activity.UserID, error) {
	ib := tb.Bucket(managersOfBucket)
	if ib == nil {
		return nil, nil
	}
	prefix := append([]byte(member), 0)
	var ids []activity.UserID
	c := ib.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == len(prefix) {
			return nil, fmt.Errorf("malformed index key %x", k)
		}
		ids = append(ids, activity.UserID(k[len(prefix):])) // copies
	}
	return ids, nil
}

// indexKey is the managers_of key saying member is on manager's team.
func indexKey(member, manager activity.UserID) []byte {
	k := make([]byte, 0, len(member)+1+len(manager))
	k = append(k, member...)
	k = append(k, 0)
	return append(k, manager...)
}

func decodeManager(team activity.TeamID, id activity.UserID, v []byte) (people.Manager, error) {
	var rec managerRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return people.Manager{}, fmt.Errorf("manager %s: %w", id, err)
	}
	return people.Manager{
		Team:         team,
		ID:           id,
		OptedInAt:    nanosToTime(rec.OptedInAt),
		Members:      rec.Members,
		SnoozedUntil: nanosToTime(rec.SnoozedUntil),
		SnoozeReason: rec.SnoozeReason,
		KindsOff:     rec.KindsOff,
	}, nil
}

func decodePerson(team activity.TeamID, id activity.UserID, v []byte) (people.Person, error) {
	var rec personRecord
	if err := decodeRecord(v, &rec, &rec.V); err != nil {
		return people.Person{}, fmt.Errorf("person %s: %w", id, err)
	}
	return people.Person{Team: team, ID: id, Hours: rec.Hours, Excluded: rec.Excluded}, nil
}

// decodeRecord unmarshals a JSON record into rec and checks that its
// version (*v, a field of rec) is one this binary reads.
func decodeRecord(data []byte, rec any, v *int) error {
	if err := json.Unmarshal(data, rec); err != nil {
		return err
	}
	if *v != recordVersion {
		return fmt.Errorf("unknown record version %d", *v)
	}
	return nil
}

// timeToNanos and nanosToTime store a time as unix nanoseconds, with 0 for
// the zero time.
func timeToNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nanosToTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// checkManagersIndex checks that managers_of lists exactly the members of
// every manager record (for Check).
func checkManagersIndex(tb *bbolt.Bucket, team activity.TeamID) error {
	want := map[string]bool{}
	if mb := tb.Bucket(managersBucket); mb != nil {
		err := mb.ForEach(func(k, v []byte) error {
			m, err := decodeManager(team, activity.UserID(k), v)
			if err != nil {
				return err
			}
			if !slices.Equal(m.Members, people.Normalize(m.Members)) {
				return fmt.Errorf("manager %s: members not sorted and unique", m.ID)
			}
			for _, u := range m.Members {
				want[string(indexKey(u, m.ID))] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if ib := tb.Bucket(managersOfBucket); ib != nil {
		err := ib.ForEach(func(k, _ []byte) error {
			if !want[string(k)] {
				return fmt.Errorf("managers_of entry %q has no manager record listing it", k)
			}
			delete(want, string(k))
			return nil
		})
		if err != nil {
			return err
		}
	}
	for k := range want {
		return fmt.Errorf("managers_of lacks entry %q", k)
	}
	return nil
}

package store

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/trustnudge/trustnudge/internal/poll"
)

func testPoll(id string) poll.Poll {
	return poll.Poll{
		ID: id, Team: "T1", Creator: "UM", Channel: "C1", Question: "When?",
		Options: []poll.Option{{Label: "9 to 6", Hours: "Mon-Fri 09:00-18:00"}, {Label: "8 to 5", Hours: "Mon-Fri 08:00-17:00"}},
		Created: t0, Deadline: t0.Add(72 * time.Hour), Adopted: -1,
	}
}

func TestCheck_FindsBrokenPollsAndVotes(t *testing.T) {
	stray := func(name []byte, key string) func(tx *bbolt.Tx, tb *bbolt.Bucket) error {
		return func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			b, err := tb.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), emptyValue)
		}
	}
	firstKey := func(name []byte) func(tx *bbolt.Tx, tb *bbolt.Bucket) error {
		return func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			c := tb.Bucket(name).Cursor()
			c.First()
			return c.Delete()
		}
	}
	voteKeyIn := func(pollID string) string {
		return pollID + "\x00" + strings.Repeat("k", voterKeyLen)
	}
	for name, damage := range map[string]func(tx *bbolt.Tx, tb *bbolt.Bucket) error{
		"open poll without open entry": firstKey(pollOpenBucket),
		"poll without channel entry":   firstKey(pollByChannelBucket),
		"stray open entry":             stray(pollOpenBucket, string(append(timeKey(t0), "P9"...))),
		"closed poll left in open":     stray(pollOpenBucket, string(append(timeKey(t0.Add(time.Hour)), "PCLOSED"...))),
		"stray channel entry":          stray(pollByChannelBucket, "C1\x00\x00\x00\x00\x00\x00\x00\x00\x01P9"),
		"vote in a poll that is gone": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(votesBucket).Put([]byte(voteKeyIn("P9")), []byte(`{"v":1,"option":0}`))
		},
		"vote for an option not there": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(votesBucket).Put([]byte(voteKeyIn("P1")), []byte(`{"v":1,"option":2}`))
		},
		"vote with a short voter key": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(votesBucket).Put([]byte("P1\x00short"), []byte(`{"v":1,"option":0}`))
		},
		"vote that does not decode": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(votesBucket).Put([]byte(voteKeyIn("P1")), []byte(`{"v":7}`))
		},
		"poll that does not decode": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(pollsBucket).Put([]byte("P1"), []byte(`{"v":1`))
		},
		"norm that does not decode": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			return tb.Bucket(normsBucket).Put([]byte("UM"), []byte(`{"v":1}`))
		},
		"poll adopting a missing option": func(_ *bbolt.Tx, tb *bbolt.Bucket) error {
			v := bytes.Replace(tb.Bucket(pollsBucket).Get([]byte("P1")), []byte(`"adopted":-1`), []byte(`"adopted":5`), 1)
			return tb.Bucket(pollsBucket).Put([]byte("P1"), v)
		},
		"voter secret of the wrong length": func(tx *bbolt.Tx, _ *bbolt.Bucket) error {
			return tx.Bucket(metaBucket).Put(voterSecretKey, []byte("short"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(tempPath(t), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			closed := testPoll("PCLOSED")
			closed.Closed = t0.Add(time.Hour)
			for _, p := range []poll.Poll{testPoll("P1"), closed} {
				if err := db.PutPoll(p); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.RecordVote("T1", "P1", "UA", 1, t0); err != nil {
				t.Fatal(err)
			}
			if err := db.SetNorm("T1", "UM", "Mon-Fri 09:00-18:00", "PCLOSED", t0); err != nil {
				t.Fatal(err)
			}
			if err := db.Check(); err != nil {
				t.Fatalf("Check() before damage = %v", err)
			}
			err = db.bolt.Update(func(tx *bbolt.Tx) error {
				tb, _ := teamBucket(tx, "T1", false)
				return damage(tx, tb)
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Check()
			if err == nil {
				t.Fatal("Check() after damage = nil; want an error")
			}
			if s := err.Error(); strings.Contains(s, "UA") || strings.Contains(s, hex.EncodeToString(db.secret)) {
				t.Errorf("Check() = %q; shows a voter or the secret", s)
			}
		})
	}
}

// A generated secret is kept in the file (that is its point), but never
// shown: not by the DB, its fields, errors or a log line.
func TestPrivacy_GeneratedSecretNeverShown(t *testing.T) {
	path := tempPath(t)
	db := openAt(t, path, nil)
	secret := bytes.Clone(db.secret)
	if len(secret) != voterSecretLen || bytes.Equal(secret, make([]byte, voterSecretLen)) {
		t.Fatalf("generated secret is %d bytes, all zero: %v", len(secret), bytes.Equal(secret, make([]byte, voterSecretLen)))
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	log.Info("open", "db", db, "secret", db.secret)
	out := []string{
		db.String(), logs.String(),
		fmt.Sprintf("%v %+v %#v %s %x %X %q", db, db, db, db, db, db, db),
		fmt.Sprintf("%v %+v %#v %s %x %X %q %d", db.secret, db.secret, db.secret, db.secret, db.secret, db.secret, db.secret, db.secret),
	}
	if _, err := db.RecordVote("T1", "PNONE", "UA", 0, t0); err != nil {
		out = append(out, err.Error())
	}
	for _, s := range out {
		for _, form := range []string{string(secret), hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)), fmt.Sprint([]byte(secret))[1:12]} {
			if strings.Contains(s, form) {
				t.Errorf("secret (as %q) shown in %q", form, s)
			}
		}
	}

	// Reopening keeps the secret, and a current file is not written.
	db.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, nil)
	if !bytes.Equal(db.secret, secret) {
		t.Error("secret changed on reopen")
	}
	db.Close()
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("reopening a current file changed its bytes")
	}
}

// A given secret replaces a generated one in the file: the stored one is
// deleted once no open poll's votes need it.
func TestOpen_GivenSecretDeletesTheStoredOne(t *testing.T) {
	path := tempPath(t)
	db := openAt(t, path, nil)
	generated := bytes.Clone(db.secret)
	db.Close()

	db, err := Open(path, Options{NoSync: true, Secret: []byte(strings.Repeat("given secret ", 3))})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(db.secret, generated) {
		t.Error("the given secret was not used")
	}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(metaBucket).Get(voterSecretKey); v != nil {
			t.Error("the generated secret is still stored")
		}
		if v := tx.Bucket(metaBucket).Get(voterSecretIDKey); !bytes.Equal(v, secretID(db.secret)) {
			t.Error("the stored secret id is not the given secret's")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

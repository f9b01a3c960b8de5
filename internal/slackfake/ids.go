package slackfake

import (
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	anyAlnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

func randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// slackID makes an ID shaped like Slack's: a type letter and upper-case
// alphanumerics ("D08ABCDE12", "V0123ABCDE").
func slackID(prefix string) string { return prefix + "0" + randString(upperAlnum, 9) }

// eventID is an Events API event_id ("Ev08MFMKH6J9").
func eventID() string { return "Ev0" + randString(upperAlnum, 9) }

// newUUID is a random (v4) UUID, the shape of envelope IDs and client_msg_id.
func newUUID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// triggerID is shaped like Slack's "1234567890123.1234567890123.0123abcd…".
func triggerID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%d.%d.%s", 1_000_000_000_000+rand.Int64N(9_000_000_000_000), 1_000_000_000_000+rand.Int64N(9_000_000_000_000), hex.EncodeToString(b[:]))
}

// secret is an unguessable token for tickets and response URLs.
func secret() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// blockID is a short random block_id, as Slack gives rich_text blocks.
func blockID() string { return randString(anyAlnum, 5) }

// viewHash is a views hash ("1569362015.55b5e41b").
func viewHash(unix int64) string {
	return fmt.Sprintf("%d.%s", unix, randString("0123456789abcdef", 8))
}

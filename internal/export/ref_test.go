package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// This file is an oracle for the scanner: the same rules on top of
// encoding/json, slow and obviously right. Keys match exactly and a
// repeated key replaces the earlier value, as the scanner does.

// flat is a rec without its sort fields, for comparing.
type flat struct {
	TS, ThreadTS     activity.TS
	User, Parent     activity.UserID
	Team             activity.TeamID
	Bot, System      bool
	Mentions, Reacts []activity.UserID
}

func flatten(rs []rec) []flat {
	out := []flat{}
	for _, r := range rs {
		out = append(out, flat{r.ts, r.threadTS, r.user, r.parent, r.team, r.flags&flagBot != 0, r.flags&flagSystem != 0, r.mentions, r.reactors})
	}
	return out
}

// refDecode decodes a day file with encoding/json. ok is false when the
// input is not a JSON array of objects.
func refDecode(b []byte, team activity.TeamID) (out []flat, ok bool) {
	var elems []json.RawMessage
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '[' || json.Unmarshal(b, &elems) != nil {
		return nil, false
	}
	for _, e := range elems {
		if e[0] != '{' {
			return nil, false
		}
		f, keep := refMessage(e, team)
		if keep {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b flat) int {
		if c := a.TS.Time().Compare(b.TS.Time()); c != 0 {
			return c
		}
		return strings.Compare(string(a.TS), string(b.TS))
	})
	if out == nil {
		out = []flat{}
	}
	return out, true
}

// fields walks a JSON object's keys in order.
func fields(obj json.RawMessage, fn func(key string, v json.RawMessage)) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		fn(k.(string), v)
	}
}

func refMessage(obj json.RawMessage, team activity.TeamID) (flat, bool) {
	var (
		vals     = map[string]string{}
		hasType  bool
		shape    bool
		mentions []activity.UserID
		reacts   []activity.UserID
	)
	fields(obj, func(k string, v json.RawMessage) {
		switch k {
		case "type", "subtype", "user", "bot_id", "ts", "thread_ts", "parent_user_id", "team":
			if k == "type" {
				hasType = true
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				shape = true
			}
			vals[k] = s
		case "text":
			var s string
			if json.Unmarshal(v, &s) != nil {
				shape = true
			}
			mentions = activity.Mentions(s)
		case "reactions":
			reacts = nil
			var rs []json.RawMessage
			if json.Unmarshal(v, &rs) != nil {
				shape = true
				return
			}
			for _, r := range rs {
				if string(r) == "null" {
					continue
				}
				if r[0] != '{' {
					shape = true
					return
				}
				var users []activity.UserID
				fields(r, func(k string, v json.RawMessage) {
					if k != "users" {
						return
					}
					users = nil
					var us []json.RawMessage
					if json.Unmarshal(v, &us) != nil {
						shape = true
						return
					}
					for _, u := range us {
						var s string
						if string(u) != "null" && json.Unmarshal(u, &s) != nil {
							shape = true
						}
						if activity.ValidID(s) {
							users = append(users, activity.UserID(s))
						}
					}
				})
				for _, u := range users {
					if !slices.Contains(reacts, u) {
						reacts = append(reacts, u)
					}
				}
			}
		}
	})
	if shape || hasType && vals["type"] != "message" {
		return flat{}, false
	}
	sub := vals["subtype"]
	system := !activity.CountedSubtype(sub)
	bot := vals["bot_id"] != "" || sub == "bot_message"
	ts, thread := activity.TS(vals["ts"]), activity.TS(vals["thread_ts"])
	userOK := activity.ValidID(vals["user"])
	switch {
	case !ts.Valid(),
		thread != "" && !thread.Valid() && !system,
		!userOK && !bot && !system:
		return flat{}, false
	}
	f := flat{TS: ts, Team: team, Bot: bot, System: system, Reacts: reacts}
	if !system {
		f.Mentions = mentions
	}
	if userOK {
		f.User = activity.UserID(vals["user"])
	}
	if activity.ValidID(vals["team"]) {
		f.Team = activity.TeamID(vals["team"])
	}
	if thread != "" && thread.Valid() {
		f.ThreadTS = thread
		if activity.ValidID(vals["parent_user_id"]) {
			f.Parent = activity.UserID(vals["parent_user_id"])
		}
	}
	return f, true
}

// checkAgainstRef decodes b with the scanner and, when encoding/json can
// judge b, compares with the oracle.
func checkAgainstRef(t *testing.T, b []byte) {
	t.Helper()
	d := newDecoder()
	d.team = "T0"
	got, err := d.decode(b, nil)
	if err == nil {
		for _, r := range got {
			if !r.ts.Valid() || r.flags&(flagBot|flagSystem) == 0 && !activity.ValidID(string(r.user)) {
				t.Fatalf("decode kept %+v: invalid ts or user", r)
			}
		}
	}
	if !json.Valid(b) {
		return
	}
	want, ok := refDecode(b, "T0")
	switch {
	case err != nil && strings.Contains(err.Error(), "nested deeper"):
		return // encoding/json allows deeper nesting
	case !ok && err == nil:
		t.Fatalf("decode accepted what is not a JSON array of objects")
	case ok && err != nil:
		t.Fatalf("decode refused a valid day file: %v", err)
	case ok:
		if g := flatten(got); fmt.Sprint(g) != fmt.Sprint(want) {
			t.Fatalf("decode = %+v\n want %+v", g, want)
		}
	}
}

// TestDecode_AgreesWithEncodingJSON runs the oracle over generated days and
// hand-made corner cases.
func TestDecode_AgreesWithEncodingJSON(t *testing.T) {
	g := newGen(7, 50)
	checkAgainstRef(t, []byte(pretty(g.day(testStart, 500))))
	for _, c := range dayCorners {
		t.Run("", func(t *testing.T) { checkAgainstRef(t, []byte(c)) })
	}
}

// dayCorners are day files at the edges of the format; the fuzz targets
// start from them too.
var dayCorners = []string{
	`[]`, ` [ ] `, `[{}]`, `null`, `{}`, `[1]`, `[null]`, `[[]]`, `"x"`, ``,
	`[{"type":"message","user":"U1","ts":"1.000001"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001"},]`,
	`[{"type":"message","user":"U1","ts":"1.000001"}] x`,
	`[{"type":"message","user":"U1","ts":123}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","ts":"2.000002"}]`,
	`[{"type":"message","user":"U1","ts":5,"ts":"2.000002"}]`,
	`[{"type":null,"user":"U1","ts":"1.000001"}]`,
	`[{"user":"U1","ts":"1.000001","text":null,"subtype":null}]`,
	`[{"type":"mess\u0061ge","user":"\u00551","ts":"1.000001","t\u0065xt":"hi \u003c@U2|bob\u003e and <@U3>"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","text":"\ud83d\ude00 <@U2> \ud800 <@W3> \"<@U4>\" \\<@U5>"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":[{"name":"+1","users":["U2","U3","U2"]},null,{"users":null},{"users":["U3","x",null,"U4"]}]}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":[{"users":["U2"],"users":["U3"]}],"reactions":[{"users":["U5"]}]}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":{"users":["U2"]}}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":[{"users":"U2"}]}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":[{"users":[1]}]}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","reactions":[7]}]`,
	`[{"type":"message","subtype":"bot_message","bot_id":"B1","ts":"1.000001"}]`,
	`[{"type":"message","bot_id":"B1","user":"junk","ts":"1.000001"}]`,
	`[{"type":"message","subtype":"channel_join","ts":"1.000001","text":"<@U1> joined","thread_ts":"x"}]`,
	`[{"type":"message","subtype":"thread_broadcast","user":"U1","ts":"2.000002","thread_ts":"1.000001","parent_user_id":"U2"}]`,
	`[{"type":"message","user":"U1","ts":"2.000002","thread_ts":"bad"}]`,
	`[{"type":"message","user":"U1","ts":"2.000002","thread_ts":"2.000002","parent_user_id":"nope"}]`,
	`[{"type":"message","user":"U1","ts":"2.000002","team":"T9"},{"type":"message","user":"U1","ts":"1.000001","team":"t9"}]`,
	`[{"type":"message","user":"U1","ts":"1.5"},{"type":"message","user":"U1","ts":"1.50"},{"type":"message","user":"U1","ts":"1.4999999999"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","blocks":[{"a":[1,-2.5e3,true,false,null,{"b":{}},[]]}],"x":{"y":[{"z":"\""}]}}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":[}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":{"a"}}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":"unterminated}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":"\x"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":"\u12"}]`,
	"\xef\xbb\xbf[]",
	`[{"type":"channel","user":"U1","ts":"1.000001"}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","TS":"junk","Text":"<@U2>"}]`,
	strings.Repeat("[", 600) + strings.Repeat("]", 600),
	`[{"type":"message","user":"U1","ts":"1.000001","x":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}]`,
	`[{"type":"message","user":"U1","ts":"1.000001","x":` + strings.Repeat(`{"a":`, 505) + `1` + strings.Repeat("}", 505) + `}]`,
}

package export

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// rec is one message of a day file reduced to metadata, with its sort key.
type rec struct {
	sec      int64 // ts seconds
	nsec     int32 // ts fraction, in nanoseconds
	rank     int32 // rank of the conversation's ID, for ties
	conv     int32 // index into Export.convs
	file     int32 // index into Export.days, for warnings and stable ties
	flags    uint8
	ts       activity.TS
	threadTS activity.TS
	user     activity.UserID
	parent   activity.UserID
	team     activity.TeamID
	mentions []activity.UserID
	reactors []activity.UserID
}

const (
	flagBot uint8 = 1 << iota
	flagSystem
)

// cmpRec orders messages by time, then conversation ID, then ts as
// written, then file.
func cmpRec(a, b *rec) int {
	switch {
	case a.sec != b.sec:
		return cmp3(a.sec < b.sec)
	case a.nsec != b.nsec:
		return cmp3(a.nsec < b.nsec)
	case a.rank != b.rank:
		return cmp3(a.rank < b.rank)
	}
	if c := strings.Compare(string(a.ts), string(b.ts)); c != 0 {
		return c
	}
	switch {
	case a.file != b.file:
		return cmp3(a.file < b.file)
	}
	return 0
}

func cmp3(less bool) int {
	if less {
		return -1
	}
	return 1
}

// tsKey splits a valid ts into seconds and nanoseconds.
func tsKey(ts []byte) (sec int64, nsec int32) {
	i := 0
	for ; ts[i] != '.'; i++ {
		sec = sec*10 + int64(ts[i]-'0')
	}
	digits := 0
	for _, c := range ts[i+1:] {
		nsec = nsec*10 + int32(c-'0')
		digits++
	}
	for ; digits < 9; digits++ {
		nsec *= 10
	}
	return sec, nsec
}

// problem counts the messages of a file skipped for one reason.
type problem struct {
	reason string
	n      int
	first  int // index of the first such message in the file
}

// decoder turns day files into recs. Each worker has its own, so IDs are
// interned per worker and buffers are reused across files.
type decoder struct {
	s        scanner
	ids      map[string]string // interned IDs: memory grows with people, not messages
	scratch  []byte            // unescaped keys
	text     []byte            // unescaped text
	reactors []activity.UserID
	recs     []rec // scratch for a file's messages
	seen     map[activity.UserID]struct{}
	problems []problem

	// set per file
	conv, rank, file int32
	team             activity.TeamID // the export's team, for messages without one
	from, to         tsBound
}

// tsBound is an instant as a ts key; ok is false when unbounded.
type tsBound struct {
	sec  int64
	nsec int32
	ok   bool
}

func newDecoder() *decoder {
	return &decoder{ids: make(map[string]string)}
}

func (d *decoder) intern(b []byte) string {
	if s, ok := d.ids[string(b)]; ok {
		return s
	}
	s := string(b)
	d.ids[s] = s
	return s
}

func (d *decoder) internString(s string) string {
	if v, ok := d.ids[s]; ok {
		return v
	}
	s = strings.Clone(s)
	d.ids[s] = s
	return s
}

func (d *decoder) skip(reason string, index int) {
	for i := range d.problems {
		if d.problems[i].reason == reason {
			d.problems[i].n++
			return
		}
	}
	d.problems = append(d.problems, problem{reason: reason, n: 1, first: index})
}

// decode scans a day file and appends its messages to out, sorted. A file
// that is not a JSON array of objects is an error, and nothing of it is
// kept; single messages that cannot be used are counted in d.problems.
func (d *decoder) decode(b []byte, out []rec) ([]rec, error) {
	d.problems = d.problems[:0]
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte order mark some tools write
	d.s.b, d.s.i = b, 0
	s := &d.s
	if c := s.peek(); c != '[' {
		if c == 0 {
			return out, s.fail("empty file, want a JSON array")
		}
		return out, s.fail("not a JSON array")
	}
	s.i++
	base := len(out)
	if s.peek() == ']' {
		s.i++
	} else {
		for index := 0; ; index++ {
			if s.peek() != '{' {
				if s.i >= len(s.b) {
					return out[:base], s.fail("unexpected end of input")
				}
				return out[:base], s.fail("array element is not an object")
			}
			var err error
			if out, err = d.message(out, index); err != nil {
				return out[:base], err
			}
			if more, err := s.more(']'); err != nil {
				return out[:base], err
			} else if !more {
				break
			}
		}
	}
	if s.peek() != 0 || s.i < len(s.b) {
		return out[:base], s.fail("data after the array")
	}
	run := out[base:]
	for i := 1; i < len(run); i++ {
		if cmpRec(&run[i-1], &run[i]) > 0 {
			slices.SortStableFunc(run, func(a, b rec) int { return cmpRec(&a, &b) })
			break
		}
	}
	return out, nil
}

// message scans one message object (s.i at '{') and appends it to out when
// it can be used.
func (d *decoder) message(out []rec, index int) ([]rec, error) {
	s := &d.s
	s.i++
	var m wireMsg
	d.resetReactors(0)
	if s.peek() == '}' {
		s.i++
	} else {
		for {
			k, err := s.key(&d.scratch)
			if err != nil {
				return out, err
			}
			switch string(k) {
			case "type":
				m.hasType = true
				err = s.stringField(&m.typ, "type", &m)
			case "subtype":
				err = s.stringField(&m.subtype, "subtype", &m)
			case "user":
				err = s.stringField(&m.user, "user", &m)
			case "bot_id":
				err = s.stringField(&m.botID, "bot_id", &m)
			case "ts":
				err = s.stringField(&m.ts, "ts", &m)
			case "thread_ts":
				err = s.stringField(&m.threadTS, "thread_ts", &m)
			case "parent_user_id":
				err = s.stringField(&m.parent, "parent_user_id", &m)
			case "team":
				err = s.stringField(&m.team, "team", &m)
			case "text":
				err = d.textField(&m)
			case "reactions":
				err = d.reactionsField(&m)
			default:
				err = s.skipValue(2)
			}
			if err != nil {
				return out, err
			}
			if more, err := s.more('}'); err != nil {
				return out, err
			} else if !more {
				break
			}
		}
	}
	return d.keep(out, &m, index), nil
}

// textField reads the text only to find mentions, as the live adapter
// does, and keeps nothing else of it.
func (d *decoder) textField(m *wireMsg) error {
	s := &d.s
	m.mentions = nil
	switch s.peek() {
	case '"':
	case 'n':
		return s.literal("null")
	default:
		if m.shape == "" {
			m.shape = "text"
		}
		return s.skipValue(2)
	}
	start, end, esc, err := s.str()
	if err != nil {
		return err
	}
	t := s.b[start:end]
	if bytes.IndexByte(t, '@') < 0 && !(esc && bytes.Contains(t, []byte(`\u0040`))) {
		return nil // no mention can hide here
	}
	if esc {
		d.text = unescape(d.text[:0], t)
		t = d.text
	}
	if !bytes.Contains(t, []byte("<@")) {
		return nil
	}
	m.mentions = activity.Mentions(string(t))
	for i, id := range m.mentions {
		// Interned copies: the IDs must not keep the text alive.
		m.mentions[i] = activity.UserID(d.internString(string(id)))
	}
	return nil
}

// reactionsField reads who reacted; emoji names are skipped. A value of
// another shape than [{"users": ["U…", …]}, …] is a shape problem.
func (d *decoder) reactionsField(m *wireMsg) error {
	s := &d.s
	start := s.i
	d.resetReactors(0) // a repeated key replaces, as in encoding/json
	ok, err := d.reactions()
	if err != nil || ok {
		return err
	}
	if m.shape == "" {
		m.shape = "reactions"
	}
	s.i = start
	return s.skipValue(2)
}

// reactions parses the reactions array. It returns false (and no error)
// at the first value of the wrong shape, leaving the caller to skip it.
func (d *decoder) reactions() (bool, error) {
	s := &d.s
	switch s.peek() {
	case 'n':
		return true, s.literal("null")
	case '[':
		s.i++
	default:
		return false, nil
	}
	if s.peek() == ']' {
		s.i++
		return true, nil
	}
	for {
		switch s.peek() {
		case '{':
			if ok, err := d.reaction(); err != nil || !ok {
				return false, err
			}
		case 'n': // null decodes as an empty reaction, as in encoding/json
			if err := s.literal("null"); err != nil {
				return false, err
			}
		default:
			return false, nil
		}
		if more, err := s.more(']'); err != nil || !more {
			return err == nil, err
		}
	}
}

// reaction reads one reaction object (s.i at '{'): only its users.
func (d *decoder) reaction() (bool, error) {
	s := &d.s
	s.i++
	mark := len(d.reactors)
	if s.peek() == '}' {
		s.i++
		return true, nil
	}
	for {
		k, err := s.key(&d.scratch)
		if err != nil {
			return false, err
		}
		if string(k) == "users" {
			d.resetReactors(mark) // a repeated key replaces
			if ok, err := d.reactionUsers(); err != nil || !ok {
				return false, err
			}
		} else if err := s.skipValue(4); err != nil {
			return false, err
		}
		if more, err := s.more('}'); err != nil || !more {
			return err == nil, err
		}
	}
}

// reactionUsers reads one reaction's users array into d.reactors.
func (d *decoder) reactionUsers() (bool, error) {
	s := &d.s
	switch s.peek() {
	case 'n':
		return true, s.literal("null")
	case '[':
		s.i++
	default:
		return false, nil
	}
	if s.peek() == ']' {
		s.i++
		return true, nil
	}
	for {
		switch s.peek() {
		case '"':
			start, end, esc, err := s.str()
			if err != nil {
				return false, err
			}
			v := s.b[start:end]
			if esc {
				d.text = unescape(d.text[:0], v)
				v = d.text
			}
			if activity.ValidID(string(v)) {
				d.addReactor(activity.UserID(d.intern(v)))
			}
		case 'n':
			if err := s.literal("null"); err != nil {
				return false, err
			}
		default:
			return false, nil
		}
		if more, err := s.more(']'); err != nil || !more {
			return err == nil, err
		}
	}
}

// resetReactors forgets the reactors after the first n.
func (d *decoder) resetReactors(n int) {
	d.reactors = d.reactors[:n]
	if len(d.seen) > 0 {
		clear(d.seen)
	}
}

// addReactor adds u unless it is there already.
func (d *decoder) addReactor(u activity.UserID) {
	if len(d.reactors) < 32 {
		if !slices.Contains(d.reactors, u) {
			d.reactors = append(d.reactors, u)
		}
		return
	}
	if len(d.seen) != len(d.reactors) {
		if d.seen == nil {
			d.seen = make(map[activity.UserID]struct{})
		}
		clear(d.seen)
		for _, r := range d.reactors {
			d.seen[r] = struct{}{}
		}
	}
	if _, ok := d.seen[u]; !ok {
		d.seen[u] = struct{}{}
		d.reactors = append(d.reactors, u)
	}
}

// keep applies the live adapter's rules to a scanned message and appends
// it to out when it is used.
func (d *decoder) keep(out []rec, m *wireMsg, index int) []rec {
	switch {
	case m.shape != "":
		d.skip(fmt.Sprintf("field %q has the wrong type", m.shape), index)
		return out
	case m.hasType && string(m.typ) != "message":
		d.skip("object is not a message", index)
		return out
	}
	system := !activity.CountedSubtype(string(m.subtype))
	isBot := len(m.botID) > 0 || string(m.subtype) == "bot_message"
	threadOK := len(m.threadTS) == 0 || activity.TS(m.threadTS).Valid()
	userOK := activity.ValidID(string(m.user))
	switch {
	case !activity.TS(m.ts).Valid():
		d.skip("message without a valid ts", index)
		return out
	case !threadOK && !system:
		d.skip("message with an invalid thread_ts", index)
		return out
	case !userOK && !isBot && !system:
		d.skip("message without a valid user", index)
		return out
	}
	sec, nsec := tsKey(m.ts)
	if d.from.ok && (sec < d.from.sec || sec == d.from.sec && nsec < d.from.nsec) {
		return out
	}
	if d.to.ok && (sec > d.to.sec || sec == d.to.sec && nsec >= d.to.nsec) {
		return out
	}
	r := rec{
		sec: sec, nsec: nsec, rank: d.rank, conv: d.conv, file: d.file,
		ts:   activity.TS(m.ts),
		team: d.team,
	}
	if !system {
		// Mentions in joins and the like are Slack's, not a person's.
		r.mentions = m.mentions
	}
	if isBot {
		r.flags |= flagBot
	}
	if system {
		r.flags |= flagSystem
	}
	if userOK {
		r.user = activity.UserID(d.intern(m.user))
	}
	if activity.ValidID(string(m.team)) {
		r.team = activity.TeamID(d.intern(m.team))
	}
	if len(m.threadTS) > 0 && threadOK {
		if bytes.Equal(m.threadTS, m.ts) {
			r.threadTS = r.ts
		} else {
			r.threadTS = activity.TS(m.threadTS)
		}
		if activity.ValidID(string(m.parent)) {
			r.parent = activity.UserID(d.intern(m.parent))
		}
	}
	if len(d.reactors) > 0 {
		r.reactors = slices.Clone(d.reactors)
	}
	return append(out, r)
}

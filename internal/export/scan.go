package export

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// This file is the privacy edge of the export reader: a small JSON scanner
// that walks a day file, reads the few metadata keys of each message object
// and skips every other value without decoding it. Message text is looked at
// only to find <@U…> mentions and is never copied into anything that
// outlives the call.
//
// encoding/json was measured at about a fifth of the speed needed (it decodes
// every string of blocks, attachments and user_profile it is asked to skip);
// this scanner validates the grammar but allocates nothing for skipped
// values.

// maxDepth bounds the nesting of arrays and objects in a day file.
const maxDepth = 512

// syntaxError is a day file that is not JSON, or not the JSON we expect. It
// names a byte offset and never quotes the input.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.off) }

// scanner walks JSON in b from position i.
type scanner struct {
	b     []byte
	i     int
	stack [maxDepth]byte // open containers of skipValue, '{' or '['
}

func (s *scanner) fail(msg string) error { return &syntaxError{off: s.i, msg: msg} }

// ws skips JSON whitespace. Exports are indented, so runs of spaces are
// skipped eight at a time.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		if s.b[s.i] == ' ' {
			for s.i+8 <= len(s.b) && binary.LittleEndian.Uint64(s.b[s.i:]) == 0x2020202020202020 {
				s.i += 8
			}
		}
		if s.i >= len(s.b) {
			return
		}
		switch s.b[s.i] {
		case ' ', '\n', '\r', '\t':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, or 0 at the end of input.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// more consumes the separator after a container's element: true after a
// ',' (another element follows), false after closer (']' or '}').
func (s *scanner) more(closer byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.i++
		return true, nil
	case closer:
		s.i++
		return false, nil
	case 0:
		return false, s.fail("unexpected end of input")
	}
	return false, s.fail("want ',' or '" + string(closer) + "'")
}

// expect consumes c after whitespace.
func (s *scanner) expect(c byte, what string) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.fail("unexpected end of input, want " + what)
		}
		return s.fail("want " + what)
	}
	s.i++
	return nil
}

// str scans the string starting at s.i (which must be '"') and returns the
// bounds of its raw content and whether it holds escapes. It is linear in
// the length of the string whatever the escapes.
func (s *scanner) str() (start, end int, esc bool, err error) {
	start = s.i + 1
	// Most strings of an export are short keys and IDs: look at the first
	// bytes directly before calling IndexByte.
	for j := start; j < len(s.b) && j < start+16; j++ {
		if c := s.b[j]; c == '"' {
			s.i = j + 1
			return start, j, false, nil
		} else if c == '\\' {
			break
		}
	}
	i, q := start, -1
	for {
		if q < i {
			q = bytes.IndexByte(s.b[i:], '"')
			if q < 0 {
				s.i = len(s.b)
				return 0, 0, false, s.fail("unterminated string")
			}
			q += i
		}
		bs := bytes.IndexByte(s.b[i:q], '\\')
		if bs < 0 {
			s.i = q + 1
			return start, q, esc, nil
		}
		esc = true
		bs += i
		// bs < q, so s.b[bs+1] exists.
		switch s.b[bs+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i = bs + 2
		case 'u':
			if bs+6 > len(s.b) || !isHex4(s.b[bs+2:bs+6]) {
				s.i = bs
				return 0, 0, false, s.fail("invalid \\u escape")
			}
			i = bs + 6
		default:
			s.i = bs
			return 0, 0, false, s.fail("invalid escape")
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

func hex4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// unescape appends the decoded form of raw, the content of a JSON string
// already checked by str, to dst. Like encoding/json it turns unpaired
// surrogates into U+FFFD.
func unescape(dst, raw []byte) []byte {
	for {
		bs := bytes.IndexByte(raw, '\\')
		if bs < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:bs]...)
		c := raw[bs+1]
		raw = raw[bs+2:]
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw)
			raw = raw[4:]
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
					r2 = hex4(raw[2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					raw = raw[6:]
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
}

// literal consumes the literal word (true, false, null).
func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail("invalid literal")
	}
	s.i += len(word)
	return nil
}

// number consumes a JSON number. It checks the grammar loosely: a sign,
// digits, a fraction and an exponent in any arrangement of those bytes.
func (s *scanner) number() error {
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
		default:
			goto done
		}
	}
done:
	if s.i == start {
		return s.fail("invalid value")
	}
	return nil
}

// key reads an object key and the colon after it, returning the raw key.
// The key is unescaped into scratch when it holds escapes.
func (s *scanner) key(scratch *[]byte) ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.fail("want object key")
	}
	start, end, esc, err := s.str()
	if err != nil {
		return nil, err
	}
	k := s.b[start:end]
	if esc {
		*scratch = unescape((*scratch)[:0], k)
		k = *scratch
	}
	if err := s.expect(':', "':'"); err != nil {
		return nil, err
	}
	return k, nil
}

// skipValue skips one JSON value of any kind, nested in depth containers
// already. It is iterative, so hostile nesting costs no stack.
func (s *scanner) skipValue(depth int) error {
	n := 0 // open containers
	for {
		// A value is expected.
		switch c := s.peek(); c {
		case '"':
			if _, _, _, err := s.str(); err != nil {
				return err
			}
		case '{', '[':
			if depth+n >= maxDepth {
				return s.fail(fmt.Sprintf("nested deeper than %d levels", maxDepth))
			}
			s.stack[n] = c
			n++
			s.i++
			if s.peek() == c+2 { // '}' or ']'
				s.i++
				n--
				break
			}
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue
		case 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		case 0:
			if s.i >= len(s.b) {
				return s.fail("unexpected end of input")
			}
			return s.fail("invalid value")
		default:
			if c != '-' && (c < '0' || c > '9') {
				return s.fail("invalid value")
			}
			if err := s.number(); err != nil {
				return err
			}
		}
		// A value was read: close containers until one goes on.
		for {
			if n == 0 {
				return nil
			}
			c := s.peek()
			top := s.stack[n-1]
			if c == ',' {
				s.i++
				if top == '{' {
					if err := s.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if c == top+2 {
				s.i++
				n--
				continue
			}
			if c == 0 {
				return s.fail("unexpected end of input")
			}
			return s.fail("want ',' or end of container")
		}
	}
}

// skipKey skips an object key and its colon.
func (s *scanner) skipKey() error {
	if s.peek() != '"' {
		return s.fail("want object key")
	}
	if _, _, _, err := s.str(); err != nil {
		return err
	}
	return s.expect(':', "':'")
}

// wireMsg holds the metadata fields of one message object while it is
// scanned: raw bytes pointing into the file, or into fresh copies when they
// held escapes.
type wireMsg struct {
	typ, subtype, user, botID, ts, threadTS, parent, team []byte
	hasType                                               bool
	mentions                                              []activity.UserID
	// shape names the first field of the wrong JSON type.
	shape string
}

// stringField reads a value that must be a string or null. A value of
// another type records a shape problem and is skipped.
func (s *scanner) stringField(dst *[]byte, name string, m *wireMsg) error {
	switch s.peek() {
	case '"':
		start, end, esc, err := s.str()
		if err != nil {
			return err
		}
		v := s.b[start:end]
		if esc {
			v = unescape(nil, v)
		}
		*dst = v
		return nil
	case 'n':
		*dst = nil
		return s.literal("null")
	}
	if m.shape == "" {
		m.shape = name
	}
	return s.skipValue(2)
}

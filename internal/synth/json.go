package synth

import (
	"strconv"
	"unicode/utf8"
)

// jw appends JSON to a reused buffer: indented with 4 spaces as Slack's
// exports are, or compact with one top-level array element a line. Keys
// are constants of this package and are written unescaped; every other
// string goes through appendJSONString.
type jw struct {
	indent bool
	b      []byte
	n      []int  // values written per open container
	closer []byte // per open container
}

const spaces = "                                                                "

func (w *jw) reset(depth int) {
	w.b = w.b[:0]
	w.n = w.n[:0]
	w.closer = w.closer[:0]
	for range depth { // pretend to be inside that many containers
		w.n = append(w.n, 1)
		w.closer = append(w.closer, 0)
	}
}

func (w *jw) newline() {
	if !w.indent {
		if len(w.n) <= 1 {
			w.b = append(w.b, '\n')
		}
		return
	}
	w.b = append(w.b, '\n')
	for d := len(w.n) * 4; d > 0; {
		k := min(d, len(spaces))
		w.b = append(w.b, spaces[:k]...)
		d -= k
	}
}

// sep starts a key or an array element.
func (w *jw) sep() {
	i := len(w.n) - 1
	if w.n[i] > 0 {
		w.b = append(w.b, ',')
	}
	w.n[i]++
	w.newline()
}

func (w *jw) open(c, closer byte) {
	w.b = append(w.b, c)
	w.n = append(w.n, 0)
	w.closer = append(w.closer, closer)
}

func (w *jw) end() {
	i := len(w.n) - 1
	had, c := w.n[i] > 0, w.closer[i]
	w.n, w.closer = w.n[:i], w.closer[:i]
	if had && (w.indent || i == 0) {
		w.newline()
	}
	w.b = append(w.b, c)
}

func (w *jw) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
	if w.indent {
		w.b = append(w.b, ' ')
	}
}

func (w *jw) obj(k string)             { w.key(k); w.open('{', '}') }
func (w *jw) arr(k string)             { w.key(k); w.open('[', ']') }
func (w *jw) elemObj()                 { w.sep(); w.open('{', '}') }
func (w *jw) elemStr(v string)         { w.sep(); w.b = appendJSONString(w.b, v) }
func (w *jw) str(k, v string)          { w.key(k); w.b = appendJSONString(w.b, v) }
func (w *jw) bytes(k string, v []byte) { w.key(k); w.b = appendJSONString(w.b, v) }
func (w *jw) num(k string, v int64)    { w.key(k); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jw) boolean(k string, v bool) { w.key(k); w.b = strconv.AppendBool(w.b, v) }
func (w *jw) null(k string)            { w.key(k); w.b = append(w.b, "null"...) }
func (w *jw) raw(k string, v []byte)   { w.key(k); w.b = append(w.b, v...) }
func (w *jw) ts(k string, v int64)     { w.key(k); w.b = appendTS(w.b, v) }

// appendTS appends a Slack timestamp for µs since the epoch, quoted:
// "1767600000.000123".
func appendTS(b []byte, us int64) []byte {
	b = append(b, '"')
	b = strconv.AppendInt(b, us/1_000_000, 10)
	f := us % 1_000_000
	b = append(b, '.', byte('0'+f/100000), byte('0'+f/10000%10), byte('0'+f/1000%10), byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. Like Slack's exports it
// escapes "/" as "\/". Invalid UTF-8 becomes U+FFFD; U+2028 and U+2029 are
// escaped, so the output is valid JSON and valid JavaScript.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '/' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\', '/':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		var buf [utf8.UTFMax]byte
		n := copy(buf[:], s[i:])
		r, size := utf8.DecodeRune(buf[:n])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

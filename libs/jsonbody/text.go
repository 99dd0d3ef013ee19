package jsonbody

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/problem"
)

// Reasons a JSON string is refused. Postgres cannot store NUL in text (SQLSTATE 22021),
// and encoding/json would silently replace invalid UTF-8 and lone surrogates with U+FFFD,
// storing something the client never sent.
const (
	reasonNUL  = "must not contain NUL characters"
	reasonUTF8 = "must be valid UTF-8"
)

// checkText refuses the first string (member name or value) of a syntactically valid
// body that contains a NUL, invalid UTF-8 or a lone surrogate escape, naming its path.
func checkText(body []byte) *problem.Problem {
	if !suspicious(body) {
		return nil // the common case: one pass over the bytes, no token walk
	}
	var found *problem.Problem
	walk(body, nil, func(path string, raw []byte, key bool) bool {
		reason := badString(raw)
		if reason == "" {
			return true
		}
		if key {
			reason = "member name " + reason
		}
		if path == "" {
			path = "body" // a bare string, as type errors name the root
		}
		found = problem.Field(path, reason)
		return false
	})
	return found
}

// suspicious reports whether body may hold a string checkText refuses: invalid UTF-8
// anywhere, or a \u escape of NUL or of a surrogate (valid pairs are checked properly
// by the slow path).
func suspicious(body []byte) bool {
	if !utf8.Valid(body) {
		return true
	}
	for rest := body; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 || i+6 > len(rest) {
			return false
		}
		hex := rest[i+2 : i+6]
		if string(hex) == "0000" || hex[0] == 'd' || hex[0] == 'D' {
			return true
		}
		rest = rest[i+2:]
	}
}

// badString returns why the raw JSON string literal raw (quotes included) cannot be
// accepted, or "" when it can. Escapes are read pairwise, so `\\u0000` (a backslash
// followed by the text u0000) is fine.
func badString(raw []byte) string {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\' && s[i+1] == 'u':
			r := hexRune(s[i+2 : i+6])
			switch {
			case r == 0:
				return reasonNUL
			case r >= 0xD800 && r < 0xDC00:
				// A high surrogate is valid only followed by a low one.
				if i+12 > len(s) || s[i+6] != '\\' || s[i+7] != 'u' {
					return reasonUTF8
				}
				if lo := hexRune(s[i+8 : i+12]); lo < 0xDC00 || lo > 0xDFFF {
					return reasonUTF8
				}
				i += 12
			case r >= 0xDC00 && r <= 0xDFFF:
				return reasonUTF8
			default:
				i += 6
			}
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return reasonUTF8
			}
			i += size
		}
	}
	return ""
}

func hexRune(h []byte) rune {
	n, err := strconv.ParseUint(string(h), 16, 32)
	if err != nil {
		return -1 // cannot happen in a body encoding/json accepted
	}
	return rune(n)
}

// pathAt returns the path of the value whose token ends at offset (an
// UnmarshalTypeError's Offset: just past a scalar, or just past a container's opening
// delimiter).
func pathAt(body []byte, offset int64) (string, bool) {
	var (
		path  string
		found bool
	)
	walk(body, func(p string, end int64) bool {
		if end >= offset {
			path, found = p, true
			return false
		}
		return true
	}, nil)
	return path, found
}

// frame is one open container during a walk: the position of the current child.
type frame struct {
	object  bool
	wantKey bool   // object: the next string is a member name
	key     string // object: the current member
	index   int    // array: the current element (-1 before the first)
}

// walk visits the tokens of a syntactically valid JSON text. onValue, if not nil, sees
// every value (scalar or opening delimiter) with its path and end offset; onString, if
// not nil, sees every string (member names too) with its path and raw literal. Either
// stops the walk by returning false.
func walk(body []byte, onValue func(path string, end int64) bool, onString func(path string, raw []byte, key bool) bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []frame
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		start := prev
		prev = end
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			continue
		}
		top := len(stack) - 1
		if s, ok := tok.(string); ok && top >= 0 && stack[top].object && stack[top].wantKey {
			stack[top].key, stack[top].wantKey = s, false
			if onString != nil && !onString(pathOf(stack), literal(body[start:end]), true) {
				return
			}
			continue
		}
		// A value: advance the enclosing array's index before naming it.
		if top >= 0 && !stack[top].object {
			stack[top].index++
		}
		path := pathOf(stack)
		if onValue != nil && !onValue(path, end) {
			return
		}
		switch tok := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: tok == '{', wantKey: tok == '{', index: -1})
			continue
		case string:
			if onString != nil && !onString(path, literal(body[start:end]), false) {
				return
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].wantKey = true
		}
	}
}

// literal cuts the string literal out of the bytes a Token call consumed (which may
// start with whitespace, ':' or ',').
func literal(b []byte) []byte {
	return b[bytes.IndexByte(b, '"'):]
}

// pathOf renders the stack in jsonbody's field style: items[2].name.
func pathOf(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		if !f.object {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		// A NUL in a member name would be carried into the problem; show it as text.
		b.WriteString(strings.ReplaceAll(f.key, "\x00", `\u0000`))
	}
	return b.String()
}

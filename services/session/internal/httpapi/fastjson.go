package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
)

// The validate hot path reads its small request and writes the principal without
// encoding/json's reflection and buffers. Both fast paths accept only a strict subset of
// what the general code accepts and hand everything else to it, so the rules (strict
// decoding, problem answers, the exact bytes of the answer) stay those of jsonbody.

// maxFastBody is the largest validate body read on the fast path (a well-formed one is
// about 70 bytes).
const maxFastBody = 512

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// decodeValidate decodes the body of a validate call into req.
func decodeValidate(w http.ResponseWriter, r *http.Request, req *authn.ValidateRequest) error {
	if r.ContentLength <= 0 || r.ContentLength > maxFastBody || !plainJSONType(r.Header["Content-Type"]) {
		return jsonbody.Decode(w, r, req)
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	if cap(*bp) < int(r.ContentLength) {
		*bp = make([]byte, 0, maxFastBody)
	}
	buf := (*bp)[:r.ContentLength]
	n, err := io.ReadFull(r.Body, buf)
	if err == nil && parseValidate(buf, req) {
		return nil
	}
	// Not the common shape (or a short body): the general decoder sees the same bytes.
	*req = authn.ValidateRequest{}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf[:n]), r.Body), r.Body}
	return jsonbody.Decode(w, r, req)
}

func plainJSONType(v []string) bool {
	return len(v) == 1 && (v[0] == "application/json" || v[0] == "application/json; charset=utf-8")
}

// parseValidate parses b when it is exactly a JSON object with the members "token" (a
// string without escapes or control characters) and "touch" (true or false), each at
// most once, in any order, with optional whitespace; otherwise it reports false.
func parseValidate(b []byte, req *authn.ValidateRequest) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	var seenToken, seenTouch bool
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			key, j, ok := plainString(b, i)
			if !ok {
				return false
			}
			i = skipSpace(b, j)
			if i >= len(b) || b[i] != ':' {
				return false
			}
			i = skipSpace(b, i+1)
			switch {
			case key == "token" && !seenToken:
				seenToken = true
				tok, j, ok := plainString(b, i)
				if !ok {
					return false
				}
				req.Token, i = tok, j
			case key == "touch" && !seenTouch:
				seenTouch = true
				switch {
				case bytes.HasPrefix(b[i:], []byte("true")):
					req.Touch, i = true, i+4
				case bytes.HasPrefix(b[i:], []byte("false")):
					req.Touch, i = false, i+5
				default:
					return false
				}
			default:
				return false // unknown or repeated member: the general decoder decides
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return false
			}
			if b[i] == '}' {
				i++
				break
			}
			if b[i] != ',' {
				return false
			}
			i = skipSpace(b, i+1)
		}
	}
	return skipSpace(b, i) == len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string at b[i] that has no escapes and only printable ASCII.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", i, false
		}
	}
	return "", i, false
}

var (
	jsonType  = []string{"application/json"}
	nosniff   = []string{"nosniff"}
	noStore   = []string{"no-store"}
	quoteJSON = [...]string{`{"user_id":`, `,"username":`, `,"role":`, `,"session_id":`, `,"act":{"user_id":`, `,"username":`, `,"session_id":`, `}`, `,"must_change_password":true`}
)

// writePrincipal answers 200 with p as JSON, byte for byte what writeNoStore writes.
func writePrincipal(w http.ResponseWriter, p authn.Principal) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b, ok := appendPrincipal((*bp)[:0], p)
	if !ok {
		writeNoStore(w, http.StatusOK, p)
		return
	}
	*bp = b
	h := w.Header()
	h["Cache-Control"] = noStore
	h["Content-Type"] = jsonType
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // a write error means the client left
}

// appendPrincipal renders p as encoding/json would (field order, omitempty, trailing
// newline); it reports false when a string needs escaping, left to encoding/json.
func appendPrincipal(b []byte, p authn.Principal) ([]byte, bool) {
	ok := true
	str := func(s string) {
		if !plain(s) {
			ok = false
			return
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	b = append(b, quoteJSON[0]...)
	str(p.UserID)
	b = append(b, quoteJSON[1]...)
	str(p.Username)
	b = append(b, quoteJSON[2]...)
	str(string(p.Role))
	b = append(b, quoteJSON[3]...)
	str(p.SessionID)
	if p.Act != nil {
		b = append(b, quoteJSON[4]...)
		str(p.Act.UserID)
		b = append(b, quoteJSON[5]...)
		str(p.Act.Username)
		if p.Act.SessionID != "" {
			b = append(b, quoteJSON[6]...)
			str(p.Act.SessionID)
		}
		b = append(b, quoteJSON[7]...)
	}
	if p.MustChangePassword {
		b = append(b, quoteJSON[8]...)
	}
	b = append(b, '}', '\n')
	return b, ok
}

// plain reports whether encoding/json writes s unchanged between quotes: printable
// ASCII other than the quote, the backslash and the HTML-escaped <, > and &.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

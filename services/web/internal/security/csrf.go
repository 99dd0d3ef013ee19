package security

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// CSRFField is the hidden form field (and CSRFHeader the htmx header) carrying the token.
const (
	CSRFField  = "_csrf"
	CSRFHeader = "X-CSRF-Token"
)

// CSRFToken derives the CSRF token of a session from its secret token. It needs no
// server-side state or key (every replica computes the same value), changes with every
// new session (login, impersonation, password change), and reveals nothing about the
// session token: only someone who can read the HttpOnly cookie can compute it.
func CSRFToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("planta-web-csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// CheckCSRF reports whether the request carries the session's token in the form field
// or the header. Call it after the form is parsed.
func CheckCSRF(r *http.Request, sessionToken string) bool {
	want := CSRFToken(sessionToken)
	if want == "" {
		return false
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

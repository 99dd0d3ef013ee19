// Package security holds the web service's browser-facing defences: the
// Content-Security-Policy and the other security headers every response carries, and
// the per-session CSRF token of forms.
package security

import (
	"net/http"
	"strings"
)

// CSP is a Content-Security-Policy as directive → sources.
type CSP map[string][]string

// DefaultCSP is the policy of every page: only our own scripts and styles (no inline
// script or style, no eval), no plugins, no framing, forms post only to us.
func DefaultCSP() CSP {
	return CSP{
		"default-src":     {"'none'"},
		"script-src":      {"'self'"},
		"style-src":       {"'self'"},
		"img-src":         {"'self'", "data:"},
		"font-src":        {"'self'"},
		"connect-src":     {"'self'"},
		"manifest-src":    {"'self'"},
		"form-action":     {"'self'"},
		"frame-ancestors": {"'none'"},
		"base-uri":        {"'none'"},
		"object-src":      {"'none'"},
	}
}

// order fixes the header's directive order so it is stable (tests, caches).
var order = []string{"default-src", "script-src", "style-src", "img-src", "font-src", "connect-src",
	"manifest-src", "form-action", "frame-ancestors", "base-uri", "object-src"}

// String renders the policy.
func (c CSP) String() string {
	var parts []string
	seen := map[string]bool{}
	add := func(d string) {
		if v, ok := c[d]; ok && !seen[d] {
			seen[d] = true
			parts = append(parts, d+" "+strings.Join(v, " "))
		}
	}
	for _, d := range order {
		add(d)
	}
	for d := range c {
		if !seen[d] {
			add(d)
		}
	}
	return strings.Join(parts, "; ")
}

// Headers sets the security headers on every response of h.
func Headers(csp CSP, h http.Handler) http.Handler {
	policy := csp.String()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetHeaders(w.Header(), policy)
		h.ServeHTTP(w, r)
	})
}

// SetHeaders writes the security headers with the rendered policy.
func SetHeaders(h http.Header, policy string) {
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
}

package pages

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRedirectTarget bounds a user-supplied target (a request URI fits easily).
const maxRedirectTarget = 2048

// localTarget keeps a user-supplied redirect target (login's and /lang's next, the
// admin actions' back) on this site: it answers target when it is a path on this
// origin, and fallback otherwise. It is the one place the web checks such targets;
// every redirect to a value from the request goes through it.
//
// Browsers are lenient with a Location: they drop tabs and newlines anywhere, trim
// leading/trailing spaces and control characters, and read a backslash as a slash,
// so "/\t/evil.example", " //evil.example" and "/\evil.example" all go off-site.
// Such characters are refused outright (a path of this site never needs them), and so
// is anything that, once its path is decoded (%2f, %5c, %09), is not a plain path on
// this origin: a scheme ("https:", "javascript:"), an authority ("//host"), user info,
// an opaque part, an empty segment ("//", which "/..//x" resolves to) or a dot
// segment.
func localTarget(target, fallback string) string {
	if target == "" || len(target) > maxRedirectTarget || !strings.HasPrefix(target, "/") || !utf8.ValidString(target) {
		return fallback
	}
	if strings.ContainsFunc(target, unsafeInTarget) {
		return fallback
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		strings.ContainsFunc(u.Path, unsafeInTarget) {
		return fallback
	}
	for _, seg := range strings.Split(u.Path, "/")[1:] {
		if seg == "." || seg == ".." {
			return fallback // "/..//x" would resolve to "//x"
		}
	}
	if strings.Contains(u.Path, "//") {
		return fallback
	}
	return target
}

// unsafeInTarget: a control character, any white space or a backslash.
func unsafeInTarget(r rune) bool {
	return r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r)
}

package pages

import "testing"

// TestLocalTarget: the classic open-redirect bypasses fall back; paths of this site
// (with queries, fragments and escapes that decode to nothing dangerous) are kept.
func TestLocalTarget(t *testing.T) {
	const fb = "/fallback"
	for _, tc := range []struct{ in, want string }{
		// kept
		{"/app", "/app"},
		{"/app/stock?warehouse_id=w1&cursor=abc%3D", "/app/stock?warehouse_id=w1&cursor=abc%3D"},
		{"/admin/users/u1#sessions", "/admin/users/u1#sessions"},
		{"/app/materials?q=caf%C3%A9", "/app/materials?q=caf%C3%A9"},
		{"/app/materials?q=a%20b", "/app/materials?q=a%20b"},
		{"/", "/"},
		// refused
		{"", fb},
		{"//x", fb},
		{"///x", fb},
		{"/\\x", fb},
		{"/\t/x", fb},
		{"/\n/x", fb},
		{"/%09/x", fb},
		{"/%0a/x", fb},
		{"/%5c/x", fb},
		{"/%5C/x", fb},
		{"\\x", fb},
		{"\\\\x", fb},
		{"https://x", fb},
		{"http:/x", fb},
		{"javascript:", fb},
		{"javascript:alert(1)", fb},
		{"/%2f/x", fb},
		{"/%2F/x", fb},
		{" /x", fb},
		{"/x ", fb},
		{"/x\r\n", fb},
		{"/x\r\nSet-Cookie: a=b", fb},
		{"/x\x00", fb},
		{"/x\x7f", fb},
		{"/\u00a0/x", fb},
		{"/\u2028/x", fb},
		{"/x\xff", fb},
		{"x", fb},
		{"evil.example", fb},
		{"/..//x", fb},
		{"/a/../..//x", fb},
		{"/.//x", fb},
		{"/%2e%2e//x", fb},
		{"/" + string(make([]byte, maxRedirectTarget)), fb},
	} {
		if got := localTarget(tc.in, fb); got != tc.want {
			t.Errorf("localTarget(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package clientip_test

import (
	"net/http/httptest"
	"testing"

	"github.com/planta-dev/planta/libs/clientip"
)

func TestOf(t *testing.T) {
	r, err := clientip.New([]string{"10.0.0.0/8", "192.168.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer, xff, want string
	}{
		{"direct client, forged header ignored", "203.0.113.9:1234", "1.2.3.4", "203.0.113.9"},
		{"trusted proxy, one hop", "10.1.2.3:80", "198.51.100.7", "198.51.100.7"},
		{"client prepends a forged hop", "10.1.2.3:80", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
		{"two trusted proxies", "10.1.2.3:80", "198.51.100.7, 192.168.1.1", "198.51.100.7"},
		{"garbage stops the walk", "10.1.2.3:80", "198.51.100.7, nonsense", "10.1.2.3"},
		{"no header behind proxy", "10.1.2.3:80", "", "10.1.2.3"},
		{"ipv4-mapped peer", "[::ffff:203.0.113.9]:1", "", "203.0.113.9"},
	}
	for _, tc := range cases {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.peer
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := r.Of(req); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
	if _, err := clientip.New([]string{"not-an-ip"}); err == nil {
		t.Error("bad proxy accepted")
	}
}

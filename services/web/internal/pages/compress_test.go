package pages_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/planta-dev/planta/libs/authn"
)

func (h *harness) get(t testing.TB, caller, target, acceptEncoding string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	if tok := h.tokens[caller]; tok != "" {
		r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: tok})
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	return rec
}

func TestPagesCompressed(t *testing.T) {
	h := newHarness(t)
	plain := h.get(t, anonymous, "/public/buildings/1", "")
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Body.String(), "<!doctype html>") {
		t.Fatalf("no Accept-Encoding: %d %v", plain.Code, plain.Header())
	}
	if !strings.Contains(plain.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("uncompressed page without Vary: %v", plain.Header())
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"deflate, br", ""},
		{"gzip;q=0", ""},
	} {
		rec := h.get(t, anonymous, "/public/buildings/1", tc.accept)
		if got := rec.Header().Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
			continue
		}
		if vary := rec.Header().Values("Vary"); strings.Count(strings.Join(vary, ","), "Accept-Encoding") != 1 {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, vary)
		}
		var body []byte
		switch tc.want {
		case "gzip":
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		case "zstd":
			zr, err := zstd.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
			zr.Close()
		default:
			body = rec.Body.Bytes()
		}
		if string(body) != plain.Body.String() {
			t.Errorf("Accept-Encoding %q: decoded body differs from the plain page (%d vs %d bytes)", tc.accept, len(body), plain.Body.Len())
		}
		if tc.want != "" && rec.Body.Len()*2 > plain.Body.Len() {
			t.Errorf("Accept-Encoding %q: %d bytes compressed of %d", tc.accept, rec.Body.Len(), plain.Body.Len())
		}
	}
	// Security headers still there on a compressed page.
	if rec := h.get(t, anonymous, "/public/buildings/1", "gzip"); rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("Content-Length") != "" && rec.Header().Get("Content-Length") == plain.Header().Get("Content-Length") {
		t.Errorf("compressed page headers: %v", rec.Header())
	}
}

func TestSmallAnswersAndRedirectsNotCompressed(t *testing.T) {
	h := newHarness(t)
	rec := h.get(t, anonymous, "/app", "gzip")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Content-Encoding") != "" {
		t.Fatalf("redirect: %d %v", rec.Code, rec.Header())
	}
}

// TestStaticAssetsCompressedOnce: assets are gzip-compressed at start and served with
// their own headers; the page compressor must not wrap them again.
func TestStaticAssetsCompressedOnce(t *testing.T) {
	h := newHarness(t)
	body := h.get(t, anonymous, "/login", "").Body.String()
	i := strings.Index(body, `href="/static/app.`)
	if i < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	href := body[i+6 : i+6+strings.Index(body[i+6:], `"`)]
	rec := h.get(t, anonymous, href, "gzip, zstd")
	if rec.Header().Get("Content-Encoding") != "gzip" || len(rec.Header().Values("Vary")) != 1 {
		t.Fatalf("%s: %v", href, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), "{") {
		t.Fatalf("%s: not CSS after one gunzip", href)
	}
}

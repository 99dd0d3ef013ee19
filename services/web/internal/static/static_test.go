package static

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedAssetsPresent(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err) // says to run go generate (npm ci) when the vendor files are missing
	}
	for _, name := range Required {
		if !strings.HasPrefix(a.URL(name), Prefix) {
			t.Errorf("%s: %s", name, a.URL(name))
		}
	}
}

func TestHashedNamesAndCache(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, r := range Required {
		fsys[r] = &fstest.MapFile{Data: []byte("body of " + r + strings.Repeat(" x", 200))}
	}
	a, err := FromFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	u := a.URL("app.css")
	if u == "/static/app.css" || !strings.HasSuffix(u, ".css") {
		t.Fatalf("not hashed: %s", u)
	}
	fsys["app.css"] = &fstest.MapFile{Data: []byte("changed")}
	b, _ := FromFS(fsys)
	if b.URL("app.css") == u {
		t.Fatal("hash did not change with the content")
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	a.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/app.css", nil))
	if rec.Code != 404 {
		t.Fatalf("unhashed name served: %d", rec.Code)
	}
}

func TestMissingVendorFails(t *testing.T) {
	if _, err := FromFS(fstest.MapFS{"app.css": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "go generate") {
		t.Fatalf("err = %v", err)
	}
}

// Package static serves the web's CSS, JavaScript and images, embedded in the binary:
// our own files (committed) and the npm packages' files copied into assets/vendor at
// build time (scripts/vendor-assets.sh, run by go generate). Each file is served under
// a content-hashed name with a one-year immutable cache, gzip-compressed once at start.
package static

//go:generate sh ../../scripts/vendor-assets.sh

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var files embed.FS

// Prefix is the URL prefix of every asset.
const Prefix = "/static/"

// Required are the vendor files pages load; a build without them (npm step not run)
// fails the tests and refuses to start.
var Required = []string{"vendor/htmx.min.js", "vendor/chart.umd.min.js", "app.js", "app.css"}

type asset struct {
	data, gz    []byte
	contentType string
}

// Assets maps logical names ("app.css") to hashed URLs and serves them.
type Assets struct {
	urls   map[string]string // logical name → /static/name.hash.ext
	byPath map[string]*asset // hashed path (without prefix) → asset
}

// Load reads and hashes every embedded asset.
func Load() (*Assets, error) {
	sub, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, err
	}
	return FromFS(sub)
}

// FromFS builds Assets from any file system (tests).
func FromFS(fsys fs.FS) (*Assets, error) {
	a := &Assets{urls: map[string]string{}, byPath: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		a.urls[name] = Prefix + hashed
		a.byPath[hashed] = &asset{data: data, gz: buf.Bytes(), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, r := range Required {
		if _, ok := a.urls[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("static assets missing %v: run `go generate ./...` in services/web (npm ci + copy)", missing)
	}
	return a, nil
}

// URL returns the hashed URL of a logical asset name; it panics on an unknown name so
// a typo in a template fails every test that renders it.
func (a *Assets) URL(name string) string {
	u, ok := a.urls[name]
	if !ok {
		panic("static: unknown asset " + name)
	}
	return u
}

// ServeHTTP serves /static/<hashed name>.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x, ok := a.byPath[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", x.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := x.data
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(x.gz) < len(x.data) {
		h.Set("Content-Encoding", "gzip")
		body = x.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

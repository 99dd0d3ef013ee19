package pages

import "testing"

func TestCompressible(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true, "text/css": true, "text/csv": true, "text/calendar": true,
		"application/json": true, "application/problem+json": true, "application/javascript": true, "image/svg+xml": true,
		"application/pdf": false, "image/png": false, "image/jpeg": false, "application/zip": false, "application/gzip": false,
		"font/woff2": false, "application/octet-stream": false,
	} {
		if got := compressible(ct); got != want {
			t.Errorf("%s: %v, want %v", ct, got, want)
		}
	}
}

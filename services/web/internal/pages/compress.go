package pages

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"

	"github.com/planta-dev/planta/services/web/internal/static"
)

// compressMinSize is the smallest body worth compressing: below it, the framing costs
// more than it saves (a redirect or an empty htmx fragment).
const compressMinSize = 1024

// compressor compresses the pages' HTML (and any other text answer) with zstd or gzip,
// whichever the browser accepts (Accept-Encoding, preferring zstd), adding
// Vary: Accept-Encoding. Already-compressed types (images, archives) and bodies under
// compressMinSize go out as they are. Static assets are skipped: they are compressed
// once at start and served with their own Content-Encoding and Vary.
//
// Pages carry a per-session CSRF token next to reflected input (search filters), the
// BREACH pattern; RandomJitter pads each compressed answer by a content-dependent
// 1–32 bytes so its length does not reveal how well a guess compressed.
func compressor() (func(http.Handler) http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.RandomJitter(32, 0, false),
		gzhttp.ContentTypeFilter(compressible),
	)
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		zipped := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, static.Prefix) {
				next.ServeHTTP(w, r)
				return
			}
			zipped.ServeHTTP(w, r)
		})
	}, nil
}

// compressible reports whether a content type is text-like: HTML, CSS, JavaScript,
// JSON, CSV, XML, SVG, iCalendar. PDFs, images and archives are left alone.
func compressible(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch {
	case ct == "", strings.HasPrefix(ct, "text/"):
		return true
	case strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return true
	}
	switch ct {
	case "application/json", "application/javascript", "application/xml", "image/svg+xml":
		return true
	}
	return false
}

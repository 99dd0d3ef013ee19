package pages_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/security"
)

func init() {
	screenRefusals["POST /api/v1/allocation/semesters/31/import"] = refusal{http.StatusServiceUnavailable,
		`{"type":"https://planta.dev/problems/unavailable","status":503,"detail":"academic API URL is not configured <b>x</b>"}`}
	screenRefusals["POST /api/v1/allocation/semesters/32/import"] = refusal{http.StatusServiceUnavailable, `{}`}
}

// send posts a raw body as a browser would (same-origin, Spanish unless lang is given).
func (h *harness) send(t *testing.T, caller, target, contentType string, body io.Reader, lang string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, body)
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("Accept-Language", lang)
	r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: h.tokens[caller]})
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	return rec
}

func wasCalled(key string) bool {
	requestsMu.Lock()
	defer requestsMu.Unlock()
	_, ok := requests[key]
	return ok
}

// csvForm is the semester page's upload form; name "" sends it without a file chosen
// (browsers then send an empty part with filename="").
func csvForm(t *testing.T, csrf, name string, content []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("_csrf", csrf); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

// TestAcademicImportShowsTheAPIReason: the API's 503 with a reason ("academic API URL
// is not configured") is shown on the semesters page, not as a generic 502 page.
func TestAcademicImportShowsTheAPIReason(t *testing.T) {
	h := newHarness(t)
	csrf := security.CSRFToken(h.tokens[spaceAdmin])
	rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/semesters/31/import", url.Values{"_csrf": {csrf}})
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "academic API URL is not configured &lt;b&gt;x&lt;/b&gt;") ||
		!strings.Contains(body, "No se pudo importar") || !strings.Contains(body, `action="/allocation/semesters/1/import"`) {
		t.Fatalf("academic import refused: %d\n%s", rec.Code, body)
	}
	if strings.Contains(body, "<b>x</b>") {
		t.Fatal("the API's reason rendered as markup")
	}
	// Without a reason it stays the generic outage page.
	if rec := h.do(t, spaceAdmin, http.MethodPost, "/allocation/semesters/32/import", url.Values{"_csrf": {csrf}}); rec.Code != http.StatusBadGateway {
		t.Fatalf("503 without a reason: %d, want 502", rec.Code)
	}
}

// TestCSVImportWithoutAFile: the upload form sent without a file asks for one on the
// page and calls no import (neither CSV nor academic).
func TestCSVImportWithoutAFile(t *testing.T) {
	h := newHarness(t)
	ct, body := csvForm(t, security.CSRFToken(h.tokens[spaceAdmin]), "", nil)
	rec := h.send(t, spaceAdmin, "/allocation/semesters/1/import", ct, body, "es")
	page := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error" role="alert">Elige un archivo CSV para subir.`) {
		t.Fatalf("no file: %d\n%s", rec.Code, page)
	}
	for _, key := range []string{"POST /api/v1/allocation/semesters/1/import", "POST /api/v1/allocation/semesters/1/import.csv"} {
		if wasCalled(key) {
			t.Fatalf("%s was called for a form without a file", key)
		}
	}
}

// TestFormTooLargeIsAPage: a form over the size limit gets an HTML page in the user's
// language naming the limit, whether its length is declared or not, and reaches no API.
func TestFormTooLargeIsAPage(t *testing.T) {
	h := newHarness(t)
	csrf := security.CSRFToken(h.tokens[spaceAdmin])
	big := url.Values{"_csrf": {csrf}, "name": {strings.Repeat("a", 6<<20)}}.Encode()
	ct, csv := csvForm(t, csrf, "offers.csv", bytes.Repeat([]byte("x,"), 3<<20))
	cases := []struct {
		name, target, contentType, lang, want string
		body                                  func() io.Reader
	}{
		{"form with length", "/allocation/demands/1", "application/x-www-form-urlencoded", "es", "demasiado grande: como máximo 4 MiB",
			func() io.Reader { return strings.NewReader(big) }},
		{"form without length", "/allocation/demands/1", "application/x-www-form-urlencoded", "pt", "grande demais: no máximo 4 MiB",
			func() io.Reader { return io.MultiReader(strings.NewReader(big)) }},
		{"csv upload", "/allocation/semesters/1/import", ct, "en", "too large: at most 4 MiB",
			func() io.Reader { return bytes.NewReader(csv.Bytes()) }},
		{"csv upload without length", "/allocation/semesters/1/import", ct, "es", "demasiado grande: como máximo 4 MiB",
			func() io.Reader { return io.MultiReader(bytes.NewReader(csv.Bytes())) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := h.send(t, spaceAdmin, c.target, c.contentType, c.body(), c.lang)
			page := rec.Body.String()
			if rec.Code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
				!strings.Contains(page, c.want) || !strings.Contains(page, "<html") {
				t.Fatalf("%d %s\n%.2000s", rec.Code, rec.Header().Get("Content-Type"), page)
			}
		})
	}
	for _, key := range []string{"PUT /api/v1/allocation/demands/1", "PATCH /api/v1/allocation/demands/1", "POST /api/v1/allocation/semesters/1/import.csv"} {
		if wasCalled(key) {
			t.Fatalf("%s was called for a form over the limit", key)
		}
	}
}

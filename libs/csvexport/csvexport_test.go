package csvexport_test

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/planta-dev/planta/libs/csvexport"
)

func TestEscapeNeutralisesFormulas(t *testing.T) {
	cases := map[string]string{
		"=HYPERLINK(\"http://evil\",\"x\")": "'=HYPERLINK(\"http://evil\",\"x\")",
		"+1+1":                              "'+1+1",
		"-2+3":                              "'-2+3",
		"@SUM(A1:A2)":                       "'@SUM(A1:A2)",
		"\t=1":                              "'\t=1",
		"\r=1":                              "'\r=1",
		"plain":                             "plain",
		"a=b":                               "a=b",
		"":                                  "",
		"José Núñez":                        "José Núñez",
	}
	for in, want := range cases {
		if got := csvexport.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := csvexport.Escape("bad \xff byte"); !utf8.ValidString(got) || !strings.Contains(got, "\uFFFD") {
		t.Errorf("invalid UTF-8 not replaced: %q", got)
	}
}

func TestWriterQuotesAndRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	w := csvexport.NewWriter(&buf)
	rows := [][]string{
		{"id", "name", "note"},
		{"1", `Acme "Construcciones", SAC`, "line one\nline two"},
		{"2", "Ñandú 漢字 ☃", "=cmd|' /C calc'!A0"},
		{"3", " spaces ", "@evil"},
	}
	for _, r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !utf8.ValidString(out) || !strings.Contains(out, "\r\n") {
		t.Fatalf("output not UTF-8 with CRLF: %q", out)
	}
	if !strings.Contains(out, `"Acme ""Construcciones"", SAC"`) {
		t.Fatalf("quotes and commas not quoted per RFC 4180: %q", out)
	}
	got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{rows[0], {"1", `Acme "Construcciones", SAC`, "line one\nline two"},
		{"2", "Ñandú 漢字 ☃", "'=cmd|' /C calc'!A0"}, {"3", " spaces ", "'@evil"}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("row %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestStreamSetsDownloadHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	w := csvexport.Stream(rec, "access-logs_20250301T1200Z.csv")
	_ = w.Write("a", "b")
	_ = w.Close()
	h := rec.Header()
	if h.Get("Content-Type") != csvexport.ContentType || h.Get("Content-Disposition") != `attachment; filename=access-logs_20250301T1200Z.csv` ||
		h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", h)
	}
	if rec.Body.String() != "a,b\r\n" {
		t.Fatalf("body %q", rec.Body)
	}
}

package ical

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFoldKeepsOctetLimitAndRunes(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("Introdução à Administração ", 10)
	folded := Fold(long)
	if !strings.HasSuffix(folded, "\r\n") {
		t.Fatal("no CRLF")
	}
	for _, l := range strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets", len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a UTF-8 sequence: %q", l)
		}
	}
	unfolded := strings.ReplaceAll(strings.TrimSuffix(folded, "\r\n"), "\r\n ", "")
	if unfolded != long {
		t.Errorf("unfold mismatch")
	}
}

func TestEscape(t *testing.T) {
	if got := Escape("a,b;c\\d\ne"); got != `a\,b\;c\\d\ne` {
		t.Errorf("Escape = %q", got)
	}
}

func TestWrite(t *testing.T) {
	var b strings.Builder
	start := time.Date(2025, 9, 8, 8, 0, 0, 0, time.FixedZone("BRT", -3*3600))
	err := Write(&b, Calendar{Name: "Room A", Stamp: start, Events: []Event{{UID: "x@planta", Start: start, End: start.Add(time.Hour), Summary: "FUP0001, T1"}}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:", "DTSTART:20250908T110000Z\r\n", `SUMMARY:FUP0001\, T1`, "END:VCALENDAR\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("bare LF")
	}
}

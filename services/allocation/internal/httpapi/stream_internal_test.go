package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// fakeList serves ids 1..n in keyset pages and records every page asked for.
type fakeList struct {
	n     int64
	pages []store.Page
	fail  int // fail the fail-th call (1-based); 0 never
}

func (f *fakeList) list(p store.Page) ([]int64, error) {
	f.pages = append(f.pages, p)
	if len(f.pages) == f.fail {
		return nil, errors.New("database went away")
	}
	var out []int64
	for id := p.After + 1; id <= f.n && len(out) < p.Limit; id++ {
		out = append(out, id)
	}
	return out, nil
}

func testAPI() *API { return &API{cfg: Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}} }

// streamCSV reads bounded keyset pages, one after the other, and writes every row once.
func TestStreamCSVReadsBoundedPages(t *testing.T) {
	for _, n := range []int64{0, 1, scanPageSize - 1, scanPageSize, scanPageSize + 1, 2*scanPageSize + 37} {
		f := &fakeList{n: n}
		rec := httptest.NewRecorder()
		err := streamCSV(testAPI(), rec, httptest.NewRequest("GET", "/x.csv", nil), "x.csv", []string{"id"}, f.list,
			func(id int64) int64 { return id }, func(id int64) []string { return []string{strconv.FormatInt(id, 10)} })
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(rec.Body.String(), "\r\n"), "\r\n")
		if int64(len(lines)) != n+1 || lines[0] != "id" {
			t.Errorf("n=%d: %d lines", n, len(lines))
			continue
		}
		for i, l := range lines[1:] {
			if l != strconv.Itoa(i+1) {
				t.Errorf("n=%d: line %d is %q", n, i+1, l)
				break
			}
		}
		after := int64(0)
		for _, p := range f.pages {
			if p.Limit < 1 || p.Limit > scanPageSize || p.After != after {
				t.Errorf("n=%d: page %+v, want after %d and limit 1..%d", n, p, after, scanPageSize)
			}
			after += int64(p.Limit)
		}
		if want := int(n/scanPageSize) + 1; len(f.pages) != want {
			t.Errorf("n=%d: %d queries, want %d", n, len(f.pages), want)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("content type %q", ct)
		}
	}
}

// A failure before the first row is a clean error (a problem answer); one after it cuts
// the transfer (http.ErrAbortHandler) instead of ending a short file normally.
func TestStreamCSVFailures(t *testing.T) {
	f := &fakeList{n: 1200, fail: 1}
	rec := httptest.NewRecorder()
	err := streamCSV(testAPI(), rec, httptest.NewRequest("GET", "/x.csv", nil), "x.csv", []string{"id"}, f.list,
		func(id int64) int64 { return id }, func(id int64) []string { return []string{strconv.FormatInt(id, 10)} })
	if err == nil || rec.Body.Len() != 0 {
		t.Errorf("first page failure: err %v, body %d bytes", err, rec.Body.Len())
	}

	f = &fakeList{n: 1200, fail: 2}
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("mid-stream failure: recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	_ = streamCSV(testAPI(), httptest.NewRecorder(), httptest.NewRequest("GET", "/x.csv", nil), "x.csv", []string{"id"}, f.list,
		func(id int64) int64 { return id }, func(id int64) []string { return []string{strconv.FormatInt(id, 10)} })
	t.Error("mid-stream failure returned")
}

// allRows returns every row, not the first page.
func TestAllRowsEveryPage(t *testing.T) {
	f := &fakeList{n: 3*scanPageSize + 5}
	got, err := allRows(f.list, func(id int64) int64 { return id })
	if err != nil || int64(len(got)) != f.n || got[len(got)-1] != f.n {
		t.Errorf("allRows: %d rows, err %v", len(got), err)
	}
	f = &fakeList{n: 3 * scanPageSize, fail: 3}
	if _, err := allRows(f.list, func(id int64) int64 { return id }); err == nil {
		t.Error("allRows hid a failing page")
	}
}

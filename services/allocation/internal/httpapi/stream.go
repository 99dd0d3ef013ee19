package httpapi

import (
	"net/http"

	"github.com/planta-dev/planta/libs/csvexport"

	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// scanPageSize is the keyset page a CSV export or a whole-list load reads per query: an
// export of any size holds one page in memory, never the whole result.
const scanPageSize = 500

// pageLister reads one keyset page of a list (rows with id > p.After, ordered by id, at
// most p.Limit) with the list's filters already bound.
type pageLister[T any] func(p store.Page) ([]T, error)

// eachPage calls fn with every page of list, in id order, until a short page: every row
// matching the filters is visited whatever the count. Rows are read page by page (each
// page its own statement), so a row committed while the scan runs is seen if its id is
// past the cursor; none is seen twice.
func eachPage[T any](list pageLister[T], id func(T) int64, fn func([]T) error) error {
	p := store.Page{Limit: scanPageSize}
	for {
		items, err := list(p)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
		if len(items) < p.Limit {
			return nil
		}
		p.After = id(items[len(items)-1])
	}
}

// allRows returns every row of list, for answers that need the whole set at once (reports,
// feeds, the public lists, which are not paged): never just the first page.
func allRows[T any](list pageLister[T], id func(T) int64) ([]T, error) {
	var out []T
	err := eachPage(list, id, func(items []T) error {
		out = append(out, items...)
		return nil
	})
	return out, err
}

// streamCSV answers a CSV export of every row of list (the JSON list's filters, no page
// limit), streamed page by page through libs/csvexport (formula-injection safe) in bounded
// memory. The first page is read before the response starts, so an early failure is still
// a clean problem; a later one aborts the transfer, so a short file is never mistaken for
// a complete one.
func streamCSV[T any](a *API, w http.ResponseWriter, r *http.Request, filename string, header []string,
	list pageLister[T], id func(T) int64, row func(T) []string) error {
	p := store.Page{Limit: scanPageSize}
	first, err := list(p)
	if err != nil {
		return err
	}
	cw := csvexport.Stream(w, filename)
	if err := cw.Write(header...); err != nil {
		csvexport.Abort()
	}
	fail := func(err error) {
		a.cfg.Log.ErrorContext(r.Context(), "csv export failed halfway", "path", r.URL.Path, "error", err)
		csvexport.Abort()
	}
	for items := first; ; {
		for _, x := range items {
			if err := cw.Write(row(x)...); err != nil {
				fail(err)
			}
		}
		if len(items) < p.Limit {
			break
		}
		p.After = id(items[len(items)-1])
		if items, err = list(p); err != nil {
			fail(err)
		}
	}
	if err := cw.Close(); err != nil {
		fail(err)
	}
	return nil
}

// allRooms is every room matching f (reports, PDFs and the public views cover every room).
func (a *API) allRooms(r *http.Request, f store.RoomFilter) ([]store.Room, error) {
	return allRows(func(p store.Page) ([]store.Room, error) { return a.st.ListRooms(r.Context(), f, p) },
		func(x store.Room) int64 { return x.ID })
}

// allSemesters is every semester.
func (a *API) allSemesters(r *http.Request) ([]store.Semester, error) {
	return allRows(func(p store.Page) ([]store.Semester, error) { return a.st.ListSemesters(r.Context(), p) },
		func(x store.Semester) int64 { return x.ID })
}

package httpapi

import (
	"context"
	"net/http"

	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// Generic handler bodies shared by the resources: each reads the request the same way,
// calls one store method and answers through reply, noContent or respondList.

// byID is a store read or action on the {id} in the path.
type byID[T any] func(context.Context, store.Actor, string) (T, error)

// serveList parses the filter, then the page (an unknown parameter, else the first
// query error, wins), calls list and writes the page as JSON under name; a CSV request
// gets every matching row, read page by page (see streamList).
func serveList[F, T any](a *API, w http.ResponseWriter, r *http.Request, name string, filter func(*params) F,
	list func(context.Context, store.Actor, F, store.Page) ([]T, string, error)) {
	q := query(r)
	f := filter(q)
	p := q.page()
	if err := q.check(); err != nil {
		a.writeError(w, r, err)
		return
	}
	if wantsCSV(r) {
		// An export is every row matching the filters, whatever the count: it reads
		// maximum pages through the cursor (limit and cursor, validated above, do not
		// cut it) and streams them, so memory stays bounded.
		streamList(a, w, r, name, func(cursor string) ([]T, string, error) {
			pg, err := store.ParsePage(cursor, store.MaxLimit)
			if err != nil {
				return nil, "", err
			}
			return list(r.Context(), actor(r), f, pg)
		})
		return
	}
	items, next, err := list(r.Context(), actor(r), f, p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	respondList(w, r, name, items, next)
}

// servePage is serveList for a list that takes only a page.
func servePage[T any](a *API, w http.ResponseWriter, r *http.Request, name string,
	list func(context.Context, store.Actor, store.Page) ([]T, string, error)) {
	serveList(a, w, r, name, func(*params) struct{} { return struct{}{} },
		func(ctx context.Context, ac store.Actor, _ struct{}, p store.Page) ([]T, string, error) {
			return list(ctx, ac, p)
		})
}

// serveGet answers 200 with the result of fn on the path id.
func serveGet[T any](a *API, w http.ResponseWriter, r *http.Request, fn byID[T]) {
	v, err := fn(r.Context(), actor(r), pathID(r))
	a.reply(w, r, http.StatusOK, v, err)
}

// serveDelete answers 204 once del succeeds on the path id.
func serveDelete(a *API, w http.ResponseWriter, r *http.Request, del func(context.Context, store.Actor, string) error) {
	a.noContent(w, r, del(r.Context(), actor(r), pathID(r)))
}

// found reports whether the path id names a row, writing the error otherwise.
func found[T any](a *API, w http.ResponseWriter, r *http.Request, get byID[T]) bool {
	if _, err := get(r.Context(), actor(r), pathID(r)); err != nil {
		a.writeError(w, r, err)
		return false
	}
	return true
}

// decodeChecked decodes the body into an I and runs check on it (nil: no check).
func decodeChecked[I any](a *API, w http.ResponseWriter, r *http.Request, check func(*I) error) (I, bool) {
	var in I
	if !a.decode(w, r, &in) {
		return in, false
	}
	if check != nil {
		if err := check(&in); err != nil {
			a.writeError(w, r, err)
			return in, false
		}
	}
	return in, true
}

// serveCreate decodes and checks the body, creates, and answers 201.
func serveCreate[I, T any](a *API, w http.ResponseWriter, r *http.Request, check func(*I) error,
	create func(context.Context, store.Actor, I) (T, error)) {
	in, ok := decodeChecked(a, w, r, check)
	if !ok {
		return
	}
	v, err := create(r.Context(), actor(r), in)
	a.reply(w, r, http.StatusCreated, v, err)
}

// serveUpdate decodes and checks the body, updates the path id, and answers 200.
func serveUpdate[I, T any](a *API, w http.ResponseWriter, r *http.Request, check func(*I) error,
	update func(context.Context, store.Actor, string, I) (T, error)) {
	in, ok := decodeChecked(a, w, r, check)
	if !ok {
		return
	}
	v, err := update(r.Context(), actor(r), pathID(r), in)
	a.reply(w, r, http.StatusOK, v, err)
}

package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/planta-dev/planta/libs/csvexport"
)

// pageFunc returns the rows of one page of a downstream list and the next cursor.
type pageFunc func(ctx context.Context, cursor string) (rows [][]string, next string, err error)

// maxExportPages bounds an export proxied from another service's paginated list (a
// cursor that never ends must not make a response that never ends).
const maxExportPages = 10000

// streamPages exports a paginated list as CSV, one page at a time. The first page is
// fetched before the response starts, so an early failure is still a clean problem; a
// later one aborts the transfer so a short file is never mistaken for a full one.
func (a *API) streamPages(w http.ResponseWriter, r *http.Request, name string, header []string, next pageFunc) {
	ctx := r.Context()
	rows, cursor, err := next(ctx, "")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	cw := csvexport.Stream(w, exportName(name, a.now()))
	if err := cw.Write(header...); err != nil {
		csvexport.Abort()
	}
	for pages := 1; ; pages++ {
		for _, row := range rows {
			if err := cw.Write(row...); err != nil {
				csvexport.Abort()
			}
		}
		if cursor == "" {
			break
		}
		if pages >= maxExportPages {
			a.Log.ErrorContext(ctx, "csv export exceeded its page bound", "export", name)
			csvexport.Abort()
		}
		if rows, cursor, err = next(ctx, cursor); err != nil {
			a.Log.ErrorContext(ctx, "csv export failed halfway", "export", name, "error", err)
			csvexport.Abort()
		}
	}
	if err := cw.Close(); err != nil {
		csvexport.Abort()
	}
}

// exportName is e.g. access-logs_20250301T1530Z.csv (UTC).
func exportName(name string, now time.Time) string {
	return name + "_" + now.UTC().Format("20060102T1504Z") + ".csv"
}

func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

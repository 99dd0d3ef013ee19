package httpapi

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestWriteCSV(t *testing.T) {
	type row struct {
		ID    string          `json:"id"`
		Qty   decimal.Decimal `json:"qty"`
		At    time.Time       `json:"at"`
		Maybe *string         `json:"maybe"`
		Tags  []string        `json:"tags"`
	}
	w := httptest.NewRecorder()
	WriteCSV(w, []row{{ID: "=x", Qty: decimal.RequireFromString("1.5"), At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Tags: []string{"a"}}})
	want := "id,qty,at,maybe,tags\n'=x,1.5,2026-01-02T03:04:05Z,,\"[\"\"a\"\"]\"\n"
	if got := w.Body.String(); got != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", got, want)
	}
}

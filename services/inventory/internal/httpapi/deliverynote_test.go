package httpapi

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// noteLines is more than fits one A4 page (and more than a requirement's 50 lines), so
// a note that stopped at the first page, or at any fixed count, is caught.
const noteLines = 130

func manyLineDispatch() dispatch.Dispatch {
	d := dispatch.Dispatch{Number: "GR-20260101-00001", FromWarehouse: "Central", ToWarehouse: "Obra Norte", BudgetName: "Proyecto A",
		Status: dispatch.Active, DispatchedAt: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	for i := range noteLines {
		it := dispatch.Item{MaterialCode: fmt.Sprintf("LINE-%04d", i), MaterialName: fmt.Sprintf("Material %d", i), Unit: "u",
			Qty: decimal.NewFromInt(int64(i + 1)), UnitPricePEN: decimal.NewFromInt(2)}
		it.TotalPEN = it.Qty.Mul(it.UnitPricePEN)
		d.Items = append(d.Items, it)
		d.TotalPEN = d.TotalPEN.Add(it.TotalPEN)
	}
	return d
}

// pdfText is the concatenated page content of an fpdf document (its streams are
// zlib-compressed).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	var out bytes.Buffer
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			out.Write(m[1])
			continue
		}
		b, err := io.ReadAll(r)
		if err != nil {
			continue // a font or image stream
		}
		out.Write(b)
	}
	return out.String()
}

// TestDeliveryNoteHasEveryLine: the PDF and HTML delivery notes of a dispatch with more
// lines than one page holds list every line, in order, with the total; the PDF goes on to
// further pages.
func TestDeliveryNoteHasEveryLine(t *testing.T) {
	d := manyLineDispatch()
	p := store.Profile{CompanyName: "Constructora SAC", TaxID: "20100000001", Address: "Av. Lima 1"}
	pdf, err := DeliveryNotePDF(d, p, "01/01/2026 07:00")
	if err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type /Page\b`).FindAll(pdf, -1))
	if pages < 2 {
		t.Fatalf("%d lines on %d page(s): want the note to continue on further pages", noteLines, pages)
	}
	text := pdfText(t, pdf)
	last := -1
	for i, it := range d.Items {
		at := bytes.Index([]byte(text), []byte("("+it.MaterialCode+")"))
		if at < 0 {
			t.Fatalf("PDF: line %d (%s) of %d is missing", i+1, it.MaterialCode, noteLines)
		}
		if at < last {
			t.Fatalf("PDF: line %d (%s) out of order", i+1, it.MaterialCode)
		}
		last = at
	}
	if total := d.TotalPEN.StringFixed(2); !bytes.Contains([]byte(text), []byte("("+total+")")) {
		t.Fatalf("PDF: total %s missing", total)
	}

	var html bytes.Buffer
	if err := noteTemplate.Execute(&html, noteData{D: d, P: p, Date: "01/01/2026 07:00"}); err != nil {
		t.Fatal(err)
	}
	for i, it := range d.Items {
		if !bytes.Contains(html.Bytes(), []byte(fmt.Sprintf("<td>%d</td><td>%s</td>", i+1, it.MaterialCode))) {
			t.Fatalf("HTML: line %d (%s) of %d is missing", i+1, it.MaterialCode, noteLines)
		}
	}
}

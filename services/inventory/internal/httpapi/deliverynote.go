package httpapi

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/planta-dev/planta/services/inventory/internal/dispatch"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

//go:embed templates/delivery_note.html
var templates embed.FS

var noteTemplate = template.Must(template.New("delivery_note.html").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templates, "templates/delivery_note.html"))

// lima is where delivery notes are dated (presentation only; storage is UTC).
var lima = time.FixedZone("America/Lima", -5*3600)

type noteData struct {
	D    dispatch.Dispatch
	P    store.Profile
	Date string
}

func (a *API) noteData(r *http.Request) (noteData, error) {
	d, err := a.store.GetDispatch(r.Context(), actor(r), pathID(r))
	if err != nil {
		return noteData{}, err
	}
	p, err := a.store.GetProfile(r.Context(), actor(r))
	if err != nil {
		return noteData{}, err
	}
	return noteData{D: d, P: p, Date: d.DispatchedAt.In(lima).Format("02/01/2006 15:04")}, nil
}

func (a *API) deliveryNoteHTML(w http.ResponseWriter, r *http.Request) {
	nd, err := a.noteData(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := noteTemplate.Execute(&buf, nd); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.html"`, nd.D.Number))
	_, _ = w.Write(buf.Bytes())
}

func (a *API) deliveryNotePDF(w http.ResponseWriter, r *http.Request) {
	nd, err := a.noteData(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := DeliveryNotePDF(nd.D, nd.P, nd.Date)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, nd.D.Number))
	_, _ = w.Write(b)
}

// DeliveryNotePDF renders the guía de remisión as an A4 PDF in memory (never on a
// shared disk).
func DeliveryNotePDF(d dispatch.Dispatch, p store.Profile, date string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle(d.Number, true)
	pdf.SetAuthor(p.CompanyName, true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 13)
	pdf.CellFormat(120, 7, tr(p.CompanyName), "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(70, 7, tr("RUC "+p.TaxID), "LTR", 1, "C", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(120, 6, tr(p.Address), "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(70, 6, tr("GUÍA DE REMISIÓN - REMITENTE"), "LR", 1, "C", false, 0, "")
	pdf.CellFormat(120, 6, "", "", 0, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(70, 7, d.Number, "LBR", 1, "C", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "", 9)
	rows := [][2]string{
		{"Fecha de emisión / inicio de traslado", date},
		{"Punto de partida", joinLoc(d.FromWarehouse, d.FromLocation)},
		{"Punto de llegada", joinLoc(d.ToWarehouse, d.ToLocation)},
		{"Destinatario", d.ToWarehouse},
		{"Proyecto", d.BudgetName},
		{"Comprobante", "Requerimiento " + d.RequirementID},
	}
	if d.Status == dispatch.Cancelled {
		rows = append(rows, [2]string{"Estado", "ANULADA"})
	}
	for _, kv := range rows {
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(62, 5, tr(kv[0]+":"), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.CellFormat(128, 5, tr(kv[1]), "", 1, "L", false, 0, "")
	}
	pdf.Ln(4)
	widths := []float64{8, 24, 70, 16, 22, 25, 25}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(230, 230, 230)
	for i, h := range []string{"#", "Código", "Material", "Unid.", "Cantidad", "P. unit. S/", "Total S/"} {
		pdf.CellFormat(widths[i], 6, tr(h), "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 9)
	for i, it := range d.Items {
		cells := []string{fmt.Sprint(i + 1), it.MaterialCode, it.MaterialName, it.Unit, it.Qty.String(), it.UnitPricePEN.StringFixed(2), it.TotalPEN.StringFixed(2)}
		for j, c := range cells {
			align := "L"
			if j >= 4 {
				align = "R"
			}
			pdf.CellFormat(widths[j], 6, tr(truncate(c, 45)), "1", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(165, 6, "TOTAL", "1", 0, "R", false, 0, "")
	pdf.CellFormat(25, 6, d.TotalPEN.StringFixed(2), "1", 1, "R", false, 0, "")
	if d.Notes != "" {
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(190, 5, tr("Observaciones: "+d.Notes), "1", "L", false)
	}
	pdf.Ln(28)
	pdf.CellFormat(20, 5, "", "", 0, "C", false, 0, "")
	pdf.CellFormat(65, 5, tr("Entregado por "+p.CompanyName), "T", 0, "C", false, 0, "")
	pdf.CellFormat(20, 5, "", "", 0, "C", false, 0, "")
	pdf.CellFormat(65, 5, tr("Recibí conforme"), "T", 1, "C", false, 0, "")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render delivery note: %w", err)
	}
	return buf.Bytes(), nil
}

func joinLoc(name, loc string) string {
	if loc == "" {
		return name
	}
	return name + " — " + loc
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

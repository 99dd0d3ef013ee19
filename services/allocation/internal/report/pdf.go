package report

import (
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"

	"github.com/planta-dev/planta/services/allocation/internal/store"
	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

var dayNamesPT = map[int]string{1: "DOMINGO", 2: "SEGUNDA", 3: "TERÇA", 4: "QUARTA", 5: "QUINTA", 6: "SEXTA", 7: "SÁBADO"}

// RoomSchedulePDF renders one landscape A4 page per room: block rows × day columns, with
// consecutive blocks of the same class or hold merged into one cell.
func RoomSchedulePDF(w io.Writer, g *timegrid.Grid, semester string, rooms []store.Room, slots []store.Slot) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetMargins(8, 8, 8)
	pdf.SetAutoPageBreak(false, 0)
	byRoom := map[int64][]store.Slot{}
	for _, s := range slots {
		if s.Date == "" {
			byRoom[s.RoomID] = append(byRoom[s.RoomID], s)
		}
	}
	nb := g.NumBlocks()
	for _, r := range rooms {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "B", 14)
		pdf.SetTextColor(31, 71, 136)
		pdf.CellFormat(0, 8, tr(fmt.Sprintf("Sala: %s (%s) — %s", r.Name, r.Building, semester)), "", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		x0, y0 := 8.0, 20.0
		timeW := 22.0
		dayW := (297.0 - 16 - timeW) / float64(len(g.Days))
		rowH := (210.0 - y0 - 14) / float64(nb)
		pdf.SetFont("Helvetica", "B", 8)
		pdf.SetFillColor(31, 71, 136)
		pdf.SetTextColor(255, 255, 255)
		pdf.SetXY(x0, y0)
		pdf.CellFormat(timeW, 6, tr("HORÁRIO"), "1", 0, "C", true, 0, "")
		for _, d := range g.Days {
			pdf.CellFormat(dayW, 6, tr(dayNamesPT[int(d)]), "1", 0, "C", true, 0, "")
		}
		pdf.SetTextColor(0, 0, 0)
		top := y0 + 6
		pdf.SetFont("Helvetica", "", 7)
		for b := 0; b < nb; b++ {
			def, _ := g.BlockTimes(timegrid.Block(b))
			pdf.SetXY(x0, top+float64(b)*rowH)
			pdf.CellFormat(timeW, rowH, fmt.Sprintf("%s %s-%s", g.BlockCode(timegrid.Block(b)), def.Start, def.End), "1", 0, "C", false, 0, "")
		}
		cell := map[[2]int]store.Slot{}
		for _, s := range byRoom[r.ID] {
			cell[[2]int{s.Day, s.Block}] = s
		}
		for di, d := range g.Days {
			x := x0 + timeW + float64(di)*dayW
			for b := 0; b < nb; {
				s, ok := cell[[2]int{int(d), b}]
				e := b + 1
				for ok && e < nb {
					n, ok2 := cell[[2]int{int(d), e}]
					if !ok2 || n.Kind != s.Kind || n.RefID != s.RefID {
						break
					}
					e++
				}
				y := top + float64(b)*rowH
				pdf.Rect(x, y, dayW, float64(e-b)*rowH, "D")
				if ok {
					if s.Kind == "hold" {
						pdf.SetFillColor(230, 230, 230)
					} else {
						pdf.SetFillColor(220, 232, 250)
					}
					pdf.Rect(x, y, dayW, float64(e-b)*rowH, "FD")
					text := s.Title
					if s.Kind == "class" {
						text = fmt.Sprintf("%s %s\n%s", s.DisciplineCode, s.Section, s.Title)
					}
					pdf.SetXY(x+0.5, y+0.5)
					pdf.MultiCell(dayW-1, 3, tr(truncate(text, 90)), "", "L", false)
				}
				b = e
			}
		}
	}
	return pdf.Output(w)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

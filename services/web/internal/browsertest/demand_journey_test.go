package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// demandDeletion: the space administrator enters a demand by hand, declines and then
// confirms its deletion from the demands list (it is gone from the list and the API);
// deleting a demand that still has a class in a room is refused, the reason shown and
// the demand kept.
func demandDeletion(t *testing.T, p *platform, b *browser, token, semID string, allocated int64) {
	t.Helper()
	b.open("/allocation/demands?semester_id=" + semID)
	b.run(chromedp.SetValue("#d-code", "JRN0001", chromedp.ByQuery), chromedp.SetValue("#d-name", "Jornada del navegador", chromedp.ByQuery),
		chromedp.SetValue("#d-section", "T9", chromedp.ByQuery), chromedp.SetValue("#d-seats", "12", chromedp.ByQuery),
		chromedp.SetValue("#d-schedule", "7N34", chromedp.ByQuery))
	b.submit("#demand-form")
	b.wantFlash("flash.saved")
	id := strings.TrimPrefix(b.location(), "/allocation/demands/")
	id = id[:strings.IndexByte(id, '?')]
	if st := p.api(t, "GET", "/api/v1/allocation/demands/"+id, token, nil, nil); st != 200 {
		t.Fatalf("the demand entered in the browser (%s): %d", id, st)
	}

	b.visit("allocation-demands-filtered", "/allocation/demands?semester_id="+semID+"&discipline_code=JRN0001")
	if l := b.text("#demands-table"); !strings.Contains(l, "JRN0001") {
		t.Fatalf("the new demand is not listed: %s", l)
	}
	del := `#demands-table form[action="/allocation/demands/` + id + `/delete"] button`
	question := b.tr("demand.delete_confirm", "JRN0001", "T9")
	b.clickDeclined(del, question)
	if st := p.api(t, "GET", "/api/v1/allocation/demands/"+id, token, nil, nil); st != 200 {
		t.Fatalf("a declined deletion deleted the demand: %d", st)
	}
	b.clickConfirmed(del, question)
	b.wantFlash("flash.demand_deleted")
	if f := b.text(".flash.ok"); f != b.tr("flash.demand_deleted") {
		t.Fatalf("flash after the deletion: %q", f)
	}
	if l := b.text("#demands-table"); strings.Contains(l, "JRN0001") {
		t.Fatal("a deleted demand is still listed")
	}
	b.shot("allocation-demand-deleted")
	b.axeCheck("allocation-demand-deleted")
	if st := p.api(t, "GET", "/api/v1/allocation/demands/"+id, token, nil, nil); st != 404 {
		t.Fatalf("the deleted demand still answers %d", st)
	}

	// A demand with a class in a room: refused, and still there.
	b.visit("allocation-demand-allocated", fmt.Sprintf("/allocation/demands/%d", allocated))
	var d struct {
		DisciplineCode string `json:"discipline_code"`
		Section        string `json:"section"`
	}
	p.api(t, "GET", fmt.Sprintf("/api/v1/allocation/demands/%d", allocated), token, nil, &d)
	b.clickConfirmed("#demand-delete-form button", b.tr("demand.delete_confirm", d.DisciplineCode, d.Section))
	if msg := b.text(".flash.error"); msg != b.tr("demand.in_use") {
		t.Fatalf("deleting an allocated demand: %q at %s", msg, b.location())
	}
	b.shot("allocation-demand-delete-refused")
	b.axeCheck("allocation-demand-delete-refused")
	if st := p.api(t, "GET", fmt.Sprintf("/api/v1/allocation/demands/%d", allocated), token, nil, nil); st != 200 {
		t.Fatalf("the refused deletion removed the demand: %d", st)
	}
}

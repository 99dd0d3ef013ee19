package pages_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"

	"github.com/planta-dev/planta/services/web/internal/security"
)

// mrpRefusals are the stub's 422 answers of MRP writes.
var mrpRefusals = map[string]string{
	"POST /api/v1/mrp/bom-lines": `{"type":"https://planta.dev/problems/validation","status":422,"detail":"invalid fields",` +
		`"errors":[{"field":"component_id","reason":"would close a cycle: MAT-1 -> MAT-2 -> MAT-1"}]}`,
	"POST /api/v1/mrp/demands/import": `{"type":"https://planta.dev/problems/validation","status":422,"detail":"2 bad rows",` +
		`"errors":[{"field":"rows[4].quantity","reason":"must be > 0"},{"field":"rows[0].material_code","reason":"unknown material <b>X</b>"}]}`,
}

func TestBOMCycleNamed(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"parent_id": {"m1"}, "component_id": {"m1"}, "qty_per": {"1"}, "_csrf": {security.CSRFToken(h.tokens[cliente])}}
	rec := h.do(t, cliente, http.MethodPost, "/app/mrp/bom-lines", form)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "would close a cycle: MAT-1 -&gt; MAT-2 -&gt; MAT-1") ||
		!strings.Contains(body, `id="bom-line-form"`) {
		t.Fatalf("cycle: %d\n%s", rec.Code, body)
	}
}

func TestDemandImportRowErrors(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", security.CSRFToken(h.tokens[cliente]))
	fw, _ := mw.CreateFormFile("file", "d.csv")
	_, _ = fw.Write([]byte("material_code,bucket_date,quantity\nX,2025-03-10,1\n"))
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/app/mrp/demands/import", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(&http.Cookie{Name: authn.CookieName, Value: h.tokens[cliente]})
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, r)
	body := rec.Body.String()
	i, j := strings.Index(body, "material_code</td><td>unknown material &lt;b&gt;X&lt;/b&gt;"), strings.Index(body, "quantity</td><td>must be &gt; 0")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="import-errors"`) || i < 0 || j < i ||
		!strings.Contains(body, `<td class="num">5</td>`) {
		t.Fatalf("import: %d\n%s", rec.Code, body)
	}
}

func TestMRPRecordGridAndRun(t *testing.T) {
	h := newHarness(t)
	body := h.do(t, cliente, http.MethodGet, "/app/mrp/runs/run1/record?material_id=m1", nil).Body.String()
	for _, want := range []string{`id="mrp-record"`, "Necesidades brutas", "Disponible proyectado", "Lanzamientos planificados", "03/03/2025",
		`/api/v1/mrp/runs/run1/records/m1.csv`} {
		if !strings.Contains(body, want) {
			t.Errorf("record page lacks %q", want)
		}
	}
	body = h.do(t, cliente, http.MethodGet, "/app/mrp/runs/run1", nil).Body.String()
	for _, want := range []string{`id="planned-orders-table"`, `action="/app/mrp/orders/po1/convert"`, `href="/app/mrp/orders/po1/pegging"`,
		"Adelantar", "/api/v1/mrp/runs/run1/planned-orders.csv", "/api/v1/mrp/runs/run1/exceptions.csv"} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
}

func TestSimulationShowsResult(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"demand_material_0": {"m1"}, "demand_date_0": {"2025-03-10"}, "demand_qty_0": {"4"}, "lt_material_0": {"m1"}, "lt_value_0": {"3"},
		"_csrf": {security.CSRFToken(h.tokens[cliente])}}
	rec := h.do(t, cliente, http.MethodPost, "/app/mrp/simulate", form)
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, `id="simulation-result"`) || !strings.Contains(body, "14") {
		t.Fatalf("simulate: %d\n%s", rec.Code, body)
	}
	form.Set("demand_qty_0", "-1")
	if rec := h.do(t, cliente, http.MethodPost, "/app/mrp/simulate", form); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("negative quantity: %d", rec.Code)
	}
}

package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// exportRows is more than two maximum pages (500), so an export that stops at one page,
// at the default page (50) or at a caller's limit is caught.
const exportRows = 1203

// TestCSVExportsEveryRow: a list's CSV export holds every row matching its filters, read
// page by page through the cursor; neither the default page size nor limit cuts it.
func TestCSVExportsEveryRow(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	ctx := context.Background()
	// One statement each: exportRows materials (every third inactive) and warehouses.
	if _, err := pool.Exec(ctx, `INSERT INTO inventory.materials (tenant_id, code, name, unit, price_pen, active)
		SELECT $1, 'BULK-' || g, 'Bulk material ' || g, 'u', 1, g % 3 <> 0 FROM generate_series(1, $2::int) g`, c.tenant, exportRows); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO inventory.warehouses (tenant_id, name, type, location, address)
		SELECT $1, 'Obra ' || g, 'obra', 'Lima', 'Av. ' || g FROM generate_series(1, $2::int) g`, c.tenant, exportRows); err != nil {
		t.Fatal(err)
	}

	read := func(path string, accept string) [][]string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/inventory"+path, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return rows
	}
	distinct := func(path string, rows [][]string, want int) {
		t.Helper()
		if rows[0][0] != "id" {
			t.Fatalf("%s: header %v", path, rows[0])
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			seen[r[0]] = true
		}
		if len(rows)-1 != want || len(seen) != want {
			t.Fatalf("%s: %d rows (%d distinct), want every one of %d", path, len(rows)-1, len(seen), want)
		}
	}

	distinct("/materials.csv", read("/materials.csv", ""), exportRows)
	// The filters apply; limit does not cut an export.
	active := exportRows - exportRows/3
	distinct("/materials.csv?active=true&limit=10", read("/materials.csv?active=true&limit=10", ""), active)
	distinct("/warehouses (Accept: text/csv)", read("/warehouses?type=obra", "text/csv"), exportRows)

	// The JSON list is still one page with a cursor to the next.
	var page struct {
		Items      []obj  `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	c.must(http.MethodGet, "/materials?limit=500", nil, 200, &page)
	if len(page.Items) != 500 || page.NextCursor == "" {
		t.Fatalf("JSON page: %d items, next %q", len(page.Items), page.NextCursor)
	}
}

// TestDashboardCountsEveryLowStockLine: the dashboard lists the lowest low-stock lines
// (a bounded table) and counts all of them, so it never hides how many there are.
func TestDashboardCountsEveryLowStockLine(t *testing.T) {
	e := newEnv(t)
	c := e.cliente()
	f := c.setup(0)
	const lines = 130
	if _, err := pool.Exec(context.Background(), `WITH m AS (
		INSERT INTO inventory.materials (tenant_id, code, name, unit, price_pen)
		SELECT $1, 'LOW-' || g, 'Low material ' || g, 'u', 1 FROM generate_series(1, $3::int) g RETURNING id)
		INSERT INTO inventory.stock_lines (tenant_id, warehouse_id, material_id, on_hand) SELECT $1, $2, id, 1 FROM m`,
		c.tenant, f.principal, lines); err != nil {
		t.Fatal(err)
	}
	var dash struct {
		LowStock      []obj `json:"low_stock"`
		LowStockTotal int   `json:"low_stock_total"`
	}
	c.must(http.MethodGet, "/dashboard", nil, 200, &dash)
	if dash.LowStockTotal != lines || len(dash.LowStock) != 50 {
		t.Fatalf("dashboard: %d low-stock lines listed, total %d; want 50 listed of %d", len(dash.LowStock), dash.LowStockTotal, lines)
	}
}

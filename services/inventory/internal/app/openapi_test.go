package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/planta-dev/planta/services/inventory/internal/httpapi"
)

// TestOpenAPIMatchesRoutes: the embedded document lists exactly the registered routes.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	e := newEnv(t)
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, r := range e.router.Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		delete(documented, key)
	}
	for k := range documented {
		if k != http.MethodGet+" /api/v1/inventory/openapi.json" {
			t.Errorf("openapi.json documents %s, which is not a route", k)
		}
	}
}

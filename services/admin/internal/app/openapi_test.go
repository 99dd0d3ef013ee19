package app_test

import (
	"encoding/json"
	"testing"

	"github.com/planta-dev/planta/services/admin/internal/app"
)

type openAPI struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func openAPIDoc(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(app.Spec("test").OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

package httpapi

import _ "embed"

// OpenAPI is the service's OpenAPI 3.1 document, served at /api/v1/inventory/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

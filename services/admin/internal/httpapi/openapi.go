package httpapi

import _ "embed"

// OpenAPI is the OpenAPI 3.1 description of the public API, served at
// /api/v1/admin/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

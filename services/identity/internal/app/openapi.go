package app

import _ "embed"

// OpenAPI is the public API's OpenAPI 3.1 document, served at
// /api/v1/identity/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

package httpapi

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/timegrid"
)

func withProblem(defs map[string]any, problem map[string]any) map[string]any {
	defs["Problem"] = problem
	return defs
}

// success is the 2xx response: typed when the route's body is known.
func success(b body, defs map[string]any) map[string]any {
	resp := map[string]any{"description": "success"}
	if b.out == nil {
		return resp
	}
	schema := schemaOf(reflect.TypeOf(b.out), defs)
	if b.list {
		schema = map[string]any{"type": "object", "properties": map[string]any{
			"items": map[string]any{"type": "array", "items": schema}, "next_cursor": map[string]any{"type": "string"}}}
	}
	resp["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
	return resp
}

// queryParameter is the OpenAPI parameter object of a declared query parameter.
func queryParameter(q Param, grid *timegrid.Grid) map[string]any {
	schema := q.kind.schema(grid)
	out := map[string]any{"name": q.Name, "in": "query", "required": false, "description": q.desc}
	if q.Repeated {
		schema = map[string]any{"type": "array", "items": schema}
		out["style"], out["explode"] = "form", true
	}
	out["schema"] = schema
	return out
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)(:(?:[^{}]|\{[^}]*\})*)?\}`)

// OpenAPI builds the OpenAPI 3.1 document of every route (the same table Register uses).
func OpenAPI(version string) []byte {
	problemRef := map[string]any{"$ref": "#/components/schemas/Problem"}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/problem+json": map[string]any{"schema": problemRef}}}
	}
	paths := map[string]map[string]any{}
	defs := map[string]any{}
	typedSchemas(defs)
	bodies := routeBodies()
	grid := timegrid.Default()
	for _, r := range (&API{}).Routes() {
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			params = append(params, queryParameter(q, grid))
		}
		ok := "200"
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/solve"):
			ok = "202"
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/publish"):
			ok = "201"
		case r.Method == "POST" && !strings.Contains(r.Path, "{") && !strings.HasSuffix(r.Path, "/preview") && !strings.HasSuffix(r.Path, "/swap"):
			ok = "201"
		case r.Method == "DELETE":
			ok = "204"
		}
		op := map[string]any{
			"summary": r.Summary, "tags": []string{r.Tag},
			"operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(p),
			"responses": map[string]any{
				ok:    success(bodies[r.Method+" "+p], defs),
				"400": errResp("malformed request, or a query parameter the route does not take or given twice (named in errors)"),
				"404": errResp("not found"), "422": errResp("invalid field or query parameter value (named in errors)"),
			},
		}
		resp := op["responses"].(map[string]any)
		if r.Public {
			op["security"] = []any{}
			resp["304"] = map[string]any{"description": "not modified (If-None-Match matched the ETag)"}
			resp["429"] = errResp("rate limited")
		} else {
			resp["401"] = errResp("no valid session")
			resp["403"] = errResp("role is not admin or superadmin")
			if r.Method != "GET" {
				resp["409"] = errResp("conflict: duplicate, in use, double booking or a hard constraint (listed in conflicts)")
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.Method == "POST" || r.Method == "PUT" {
			ct := "application/json"
			if strings.HasSuffix(r.Path, "import.csv") {
				ct = "text/csv"
			}
			schema := map[string]any{"type": "object"}
			if b := bodies[r.Method+" "+p]; b.in != nil {
				schema = schemaOf(reflect.TypeOf(b.in), defs)
			}
			op["requestBody"] = map[string]any{"required": ct == "text/csv", "content": map[string]any{ct: map[string]any{"schema": schema}}}
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Planta allocation API", "version": version,
			"description": "Classroom allocation: admin API under /api/v1/allocation (roles admin, superadmin) and the anonymous read-only public API under /api/v1/public. Each operation lists every query parameter it takes; any other is refused (400), a bad value is 422. See docs/api/allocation.md."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"cookie": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": "__Host-planta_session"},
			},
			"schemas": withProblem(defs, map[string]any{"type": "object", "properties": map[string]any{
				"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}, "status": map[string]any{"type": "integer"},
				"detail": map[string]any{"type": "string"}, "instance": map[string]any{"type": "string"},
				"errors":    map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"field": map[string]any{"type": "string"}, "reason": map[string]any{"type": "string"}}}},
				"conflicts": map[string]any{"type": "array"},
			}}),
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return b
}

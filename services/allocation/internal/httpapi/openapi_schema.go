package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/planta-dev/planta/services/allocation/internal/solvejob"
	"github.com/planta-dev/planta/services/allocation/internal/store"
)

// body names the request and response types of a route for the OpenAPI document.
type body struct {
	in   any  // request body (nil = none or generic)
	out  any  // response body
	list bool // response is {"items": [out], "next_cursor"}
}

// routeBodies types the main resources' routes; others keep generic objects.
func routeBodies() map[string]body {
	const id = "/{id}"
	m := map[string]body{}
	crud := func(path string, in, out any) {
		m["GET "+AdminBase+path] = body{out: out, list: true}
		m["POST "+AdminBase+path] = body{in: in, out: out}
		m["GET "+AdminBase+path+id] = body{out: out}
		if in != nil {
			m["PUT "+AdminBase+path+id] = body{in: in, out: out}
		}
	}
	crud("/rooms", roomIn{}, store.Room{})
	crud("/semesters", semesterIn{}, store.Semester{})
	crud("/demands", demandIn{}, store.Demand{})
	crud("/reservations", reservationIn{}, store.Reservation{})
	m["PUT "+AdminBase+"/reservations"+id] = body{in: ReservationUpdateIn{}, out: store.Reservation{}}
	m["GET "+AdminBase+"/allocations"] = body{out: store.Allocation{}, list: true}
	m["POST "+AdminBase+"/allocations"] = body{in: assignIn{}, out: store.Allocation{}}
	m["GET "+AdminBase+"/allocations"+id] = body{out: store.Allocation{}}
	m["POST "+AdminBase+"/allocations"+id+"/move"] = body{in: moveIn{}, out: store.Allocation{}}
	m["POST "+AdminBase+"/allocations"+id+"/pin"] = body{in: pinIn{}, out: store.Allocation{}}
	m["POST "+AdminBase+"/allocations/swap"] = body{in: swapIn{}, out: store.Allocation{}, list: true}
	m["POST "+AdminBase+"/semesters"+id+"/solve"] = body{in: SolveIn{}, out: store.SolveJob{}}
	m["GET "+AdminBase+"/solve-jobs/{job}"] = body{out: store.SolveJob{}}
	m["POST "+AdminBase+"/solve-jobs/{job}/cancel"] = body{out: store.SolveJob{}}
	m["POST "+AdminBase+"/semesters"+id+"/publish"] = body{in: PublishIn{}, out: store.Publication{}}
	m["GET "+AdminBase+"/semesters"+id+"/publications"] = body{out: store.Publication{}, list: true}
	m["GET "+AdminBase+"/publications"+id] = body{out: store.Publication{}}
	return m
}

var rawJSON = reflect.TypeOf(json.RawMessage(nil))

// schemaOf returns the JSON schema of t, registering named structs in defs.
func schemaOf(t reflect.Type, defs map[string]any) map[string]any {
	switch {
	case t == rawJSON:
		return map[string]any{}
	case t.Kind() == reflect.Pointer:
		return schemaOf(t.Elem(), defs)
	}
	switch t.Kind() {
	case reflect.Struct:
		name := schemaName(t)
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := defs[name]; ok {
			return ref
		}
		defs[name] = map[string]any{} // break cycles
		props := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" || tag == "" {
				continue
			}
			props[strings.Split(tag, ",")[0]] = schemaOf(f.Type, defs)
		}
		defs[name] = map[string]any{"type": "object", "properties": props}
		return ref
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), defs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), defs)}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{}
}

// schemaName is the exported name of a type: request types (fooIn) become FooInput.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if strings.HasSuffix(n, "In") {
		n = strings.TrimSuffix(n, "In") + "Input"
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// typedSchemas registers the solve job's result type under the job's `result`.
func typedSchemas(defs map[string]any) {
	schemaOf(reflect.TypeOf(store.SolveJob{}), defs)
	res := schemaOf(reflect.TypeOf(solvejob.Result{}), defs)
	if job, ok := defs["SolveJob"].(map[string]any); ok {
		job["properties"].(map[string]any)["result"] = res
	}
}

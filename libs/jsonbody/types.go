package jsonbody

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// typeReason words a type mismatch in JSON terms: clients never see Go type names
// (which leak the implementation and mean nothing to them).
func typeReason(e *json.UnmarshalTypeError) string {
	t := e.Type
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "has the wrong type"
	}
	if lit, ok := strings.CutPrefix(e.Value, "number "); ok {
		if r, ok := rangeReason(t, lit); ok {
			return r
		}
	}
	return "must be " + jsonKind(t)
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == reflect.TypeFor[json.Number]() {
		return "a number"
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "a string" // encoding/json feeds such types only JSON strings
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a different kind of value"
	}
}

// rangeReason explains a number that has the right kind but does not fit: an integer
// field given 1e40 is not "not an integer", it is out of range.
func rangeReason(t reflect.Type, lit string) (string, bool) {
	if strings.ContainsAny(lit, ".eE") {
		return "", false // a fraction or exponent: the kind is wrong
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		lo, hi := int64(-1)<<(bits-1), int64(math.MaxInt64)>>(64-bits)
		return fmt.Sprintf("must be an integer from %d to %d", lo, hi), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if strings.HasPrefix(lit, "-") {
			return "must be a non-negative integer", true
		}
		return "must be an integer from 0 to " + strconv.FormatUint(math.MaxUint64>>(64-t.Bits()), 10), true
	}
	return "", false
}

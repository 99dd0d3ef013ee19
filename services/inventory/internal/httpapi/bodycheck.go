package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/store"
)

// Body checks that the destination types cannot express: encoding/json (and
// decimal.Decimal) accept a quantity as a JSON number or in exponent notation, and an id
// is just a string. checkBody walks the request's JSON along the Go type it was decoded
// into and holds every field to the documented contract, naming the first offending
// field with its array indexes (items[2].qty).
//
//   - decimal.Decimal fields must be JSON strings matching decimalPattern (the OpenAPI
//     pattern). The struct tag body:"number" also allows a JSON number (kept for
//     POST /api/v1/mrp/simulations, whose quantity was documented as a number).
//   - decimal.Decimal fields must fit the numeric(p,s) column they are stored in: rounded
//     to s decimals (as Postgres rounds), their magnitude must stay below 10^(p-s), or
//     the field "is too large" (a 422 instead of Postgres' numeric field overflow,
//     SQLSTATE 22003). The default is numeric(18,4), the type of every quantity, price,
//     cost and budget column (migrations/002_inventory.sql, 003_mrp.sql); the struct tag
//     numeric:"p,s" names another (qty_per is numeric(18,6), scrap_pct numeric(9,4)).
//   - string fields named id or *_id must be uuids when not empty (an absent or empty id
//     is left to each input's "is required" check). The struct tag body:"text" marks a
//     *_id field that is not an object id (tax_id).

// decimalPattern is the OpenAPI pattern of every decimal string.
var decimalPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

var decimalType = reflect.TypeFor[decimal.Decimal]()

// checkBody checks raw (already decoded into a value of type t without error).
func checkBody(raw []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("re-read request body: %w", err)
	}
	return walkBody(v, t, "", "", defaultNumeric)
}

// walkBody checks the JSON value v against the Go type t at path; tag is the body tag of
// the struct field holding v, col the numeric column type a decimal is stored in.
func walkBody(v any, t reflect.Type, path, tag string, col numericType) error {
	if v == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == decimalType {
		return checkDecimal(v, path, tag, col)
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		return walkStruct(obj, t, path)
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, x := range arr {
			if err := walkBody(x, t.Elem(), fmt.Sprintf("%s[%d]", path, i), tag, col); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, x := range obj {
			if err := walkBody(x, t.Elem(), join(path, k), tag, col); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkStruct(obj map[string]any, t reflect.Type, path string) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := walkStruct(obj, ft, path); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		key, v, ok := lookup(obj, name)
		if !ok {
			continue
		}
		p := join(path, key)
		tag := f.Tag.Get("body")
		if isIDField(f, name, tag) {
			if err := checkID(v, p); err != nil {
				return err
			}
			continue
		}
		if err := walkBody(v, f.Type, p, tag, numericOf(f)); err != nil {
			return err
		}
	}
	return nil
}

// lookup finds a field's key as encoding/json does: exact name first, then ignoring case.
func lookup(obj map[string]any, name string) (string, any, bool) {
	if v, ok := obj[name]; ok {
		return name, v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isIDField(f reflect.StructField, name, tag string) bool {
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.String && tag != "text" && (name == "id" || strings.HasSuffix(name, "_id"))
}

func checkID(v any, path string) error {
	s, ok := v.(string)
	if !ok || s == "" || store.ValidID(s) {
		return nil
	}
	return fault.Field(path, "must be a uuid")
}

func checkDecimal(v any, path, tag string, col numericType) error {
	var text string
	switch x := v.(type) {
	case string:
		if !decimalPattern.MatchString(x) {
			return fault.Field(path, `must be a decimal number as a string, like "12.5" (digits, an optional minus sign and decimal point, no exponent)`)
		}
		text = x
	case json.Number:
		if tag != "number" {
			return fault.Field(path, `must be a decimal number as a string, like "12.5", not a JSON number`)
		}
		text = x.String()
	default:
		return nil
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return nil // the decoder already refused it
	}
	if !col.fits(d) {
		return fault.Field(path, "is too large")
	}
	return nil
}

// numericType is a Postgres numeric(precision, scale) column type.
type numericType struct{ precision, scale int32 }

// defaultNumeric is the column type of every quantity, price, cost and budget amount.
var defaultNumeric = numericType{18, 4}

// fits reports whether d, rounded to the column's scale as Postgres rounds it, can be
// stored: its magnitude must be below 10^(precision-scale).
func (n numericType) fits(d decimal.Decimal) bool {
	return d.Round(n.scale).Abs().LessThan(decimal.New(1, n.precision-n.scale))
}

// numericOf reads the numeric:"p,s" struct tag (defaultNumeric when absent).
func numericOf(f reflect.StructField) numericType {
	tag, ok := f.Tag.Lookup("numeric")
	if !ok {
		return defaultNumeric
	}
	var n numericType
	if _, err := fmt.Sscanf(tag, "%d,%d", &n.precision, &n.scale); err != nil || n.precision <= n.scale || n.scale < 0 {
		panic(fmt.Sprintf("httpapi: bad numeric tag %q on field %s", tag, f.Name))
	}
	return n
}

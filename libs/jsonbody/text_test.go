package jsonbody_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"
)

type line struct {
	Name  string `json:"name"`
	Qty   int    `json:"qty"`
	Small int8   `json:"small"`
	Count uint   `json:"count"`
}

type order struct {
	Name  string            `json:"name"`
	Note  string            `json:"note"`
	Items []line            `json:"items"`
	Tags  map[string]string `json:"tags"`
	Main  *line             `json:"main"`
	Price float64           `json:"price"`
	Paid  bool              `json:"paid"`
	When  time.Time         `json:"when"`
	Data  []byte            `json:"data"`
	Any   any               `json:"any"`
}

func decode(t *testing.T, body string, dst any) *problem.Problem {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	err := jsonbody.Decode(httptest.NewRecorder(), req, dst)
	if err == nil {
		return nil
	}
	p := problem.From(err)
	if p == nil {
		t.Fatalf("%s: error %v is not a problem", body, err)
	}
	return p
}

// TestTextRefused: strings Postgres cannot store, or that encoding/json would silently
// alter, are refused with 422 naming the field, wherever they are.
func TestTextRefused(t *testing.T) {
	tests := []struct{ name, body, field, reason string }{
		{"NUL escape", `{"name":"x\u0000y"}`, "name", "must not contain NUL characters"},
		{"NUL nested", `{"items":[{"name":"a"},{"name":"b"},{"name":"c\u0000"}]}`, "items[2].name", "must not contain NUL characters"},
		{"NUL in map value", `{"tags":{"color":"\u0000"}}`, "tags.color", "must not contain NUL characters"},
		{"NUL in map key", `{"tags":{"a\u0000b":"x"}}`, `tags.a\u0000b`, "member name must not contain NUL characters"},
		{"NUL in free-form value", `{"any":{"deep":[1,"\u0000"]}}`, "any.deep[1]", "must not contain NUL characters"},
		{"invalid UTF-8", "{\"name\":\"\xff\xfe bad\"}", "name", "must be valid UTF-8"},
		{"invalid UTF-8 nested", "{\"main\":{\"name\":\"ok\"},\"items\":[{\"name\":\"\xc3\"}]}", "items[0].name", "must be valid UTF-8"},
		{"UTF-8 encoded surrogate", "{\"note\":\"\xed\xa0\x80\"}", "note", "must be valid UTF-8"},
		{"lone high surrogate", `{"note":"a\ud800b"}`, "note", "must be valid UTF-8"},
		{"high surrogate at end", `{"note":"a\uD800"}`, "note", "must be valid UTF-8"},
		{"high surrogate then non-surrogate", `{"note":"\ud800\u0041"}`, "note", "must be valid UTF-8"},
		{"lone low surrogate", `{"note":"\udc00"}`, "note", "must be valid UTF-8"},
		{"first of several", `{"note":"\u0000","name":"\u0000"}`, "note", "must not contain NUL characters"},
		{"after a valid escape", `{"note":"\\\u0000"}`, "note", "must not contain NUL characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst order
			p := decode(t, tc.body, &dst)
			if p == nil {
				t.Fatalf("accepted %q as %+v", tc.body, dst)
			}
			if p.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 ||
				p.Errors[0].Field != tc.field || p.Errors[0].Reason != tc.reason {
				t.Fatalf("got %d %+v, want 422 %s: %s", p.Status, p.Errors, tc.field, tc.reason)
			}
		})
	}
}

func TestBareStringNamedBody(t *testing.T) {
	var s string
	if p := decode(t, `"\u0000"`, &s); p == nil || len(p.Errors) != 1 || p.Errors[0].Field != "body" {
		t.Fatalf("got %v", p)
	}
}

// TestTextAccepted: escapes that only look like the refused ones, valid surrogate pairs
// and other control characters (free text has newlines and tabs) pass unchanged.
func TestTextAccepted(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"note":"\\u0000"}`, `\u0000`},
		{`{"note":"\\\\u0000"}`, `\\u0000`},
		{`{"note":"\\ud800"}`, `\ud800`},
		{`{"note":"\ud83d\ude00"}`, "\U0001F600"},
		{`{"note":"\uD83D\uDE00 ok"}`, "\U0001F600 ok"},
		{`{"note":"line\nnext\ttab\u0001"}`, "line\nnext\ttab\x01"},
		{`{"note":"\ud7ff\ue000\ufffd"}`, "\ud7ff\ue000\ufffd"},
		{`{"note":"ação 😀 \u00e7"}`, "ação 😀 ç"},
		{`{"note":"u0000 \\"}`, `u0000 \`},
	}
	for _, tc := range tests {
		var dst order
		if p := decode(t, tc.body, &dst); p != nil {
			t.Errorf("%s refused: %v %+v", tc.body, p, p.Errors)
			continue
		}
		if dst.Note != tc.want {
			t.Errorf("%s decoded to %q, want %q", tc.body, dst.Note, tc.want)
		}
	}
}

// TestTypeErrorsInJSONTerms: a wrong type is described as the JSON the client must send,
// never as a Go type, with the full path of the field.
func TestTypeErrorsInJSONTerms(t *testing.T) {
	tests := []struct {
		body   string
		dst    any
		field  string
		reason string
	}{
		{`[1]`, &order{}, "body", "must be an object"},
		{`{}`, &[]line{}, "body", "must be an array"},
		{`"x"`, &map[string]int{}, "body", "must be an object"},
		{`{"name":5}`, &order{}, "name", "must be a string"},
		{`{"items":{}}`, &order{}, "items", "must be an array"},
		{`{"items":[{},{},{"qty":"3"}]}`, &order{}, "items[2].qty", "must be an integer"},
		{`{"items":[{"qty":1.5}]}`, &order{}, "items[0].qty", "must be an integer"},
		{`{"items":[{"small":300}]}`, &order{}, "items[0].small", "must be an integer from -128 to 127"},
		{`{"items":[{"count":-1}]}`, &order{}, "items[0].count", "must be a non-negative integer"},
		{`{"items":[1]}`, &order{}, "items[0]", "must be an object"},
		{`{"tags":{"a":1}}`, &order{}, "tags.a", "must be a string"},
		{`{"main":{"name":[]}}`, &order{}, "main.name", "must be a string"},
		{`{"price":"1"}`, &order{}, "price", "must be a number"},
		{`{"paid":"yes"}`, &order{}, "paid", "must be a boolean"},
		{`{"data":7}`, &order{}, "data", "must be a base64 string"},
		{`[{"name":"a"},{"name":{}}]`, &[]line{}, "[1].name", "must be a string"},
	}
	for _, tc := range tests {
		p := decode(t, tc.body, tc.dst)
		if p == nil {
			t.Errorf("%s accepted", tc.body)
			continue
		}
		if p.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != tc.field ||
			p.Errors[0].Reason != tc.reason || p.Detail != tc.field+": "+tc.reason {
			t.Errorf("%s: got %d %q %+v, want %s: %s", tc.body, p.Status, p.Detail, p.Errors, tc.field, tc.reason)
		}
		for _, leak := range []string{"jsonbody.", "[]", "map[", "int8", "uint", "float64"} {
			if strings.Contains(p.Detail, leak) {
				t.Errorf("%s: detail %q leaks a Go type (%s)", tc.body, p.Detail, leak)
			}
		}
	}
}

// FuzzDecodeText: whatever Decode accepts decodes to strings without NUL, and without
// U+FFFD unless the body spelled one (so nothing was silently replaced); it never panics.
func FuzzDecodeText(f *testing.F) {
	for _, seed := range []string{`{"a":"x\u0000"}`, "{\"a\":\"\xff\"}", `["\ud800\udc00","\\u0000"]`,
		`{"\ud83d\ude00":["\udbff\udfff",1,{"b":null}]}`, `"\uDC00"`, `[true,"\ufffd"]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst any
		if p := decode(t, string(body), &dst); p != nil {
			return
		}
		spelled := strings.Contains(string(body), "\ufffd") || strings.Contains(strings.ToLower(string(body)), `\ufffd`)
		var visit func(v any)
		check := func(s string) {
			if strings.ContainsRune(s, 0) || (!spelled && strings.ContainsRune(s, '\ufffd')) {
				t.Fatalf("accepted %q: decoded string %q", body, s)
			}
		}
		visit = func(v any) {
			switch v := v.(type) {
			case string:
				check(v)
			case []any:
				for _, e := range v {
					visit(e)
				}
			case map[string]any:
				for k, e := range v {
					check(k)
					visit(e)
				}
			}
		}
		visit(dst)
	})
}

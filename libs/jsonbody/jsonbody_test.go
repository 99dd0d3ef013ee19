package jsonbody_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"
)

type login struct {
	Username string `json:"username"`
	Attempts int    `json:"attempts"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body, ctype string
		status            int
		field             string
	}{
		{"valid", `{"username":"ana","attempts":2}`, "application/json", 0, ""},
		{"unknown field", `{"username":"ana","role":"superadmin"}`, "application/json", 400, "role"},
		{"wrong type", `{"attempts":"many"}`, "application/json", 400, "attempts"},
		{"trailing data", `{"username":"a"} {"username":"b"}`, "application/json", 400, ""},
		{"not json", `username=ana`, "application/json", 400, ""},
		{"empty", ``, "application/json", 400, ""},
		{"form content type", `{}`, "application/x-www-form-urlencoded", 415, ""},
		{"too large", `{"username":"` + strings.Repeat("a", jsonbody.DefaultMaxBytes) + `"}`, "application/json", 413, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			var dst login
			err := jsonbody.Decode(httptest.NewRecorder(), req, &dst)
			if tc.status == 0 {
				if err != nil || dst.Username != "ana" || dst.Attempts != 2 {
					t.Fatalf("err=%v dst=%+v", err, dst)
				}
				return
			}
			p := problem.From(err)
			if p == nil || p.Status != tc.status {
				t.Fatalf("want status %d, got %v", tc.status, err)
			}
			if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
				t.Fatalf("field %q not named: %+v", tc.field, p.Errors)
			}
		})
	}
}

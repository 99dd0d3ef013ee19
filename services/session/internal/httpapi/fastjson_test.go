package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"
)

var validateBodies = []string{
	`{"token":"abc_-DEF123","touch":true}`,
	`{"touch":false,"token":"abc"}`,
	` { "token" : "abc" , "touch" : true } `,
	`{"token":"abc"}`,
	`{}`,
	`{"token":"a\"b","touch":true}`,
	`{"token":"\u0041","touch":true}`,
	`{"TOKEN":"abc","touch":true}`,
	`{"token":"abc","token":"def"}`,
	`{"token":"abc","touch":true,"extra":1}`,
	`{"token":"abc","touch":"yes"}`,
	`{"token":1}`,
	`{"token":"abc","touch":true} {}`,
	`{"token":"abc","touch":true}x`,
	`{"token":"abc","touch":tru}`,
	`{"token":"abc",}`,
	`{"token":"abc"`,
	`[]`,
	`null`,
	``,
	`{"token":"é","touch":true}`,
	`{"token":null,"touch":null}`,
}

// decodeBoth runs the fast decoder and jsonbody.Decode on the same body.
func decodeBoth(t *testing.T, body, ctype string) {
	t.Helper()
	do := func(fast bool) (authn.ValidateRequest, error) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		var req authn.ValidateRequest
		if fast {
			return req, decodeValidate(httptest.NewRecorder(), r, &req)
		}
		return req, jsonbody.Decode(httptest.NewRecorder(), r, &req)
	}
	fr, ferr := do(true)
	sr, serr := do(false)
	if (ferr == nil) != (serr == nil) {
		t.Fatalf("%q: fast err %v, jsonbody err %v", body, ferr, serr)
	}
	if ferr != nil {
		fp, sp := problem.From(ferr), problem.From(serr)
		if fp == nil || sp == nil || fp.Status != sp.Status || fp.Detail != sp.Detail {
			t.Fatalf("%q: fast problem %+v, jsonbody problem %+v", body, fp, sp)
		}
		return
	}
	if fr != sr {
		t.Fatalf("%q: fast %+v, jsonbody %+v", body, fr, sr)
	}
}

func TestFastValidateDecodeMatchesJSONBody(t *testing.T) {
	for _, body := range validateBodies {
		for _, ct := range []string{"application/json", "", "text/plain", "application/json; charset=utf-8"} {
			decodeBoth(t, body, ct)
		}
	}
}

func FuzzFastValidateDecode(f *testing.F) {
	for _, body := range validateBodies {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) { decodeBoth(t, body, "application/json") })
}

func TestFastPrincipalMatchesEncodingJSON(t *testing.T) {
	for _, p := range []authn.Principal{
		{UserID: "u1", Username: "ana", Role: authn.RoleCliente, SessionID: "s1"},
		{UserID: "u1", Username: "ana", Role: authn.RoleAdmin, SessionID: "s1", MustChangePassword: true},
		{UserID: "c", Username: "cli", Role: authn.RoleCliente, SessionID: "s2", Act: &authn.Actor{UserID: "root", Username: "superadmin", SessionID: "s0"}},
		{UserID: "c", Username: "cli", Role: authn.RoleCliente, SessionID: "s2", Act: &authn.Actor{UserID: "root", Username: "superadmin"}},
		{UserID: "u", Username: `a"b\c<d>&é` + "\u2028\x01", Role: authn.RoleCliente, SessionID: "s"},
		{UserID: "u", Username: "ok", Role: authn.RoleCliente, SessionID: "s", Act: &authn.Actor{UserID: "x", Username: "<script>"}},
		{},
	} {
		rec := httptest.NewRecorder()
		writePrincipal(rec, p)
		want := httptest.NewRecorder()
		writeNoStore(want, http.StatusOK, p)
		if !bytes.Equal(rec.Body.Bytes(), want.Body.Bytes()) || rec.Code != want.Code {
			t.Fatalf("principal %+v:\nfast %q\nwant %q", p, rec.Body.String(), want.Body.String())
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "X-Content-Type-Options"} {
			if rec.Header().Get(h) != want.Header().Get(h) {
				t.Fatalf("header %s: %q, want %q", h, rec.Header().Get(h), want.Header().Get(h))
			}
		}
		var back authn.Principal
		if err := json.Unmarshal(rec.Body.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
	}
}

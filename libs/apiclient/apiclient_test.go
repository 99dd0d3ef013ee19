package apiclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/planta-dev/planta/libs/apiclient"
	"github.com/planta-dev/planta/libs/jsonbody"
	"github.com/planta-dev/planta/libs/problem"
)

func TestDoSortsAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			var in map[string]string
			_ = jsonbody.Decode(w, r, &in)
			jsonbody.Write(w, http.StatusCreated, map[string]string{"echo": in["name"]})
		case "/refused":
			problem.Write(w, r, problem.Field("email", "taken"))
		case "/busy":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/broken":
			w.WriteHeader(http.StatusInternalServerError)
		case "/garbage":
			_, _ = w.Write([]byte("{not json"))
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL, srv.Client())
	ctx := context.Background()

	var out struct{ Echo string }
	if err := c.Do(ctx, http.MethodPost, "/ok", map[string]string{"name": "ana"}, &out); err != nil || out.Echo != "ana" {
		t.Fatalf("ok: %v %+v", err, out)
	}
	err := c.Do(ctx, http.MethodPost, "/refused", nil, nil)
	var refusal *apiclient.Error
	if !errors.As(err, &refusal) || refusal.Status != 422 || refusal.Problem == nil || refusal.Problem.Errors[0].Field != "email" {
		t.Fatalf("refused: %v", err)
	}
	if apiclient.StatusOf(err) != 422 || errors.Is(err, apiclient.ErrUnavailable) {
		t.Fatal("a refusal is not unavailability")
	}
	for _, path := range []string{"/busy", "/broken", "/garbage"} {
		if err := c.Do(ctx, http.MethodGet, path, nil, &out); !errors.Is(err, apiclient.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", path, err)
		}
	}
	srv.Close()
	if err := c.Do(ctx, http.MethodGet, "/ok", nil, nil); !errors.Is(err, apiclient.ErrUnavailable) {
		t.Errorf("closed server: %v", err)
	}
}

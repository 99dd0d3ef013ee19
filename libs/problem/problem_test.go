package problem_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/planta-dev/planta/libs/problem"
)

func TestWriteRendersRFC9457(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/things", nil)
	problem.Write(rec, req, problem.Field("quantity", "must be positive"))

	if got := rec.Header().Get("Content-Type"); got != problem.ContentType {
		t.Fatalf("content type = %q", got)
	}
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status = %d", rec.Code)
	}
	var body struct {
		Type, Title, Detail, Instance string
		Status                        int
		Errors                        []problem.FieldError
	}
	if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Type != problem.TypeBase+"validation" || body.Status != 422 || body.Instance != "/api/v1/things" {
		t.Fatalf("unexpected body %+v", body)
	}
	if len(body.Errors) != 1 || body.Errors[0].Field != "quantity" {
		t.Fatalf("field not named: %+v", body.Errors)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, nil, problem.Unavailable("redis down"))
	if rec.Header().Get("Retry-After") != "1" || rec.Code != 503 {
		t.Fatalf("got %d retry-after %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestFromUnwraps(t *testing.T) {
	err := fmt.Errorf("reserve: %w", problem.NotFound("warehouse"))
	if p := problem.From(err); p == nil || p.Status != 404 {
		t.Fatalf("From = %v", p)
	}
	if problem.From(fmt.Errorf("plain")) != nil {
		t.Fatal("plain error must not be a problem")
	}
}

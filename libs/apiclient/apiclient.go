// Package apiclient calls another Planta service's JSON API: it encodes the request,
// decodes the answer, and sorts failures into the two kinds a caller must tell apart —
// a refusal (4xx with problem details, to pass on or map) and an unavailable dependency
// (network error, 5xx, 429, garbage), which callers answer with 503 and never treat as
// permission.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/planta-dev/planta/libs/problem"
)

// ErrUnavailable wraps every failure that says nothing about the request itself.
var ErrUnavailable = errors.New("service unavailable")

// Error is a refusal: a 4xx answer with its problem details (nil when the body had none).
type Error struct {
	Status  int
	Problem *problem.Problem
}

func (e *Error) Error() string {
	if e.Problem != nil {
		return fmt.Sprintf("answered %d: %s", e.Status, e.Problem.Error())
	}
	return fmt.Sprintf("answered %d", e.Status)
}

// StatusOf returns the status of a refusal in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Client calls one service.
type Client struct {
	baseURL  string
	http     *http.Client
	maxBytes int64
}

// New returns a client for baseURL. Pass the traced client from observability so each
// call is a child span carrying the trace context.
func New(baseURL string, client *http.Client) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), http: client, maxBytes: 8 << 20}
}

// Do sends in (JSON, when non-nil) to method baseURL+path and decodes a 2xx answer into
// out (when non-nil). Request bodies carry secrets (tokens, passwords) at times, so they
// never appear in the returned errors; paths never carry them.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, c.maxBytes)).Decode(out); err != nil {
			return fmt.Errorf("%w: decode %s %s: %v", ErrUnavailable, method, path, err)
		}
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		e := &Error{Status: resp.StatusCode}
		var p problem.Problem
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&p); err == nil && p.Status != 0 {
			e.Problem = &p
		}
		return e
	default:
		return fmt.Errorf("%w: %s %s answered %d", ErrUnavailable, method, path, resp.StatusCode)
	}
}

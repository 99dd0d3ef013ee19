// Package apicall is the shared HTTP core of the web service's typed API clients: it
// carries the caller's session token as a Bearer header (so the APIs' cookie CSRF check
// does not apply to these server-side calls; the web enforces its own), forwards the
// browser's address and user agent, decodes JSON answers and turns problem+json answers
// into *Problem errors that pages can show field by field.
package apicall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Caller is who a request is made for: the browser's session token (empty when
// anonymous), its address and user agent.
type Caller struct {
	Token     string
	ClientIP  string
	UserAgent string
}

type callerKey struct{}

// WithCaller returns ctx carrying c; every client call made with ctx acts as c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller in ctx.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// FieldError names one invalid input field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Problem is an RFC 9457 problem answered by an API.
type Problem struct {
	Type      string          `json:"type"`
	Title     string          `json:"title"`
	Status    int             `json:"status"`
	Detail    string          `json:"detail"`
	Errors    []FieldError    `json:"errors"`
	Conflicts json.RawMessage `json:"conflicts,omitempty"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.Status, p.Slug(), p.Detail)
}

// Slug is the last element of the problem type ("invalid-credentials").
func (p *Problem) Slug() string {
	if i := strings.LastIndex(p.Type, "/"); i >= 0 {
		return p.Type[i+1:]
	}
	return p.Type
}

// FieldReason returns the reason given for field, if any.
func (p *Problem) FieldReason(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Reason
		}
	}
	return ""
}

// AsProblem returns the API problem inside err.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}

// IsStatus reports whether err is an API problem with that status.
func IsStatus(err error, status int) bool {
	p, ok := AsProblem(err)
	return ok && p.Status == status
}

// Client calls one service's public API.
type Client struct {
	base string
	http *http.Client
	// cache, when set, revalidates anonymous GETs (WithCache).
	cache *ETagCache
}

// New returns a client for the service whose public listener is at base
// (http://127.0.0.1:8101 locally, http://<release>-identity:8080 in a cluster).
func New(base string, hc *http.Client) *Client {
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

// Response is a raw answer (for calls whose headers matter: Set-Cookie, downloads).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method path?query with in as the JSON body (nil for none) and decodes a 2xx
// JSON answer into out (nil to discard). A problem answer is returned as *Problem.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	resp, err := c.Raw(ctx, method, path, query, in, "application/json")
	if err != nil {
		return err
	}
	if out != nil && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return nil
}

// Raw is Do without decoding: it returns the answer with its headers, or a *Problem
// for a non-2xx status.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, in any, accept string) (*Response, error) {
	var body io.Reader
	contentType := ""
	switch v := in.(type) {
	case nil:
	case url.Values:
		body, contentType = strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
	case RawBody:
		body, contentType = bytes.NewReader(v.Data), v.ContentType
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body, contentType = bytes.NewReader(b), "application/json"
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	caller := CallerFrom(ctx)
	// An anonymous GET may be revalidated against the cache: it carries no session (no
	// token, no cookie jar), so its answer is the same for every visitor.
	key, etag, cached := "", "", false
	if c.cache != nil && method == http.MethodGet && in == nil && caller.Token == "" && c.http.Jar == nil {
		key = accept + " " + u
		etag, cached = c.cache.lookup(key)
	}
	for {
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return nil, fmt.Errorf("build %s %s: %w", method, path, err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if caller.Token != "" {
			req.Header.Set("Authorization", "Bearer "+caller.Token)
		}
		if caller.ClientIP != "" {
			req.Header.Set("X-Forwarded-For", caller.ClientIP)
		}
		if caller.UserAgent != "" {
			req.Header.Set("User-Agent", caller.UserAgent)
		}
		if cached {
			req.Header.Set("If-None-Match", etag)
		}
		resp, data, err := c.send(req, method, path)
		if err != nil {
			return nil, err
		}
		if key != "" {
			switch {
			case resp.StatusCode == http.StatusNotModified && cached:
				if r, ok := c.cache.reuse(key, etag); ok {
					return r, nil
				}
				// Replaced or evicted since the lookup: ask again without a condition.
				cached = false
				continue
			case resp.StatusCode == http.StatusOK:
				c.cache.store(key, resp, data)
			default:
				c.cache.forget(key)
			}
		}
		if resp.StatusCode >= 300 {
			return nil, toProblem(resp, data)
		}
		return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
	}
}

// send does req and reads its answer (at most 32 MiB).
func (c *Client) send(req *http.Request, method, path string) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s %s: %w", method, path, err)
	}
	return resp, data, nil
}

// RawBody is a request body sent as is (CSV uploads).
type RawBody struct {
	ContentType string
	Data        []byte
}

func toProblem(resp *http.Response, data []byte) error {
	p := &Problem{Status: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		_ = json.Unmarshal(data, p)
		p.Status = resp.StatusCode
	}
	if p.Type == "" {
		p.Type = "about:blank"
		p.Title = http.StatusText(resp.StatusCode)
	}
	return p
}

// Page is a list answer.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// MaxAllPages bounds how many pages All follows (500 rows each): a select box or table of
// more than 50,000 rows would be unusable anyway, and an error says so instead of a cut.
const MaxAllPages = 100

// All reads every page of a paged list through fetch (one list call with the query it is
// given), following next_cursor: a select box, a table without a "next" link or a total
// built from only the first page would silently leave rows out. q keeps its filters;
// limit is the largest page unless q sets one.
func All[T any](ctx context.Context, fetch func(context.Context, url.Values) (Page[T], error), q url.Values) ([]T, error) {
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Del("cursor")
	if q.Get("limit") == "" {
		q.Set("limit", "500")
	}
	all := []T{}
	for range MaxAllPages {
		p, err := fetch(ctx, q)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", p.NextCursor)
	}
	return nil, fmt.Errorf("list: more than %d pages", MaxAllPages)
}

// Decimal is an exact number as the APIs send it (a JSON string or number); pages format
// it without going through float64.
type Decimal string

// UnmarshalJSON accepts "1.50" and 1.50.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*d = ""
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*d = Decimal(v)
		return nil
	}
	*d = Decimal(s)
	return nil
}

// MarshalJSON writes the decimal as a JSON string (the APIs accept both).
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(string(d)) }

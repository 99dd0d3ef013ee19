package authn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Validator resolves a session token to a principal. touch says whether the call is a
// user request that slides the idle timeout (internal calls must not keep sessions alive).
type Validator interface {
	Validate(ctx context.Context, token string, touch bool) (Principal, error)
}

// ValidatePath is the session service's internal validate endpoint. The token travels in
// the POST body, never in the URL.
const ValidatePath = "/internal/v1/sessions/validate"

// ValidateRequest is the body of a validate call.
type ValidateRequest struct {
	Token string `json:"token"`
	Touch bool   `json:"touch"`
}

// SessionClient calls the session service's internal validate API.
type SessionClient struct {
	baseURL string
	http    *http.Client
}

// NewSessionClient returns a client for the session service at baseURL (its internal
// listener). Pass an instrumented client so the hop shows in traces.
func NewSessionClient(baseURL string, client *http.Client) *SessionClient {
	return &SessionClient{baseURL: strings.TrimRight(baseURL, "/"), http: client}
}

// Validate implements Validator.
func (c *SessionClient) Validate(ctx context.Context, token string, touch bool) (Principal, error) {
	body, err := json.Marshal(ValidateRequest{Token: token, Touch: touch})
	if err != nil {
		return Principal{}, fmt.Errorf("encode validate request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+ValidatePath, bytes.NewReader(body))
	if err != nil {
		return Principal{}, fmt.Errorf("build validate request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusOK:
		var p Principal
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			return Principal{}, fmt.Errorf("%w: decode principal: %v", ErrUnavailable, err)
		}
		return p, nil
	case http.StatusUnauthorized, http.StatusNotFound:
		return Principal{}, ErrInvalidSession
	default:
		return Principal{}, fmt.Errorf("%w: validate answered %d", ErrUnavailable, resp.StatusCode)
	}
}

// Ping checks that the session service answers (for readiness).
func (c *SessionClient) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("session readyz answered %d", resp.StatusCode)
	}
	return nil
}

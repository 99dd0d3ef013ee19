package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
)

// demoUser is an account `make run` creates so every product can be tried at once.
type demoUser struct {
	Username, Password, FullName, Role string
}

func demoUsers() []demoUser {
	return []demoUser{
		{Username: "demo", Password: "planta-demo-2026", FullName: "Constructora Demo S.A.C.", Role: "cliente"},
		{Username: "campus", Password: "planta-campus-2026", FullName: "Administração do Campus", Role: "admin"},
	}
}

// seedDemo creates the demo accounts through identity's internal API (idempotently) and
// loads each product's demo data with the services' own seed-demo subcommands.
func seedDemo(ctx context.Context, binDir string, env []string) error {
	ids := map[string]string{}
	for _, u := range demoUsers() {
		id, err := ensureUser(ctx, u)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		ids[u.Username] = id
	}
	if err := runOnce(ctx, filepath.Join(binDir, "inventory"), env, "seed-demo", "--tenant", ids["demo"]); err != nil {
		return fmt.Errorf("inventory seed-demo: %w", err)
	}
	if err := runOnce(ctx, filepath.Join(binDir, "allocation"), env, "seed-demo"); err != nil {
		return fmt.Errorf("allocation seed-demo: %w", err)
	}
	return nil
}

func ensureUser(ctx context.Context, u demoUser) (string, error) {
	const identity = "http://127.0.0.1:9101/internal/v1/users"
	body, _ := json.Marshal(map[string]any{
		"username": u.Username, "email": u.Username + "@planta.local", "full_name": u.FullName,
		"role": u.Role, "password": u.Password, "must_change_password": false,
	})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, identity, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var created struct {
		ID string `json:"id"`
	}
	switch resp.StatusCode {
	case http.StatusCreated:
		err := json.NewDecoder(resp.Body).Decode(&created)
		return created.ID, err
	case http.StatusConflict:
		get, _ := http.NewRequestWithContext(ctx, http.MethodGet, identity+"/by-username/"+u.Username, nil)
		resp2, err := http.DefaultClient.Do(get)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp2.Body.Close() }()
		if resp2.StatusCode != http.StatusOK {
			return "", fmt.Errorf("look up existing user: status %d", resp2.StatusCode)
		}
		err = json.NewDecoder(resp2.Body).Decode(&created)
		return created.ID, err
	default:
		var p struct{ Detail string }
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return "", fmt.Errorf("create: status %d: %s", resp.StatusCode, p.Detail)
	}
}

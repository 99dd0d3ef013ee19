package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ensureDatabase creates the database named in dbURL when it does not exist yet, by
// connecting to the same server's maintenance database.
func ensureDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return fmt.Errorf("parse PLANTA_POSTGRES_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("PLANTA_POSTGRES_URL names no database")
	}
	maint := *u
	maint.Path = "/postgres"
	conn, err := pgx.Connect(ctx, maint.String())
	if err != nil {
		return fmt.Errorf("connect to postgres at %s: %w", u.Redacted(), err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	fmt.Printf("  created database %s\n", name)
	return nil
}

// superadminState is what the banner may say about the seeded superadmin's password.
type superadminState int

const (
	// superadminUnknown: the row could not be read; the banner stays non-committal.
	superadminUnknown superadminState = iota
	// superadminDefault: still the dev-mode initial password, to be changed at first login.
	superadminDefault
	// superadminChanged: the must-change flag is cleared or the password was set since
	// (changed by its owner, or reset by another superadmin): the dev default is wrong.
	superadminChanged
)

// readSuperadminState reads identity's seeded superadmin: whether its password is still
// the initial one. Any error (no identity schema yet, no row) is superadminUnknown.
func readSuperadminState(ctx context.Context, dbURL string) superadminState {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return superadminUnknown
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var mustChange, changedSince bool
	err = conn.QueryRow(ctx, `SELECT must_change_password, password_changed_at > created_at
		FROM identity.users WHERE seeded AND deleted_at IS NULL`).Scan(&mustChange, &changedSince)
	switch {
	case err != nil:
		return superadminUnknown
	case mustChange && !changedSince:
		return superadminDefault
	default:
		return superadminChanged
	}
}

// devSuperadminPassword is identity's dev-mode initial password (services/identity,
// DevSuperadminPassword), used when PLANTA_SUPERADMIN_PASSWORD is not set.
const devSuperadminPassword = "Admin123!"

// superadminLine is the banner's superadmin line. It names a password only while the
// account still has its initial one; initial is PLANTA_SUPERADMIN_PASSWORD when set
// (then it is not echoed), else the dev default.
func superadminLine(st superadminState, initialFromEnv bool) string {
	const who = `username "superadmin", `
	switch {
	case st == superadminChanged:
		return who + "password changed since the first start (not " + devSuperadminPassword + " any more)"
	case st == superadminDefault && initialFromEnv:
		return who + "password from PLANTA_SUPERADMIN_PASSWORD (change it at first login)"
	case st == superadminDefault:
		return who + `password "` + devSuperadminPassword + `" (change it at first login)`
	case initialFromEnv:
		return who + "initial password from PLANTA_SUPERADMIN_PASSWORD, unless changed since"
	default:
		return who + `initial password "` + devSuperadminPassword + `", unless changed since`
	}
}

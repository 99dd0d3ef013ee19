// Package store is identity's Postgres persistence (schema identity): accounts and the
// access log. SQL lives here and nowhere else.
package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/planta-dev/planta/services/identity/internal/user"
)

// Users implements user.Store.
type Users struct{ pool *pgxpool.Pool }

// NewUsers returns the account store.
func NewUsers(pool *pgxpool.Pool) *Users { return &Users{pool: pool} }

var _ user.Store = (*Users)(nil)

const userColumns = `id::text, username, email, full_name, role, active, password_hash, must_change_password,
	declarative, seeded, deleted_at, created_at, updated_at, password_changed_at`

func scanUser(row pgx.Row) (user.User, error) {
	var u user.User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FullName, &role, &u.Active, &u.PasswordHash,
		&u.MustChangePassword, &u.Declarative, &u.Seeded, &u.DeletedAt, &u.CreatedAt, &u.UpdatedAt, &u.PasswordChangedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return user.User{}, user.ErrNotFound
	}
	if err != nil {
		return user.User{}, err
	}
	u.Role = user.Role(role)
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), u.PasswordChangedAt.UTC()
	return u, nil
}

// validUUID avoids sending a malformed id to Postgres (which would answer with a cast
// error instead of "not found").
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
		default:
			return false
		}
	}
	return true
}

// ByID implements user.Store.
func (s *Users) ByID(ctx context.Context, id string) (user.User, error) {
	if !validUUID(id) {
		return user.User{}, user.ErrNotFound
	}
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users WHERE id = $1 AND deleted_at IS NULL`, id))
}

// ByLogin implements user.Store.
func (s *Users) ByLogin(ctx context.Context, login string) (user.User, error) {
	col := "lower(username)"
	if strings.Contains(login, "@") {
		col = "lower(email)"
	}
	return scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users WHERE `+col+` = lower($1) AND deleted_at IS NULL`, login))
}

// mapWriteError turns constraint and trigger errors into domain errors.
func mapWriteError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == "23505" && pgErr.ConstraintName == "users_username_key":
		return user.ErrUsernameTaken
	case pgErr.Code == "23505" && pgErr.ConstraintName == "users_email_key":
		return user.ErrEmailTaken
	case pgErr.Code == "PL001":
		return fmt.Errorf("%w (%s)", user.ErrProtected, pgErr.Message)
	}
	return err
}

// Create implements user.Store.
func (s *Users) Create(ctx context.Context, u user.User) (user.User, error) {
	row := s.pool.QueryRow(ctx, `INSERT INTO identity.users
		(username, email, full_name, role, active, password_hash, must_change_password, declarative)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+userColumns,
		u.Username, u.Email, u.FullName, string(u.Role), u.Active, u.PasswordHash, u.MustChangePassword, u.Declarative)
	out, err := scanUser(row)
	if err != nil {
		return user.User{}, mapWriteError(err)
	}
	return out, nil
}

// Update implements user.Store.
func (s *Users) Update(ctx context.Context, id string, change func(u *user.User, others user.SuperadminCounter) error) (user.User, error) {
	if !validUUID(id) {
		return user.User{}, user.ErrNotFound
	}
	var out user.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id))
		if err != nil {
			return err
		}
		others := func(ctx context.Context) (int, error) {
			// Lock the other active superadmins too: two concurrent demotions of the
			// last two superadmins must not both succeed.
			rows, err := tx.Query(ctx, `SELECT id FROM identity.users
				WHERE role = 'superadmin' AND active AND deleted_at IS NULL AND id <> $1 FOR UPDATE`, id)
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
			}
			return n, rows.Err()
		}
		if err := change(&u, others); err != nil {
			return err
		}
		out, err = scanUser(tx.QueryRow(ctx, `UPDATE identity.users SET
			email = $2, full_name = $3, role = $4, active = $5, password_hash = $6, must_change_password = $7,
			deleted_at = $8, password_changed_at = $9, updated_at = now()
			WHERE id = $1 RETURNING `+userColumns,
			id, u.Email, u.FullName, string(u.Role), u.Active, u.PasswordHash, u.MustChangePassword, u.DeletedAt, u.PasswordChangedAt))
		return err
	})
	if err != nil {
		return user.User{}, mapWriteError(err)
	}
	return out, nil
}

type userCursor struct {
	created time.Time
	id      string
}

func encodeCursor(u user.User) string {
	return base64.RawURLEncoding.EncodeToString([]byte(u.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + u.ID))
}

// ErrBadCursor means a pagination cursor was not produced by this service.
var ErrBadCursor = errors.New("invalid cursor")

func decodeCursor(s string) (userCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return userCursor{}, ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(b), "|")
	t, terr := time.Parse(time.RFC3339Nano, ts)
	if !ok || terr != nil || !validUUID(id) {
		return userCursor{}, ErrBadCursor
	}
	return userCursor{created: t, id: id}, nil
}

// List implements user.Store.
func (s *Users) List(ctx context.Context, f user.ListFilter) ([]user.User, string, error) {
	where := []string{"deleted_at IS NULL"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Role != "" {
		where = append(where, "role = "+arg(string(f.Role)))
	}
	if f.Active != nil {
		where = append(where, "active = "+arg(*f.Active))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Escape LIKE metacharacters: the search is for the text typed, not a pattern.
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q))
		p := arg("%" + esc + "%")
		where = append(where, fmt.Sprintf("(lower(username) LIKE %[1]s OR lower(email) LIKE %[1]s OR lower(full_name) LIKE %[1]s)", p))
	}
	if f.OnlyIDs != nil {
		where = append(where, "id::text = ANY("+arg(f.OnlyIDs)+")")
	}
	if len(f.ExcludeIDs) > 0 {
		where = append(where, "NOT (id::text = ANY("+arg(f.ExcludeIDs)+"))")
	}
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s::uuid)", arg(c.created), arg(c.id)))
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM identity.users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []user.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1])
	}
	return out, next, nil
}

// EnsureSeeded implements user.Store.
func (s *Users) EnsureSeeded(ctx context.Context, email, hash string, mustChange bool) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO identity.users
		(username, email, full_name, role, active, password_hash, must_change_password, seeded)
		VALUES ($1, $2, 'Superadmin', 'superadmin', true, $3, $4, true)
		ON CONFLICT DO NOTHING`, user.SeededUsername, email, hash, mustChange)
	if err != nil {
		return false, mapWriteError(err)
	}
	return tag.RowsAffected() == 1, nil
}

// SyncDeclarative implements user.Store, in one transaction.
func (s *Users) SyncDeclarative(ctx context.Context, declared []user.User) ([]string, error) {
	var changed []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One sync at a time (several replicas start together).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('planta.identity.declarative'))`); err != nil {
			return err
		}
		keep := make([]string, 0, len(declared))
		for _, d := range declared {
			keep = append(keep, strings.ToLower(d.Username))
			cur, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM identity.users WHERE lower(username) = lower($1) FOR UPDATE`, d.Username))
			switch {
			case errors.Is(err, user.ErrNotFound):
				if _, err := tx.Exec(ctx, `INSERT INTO identity.users
					(username, email, full_name, role, active, password_hash, must_change_password, declarative)
					VALUES ($1, $2, $3, $4, true, $5, false, true)`,
					d.Username, d.Email, d.FullName, string(d.Role), d.PasswordHash); err != nil {
					return fmt.Errorf("declare %s: %w", d.Username, mapWriteError(err))
				}
				continue
			case err != nil:
				return err
			}
			if !cur.Declarative {
				return fmt.Errorf("declare %s: an account with this username exists and is not declarative", d.Username)
			}
			if cur.Role != d.Role || cur.PasswordHash != d.PasswordHash || !cur.Active || cur.DeletedAt != nil {
				changed = append(changed, cur.ID)
			}
			if _, err := tx.Exec(ctx, `UPDATE identity.users SET email = $2, full_name = $3, role = $4, active = true,
				password_hash = $5, must_change_password = false, deleted_at = NULL, updated_at = now(),
				password_changed_at = CASE WHEN password_hash = $5 THEN password_changed_at ELSE now() END
				WHERE id = $1`, cur.ID, d.Email, d.FullName, string(d.Role), d.PasswordHash); err != nil {
				return fmt.Errorf("declare %s: %w", d.Username, mapWriteError(err))
			}
		}
		rows, err := tx.Query(ctx, `UPDATE identity.users SET active = false, updated_at = now()
			WHERE declarative AND active AND NOT (lower(username) = ANY($1)) RETURNING id::text`, keep)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		changed = append(changed, ids...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

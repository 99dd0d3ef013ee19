package standin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/authn"
	"github.com/planta-dev/planta/libs/problem"

	"github.com/planta-dev/planta/services/admin/internal/identityclient"
)

// SeededSuperadminID is the id of the stand-in's seeded "superadmin" account.
const SeededSuperadminID = "u-superadmin"

// Identity is a stand-in of the identity service's internal API as the admin service's
// identityclient speaks it: users, lockouts and the access log. It enforces identity's
// account rules: usernames and emails unique (case-insensitive), the seeded superadmin is
// never deleted, disabled or demoted, nor is the last active superadmin.
type Identity struct {
	*httptest.Server
	mu        sync.Mutex
	users     map[string]*identityclient.User
	deleted   map[string]bool
	passwords map[string]string
	order     []string
	accessLog []identityclient.AccessLogEntry
	calls     []string
	nextID    int
}

// NewIdentity starts the stand-in with the seeded superadmin; it stops when t ends.
func NewIdentity(t testing.TB) *Identity {
	s := &Identity{users: map[string]*identityclient.User{}, deleted: map[string]bool{}, passwords: map[string]string{}}
	s.Add(identityclient.User{ID: SeededSuperadminID, Username: "superadmin", Email: "admin@planta.test",
		FullName: "Superadmin", Role: authn.RoleSuperadmin, Active: true, Seeded: true})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /internal/v1/users", s.list)
	mux.HandleFunc("POST /internal/v1/users", s.create)
	mux.HandleFunc("GET /internal/v1/users/{id}", s.withUser(func(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
		writeJSON(w, http.StatusOK, u)
	}))
	mux.HandleFunc("PATCH /internal/v1/users/{id}", s.withUser(s.update))
	mux.HandleFunc("DELETE /internal/v1/users/{id}", s.withUser(s.delete))
	mux.HandleFunc("POST /internal/v1/users/{id}/disable", s.withUser(s.disable))
	mux.HandleFunc("POST /internal/v1/users/{id}/enable", s.withUser(func(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
		u.Active = true
		writeJSON(w, http.StatusOK, u)
	}))
	mux.HandleFunc("POST /internal/v1/users/{id}/reset-password", s.withUser(func(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
		u.MustChangePassword, u.Locked, u.LockedUntil = true, false, nil
		writeJSON(w, http.StatusOK, identityclient.PasswordReset{User: *u, TemporaryPassword: randomString(12)})
	}))
	mux.HandleFunc("POST /internal/v1/users/{id}/unlock", s.withUser(func(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
		u.Locked, u.LockedUntil = false, nil
		writeJSON(w, http.StatusOK, u)
	}))
	mux.HandleFunc("GET /internal/v1/lockouts", s.lockouts)
	mux.HandleFunc("GET /internal/v1/access-log", s.accessLogs)
	mux.HandleFunc("GET /internal/v1/access-log/kpis", s.kpis)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls = append(s.calls, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Add stores a user (tests seed accounts with it) and returns it.
func (s *Identity) Add(u identityclient.User) identityclient.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		s.nextID++
		u.ID = fmt.Sprintf("u-%04d", s.nextID)
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now().UTC()
	}
	u.UpdatedAt = u.CreatedAt
	s.users[u.ID] = &u
	s.order = append(s.order, u.ID)
	return u
}

// User returns the stored account.
func (s *Identity) User(id string) identityclient.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.users[id]
}

// Password returns the password an account was created with (tests check that the
// temporary password the admin API answered is the one identity stored).
func (s *Identity) Password(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passwords[id]
}

// Lock locks an account until t.
func (s *Identity) Lock(id string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	u.Locked, u.LockedUntil = true, &until
}

// AddAccess appends an access log entry (newest last).
func (s *Identity) AddAccess(e identityclient.AccessLogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.ID = int64(len(s.accessLog) + 1)
	s.accessLog = append(s.accessLog, e)
}

// Calls lists "METHOD path" of every call received.
func (s *Identity) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// Writes lists the calls that could change something.
func (s *Identity) Writes() []string {
	var out []string
	for _, c := range s.Calls() {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}

func (s *Identity) withUser(h func(http.ResponseWriter, *http.Request, *identityclient.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.users[r.PathValue("id")]
		if u == nil || s.deleted[u.ID] {
			problem.Write(w, r, problem.NotFound("user"))
			return
		}
		h(w, r, u)
	}
}

func (s *Identity) activeSuperadmins() int {
	n := 0
	for _, u := range s.users {
		if u.Role == authn.RoleSuperadmin && u.Active && !s.deleted[u.ID] {
			n++
		}
	}
	return n
}

// protect refuses taking superadmin power away from the seeded account or the last
// active superadmin.
func (s *Identity) protect(w http.ResponseWriter, r *http.Request, u *identityclient.User) bool {
	if u.ID == SeededSuperadminID {
		problem.Write(w, r, problem.Conflict("protected-account", "the seeded superadmin can never be deleted, disabled or demoted"))
		return false
	}
	if u.Role == authn.RoleSuperadmin && u.Active && s.activeSuperadmins() <= 1 {
		problem.Write(w, r, problem.Conflict("last-superadmin", "the last active superadmin cannot be deleted, disabled or demoted"))
		return false
	}
	return true
}

func (s *Identity) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("cursor"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 50
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []identityclient.User
	for _, id := range s.order {
		u := s.users[id]
		if s.deleted[u.ID] ||
			(q.Get("role") != "" && string(u.Role) != q.Get("role")) ||
			(q.Get("active") != "" && strconv.FormatBool(u.Active) != q.Get("active")) ||
			(q.Get("locked") != "" && strconv.FormatBool(u.Locked) != q.Get("locked")) ||
			(q.Get("q") != "" && !strings.Contains(strings.ToLower(u.Username+" "+u.Email+" "+u.FullName), strings.ToLower(q.Get("q")))) {
			continue
		}
		match = append(match, *u)
	}
	page := identityclient.Page[identityclient.User]{Items: []identityclient.User{}}
	if offset < len(match) {
		end := min(offset+limit, len(match))
		page.Items = match[offset:end]
		if end < len(match) {
			page.NextCursor = strconv.Itoa(end)
		}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Identity) create(w http.ResponseWriter, r *http.Request) {
	var req identityclient.NewUser
	if err := decodeStrict(r, &req); err != nil {
		problem.Write(w, r, problem.BadRequest(err.Error()))
		return
	}
	if len(req.Username) < 3 {
		problem.Write(w, r, problem.Field("username", "3-32 characters of a-z 0-9 _"))
		return
	}
	s.mu.Lock()
	for _, u := range s.users {
		if strings.EqualFold(u.Username, req.Username) {
			s.mu.Unlock()
			problem.Write(w, r, problem.Conflict("username-taken", "username is taken"))
			return
		}
		if strings.EqualFold(u.Email, req.Email) {
			s.mu.Unlock()
			problem.Write(w, r, problem.Conflict("email-taken", "email is taken"))
			return
		}
	}
	s.mu.Unlock()
	if len(req.Password) < 8 || len(req.Password) > 72 || strings.EqualFold(req.Password, req.Username) {
		problem.Write(w, r, problem.Field("password", "must be 8-72 bytes and not the username"))
		return
	}
	u := s.Add(identityclient.User{Username: req.Username, Email: req.Email, FullName: req.FullName, Role: req.Role,
		Active: true, MustChangePassword: req.MustChangePassword})
	s.mu.Lock()
	s.passwords[u.ID] = req.Password
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, u)
}

func (s *Identity) update(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
	var ch identityclient.UserChange
	if err := decodeStrict(r, &ch); err != nil {
		problem.Write(w, r, problem.BadRequest(err.Error()))
		return
	}
	if ch.FullName != nil && strings.TrimSpace(*ch.FullName) == "" {
		// Like identity: an account keeps a name.
		problem.Write(w, r, problem.Field("full_name", "is required"))
		return
	}
	if ch.Role != nil && *ch.Role != u.Role && u.Role == authn.RoleSuperadmin && !s.protect(w, r, u) {
		return
	}
	if ch.FullName != nil {
		u.FullName = *ch.FullName
	}
	if ch.Email != nil {
		u.Email = *ch.Email
	}
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	u.UpdatedAt = time.Now().UTC()
	writeJSON(w, http.StatusOK, u)
}

func (s *Identity) disable(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
	if !s.protect(w, r, u) {
		return
	}
	u.Active = false
	writeJSON(w, http.StatusOK, u)
}

func (s *Identity) delete(w http.ResponseWriter, r *http.Request, u *identityclient.User) {
	if !s.protect(w, r, u) {
		return
	}
	s.deleted[u.ID], u.Active = true, false
	w.WriteHeader(http.StatusNoContent)
}

func (s *Identity) lockouts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []identityclient.Lockout{}
	for _, id := range s.order {
		u := s.users[id]
		if u.Locked && u.LockedUntil != nil && u.LockedUntil.After(time.Now()) {
			items = append(items, identityclient.Lockout{User: *u, LockedUntil: *u.LockedUntil,
				RemainingSeconds: max(1, int(time.Until(*u.LockedUntil).Round(time.Second).Seconds()))})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Identity) filtered(r *http.Request) []identityclient.AccessLogEntry {
	q := r.URL.Query()
	from, _ := time.Parse(time.RFC3339Nano, q.Get("from"))
	to, _ := time.Parse(time.RFC3339Nano, q.Get("to"))
	var out []identityclient.AccessLogEntry
	for _, e := range slices.Backward(s.accessLog) {
		if (q.Get("user_id") != "" && e.UserID != q.Get("user_id")) ||
			(q.Get("username") != "" && !strings.EqualFold(e.Username, q.Get("username"))) ||
			(q.Get("outcome") != "" && e.Outcome != q.Get("outcome")) ||
			(q.Get("ip") != "" && e.IP != q.Get("ip")) ||
			(!from.IsZero() && e.At.Before(from)) || (!to.IsZero() && !e.At.Before(to)) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (s *Identity) accessLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 50
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	page := identityclient.Page[identityclient.AccessLogEntry]{Items: []identityclient.AccessLogEntry{}}
	for _, e := range s.filtered(r) {
		if before > 0 && e.ID >= before {
			continue
		}
		if len(page.Items) == limit {
			page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
			break
		}
		page.Items = append(page.Items, e)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Identity) kpis(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var k identityclient.KPIs
	k.From, _ = time.Parse(time.RFC3339Nano, r.URL.Query().Get("from"))
	k.To, _ = time.Parse(time.RFC3339Nano, r.URL.Query().Get("to"))
	users := map[string]bool{}
	for _, e := range s.filtered(r) {
		k.Attempts++
		if e.Outcome == "success" {
			k.Successes++
		} else {
			k.Failures++
		}
		users[strings.ToLower(e.Username)] = true
	}
	k.DistinctUsers = int64(len(users))
	if k.Attempts > 0 {
		k.SuccessRate = float64(k.Successes) / float64(k.Attempts)
	}
	writeJSON(w, http.StatusOK, k)
}

package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/identity/internal/identitytest"
)

type E = identitytest.Env
type R = identitytest.Request

func newEnv(t *testing.T, vars map[string]string) *E {
	return identitytest.New(t, identitytest.Options{Vars: vars})
}

func passwordHash(t *testing.T, e *E, username string) string {
	t.Helper()
	var h string
	if err := e.Pool.QueryRow(context.Background(), `SELECT password_hash FROM identity.users WHERE lower(username)=lower($1)`, username).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLoginSetsHostCookieAndReturnsToken(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("acme", "cliente", "acme-secret-pw")
	rec := e.Login("ACME", "acme-secret-pw") // usernames are case-insensitive
	if rec.Code != 200 {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Token              string    `json:"token"`
		MustChangePassword bool      `json:"must_change_password"`
		ExpiresAt          time.Time `json:"expires_at"`
		User               struct {
			Username string `json:"username"`
			Role     string `json:"role"`
		} `json:"user"`
	}
	identitytest.Decode(t, rec, &out)
	if out.Token == "" || out.User.Username != "acme" || out.User.Role != "cliente" || out.MustChangePassword || out.ExpiresAt.IsZero() {
		t.Fatalf("login body: %+v", out)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if c.Name != "__Host-planta_session" || c.Value != out.Token || !c.HttpOnly || !c.Secure ||
		c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie attributes: %+v", c)
	}
	if d := time.Duration(c.MaxAge) * time.Second; d < 11*time.Hour || d > 12*time.Hour {
		t.Fatalf("Max-Age %v, want the absolute lifetime (12h)", d)
	}
	// The token works, then logout revokes it and clears the cookie.
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: out.Token}); rec.Code != 200 {
		t.Fatalf("me: %d", rec.Code)
	}
	rec = e.Do(R{Method: "POST", Path: "/api/v1/auth/logout", Token: out.Token})
	if rec.Code != 204 || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %v", rec.Code, rec.Header())
	}
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: out.Token}); rec.Code != 401 {
		t.Fatalf("me after logout: %d", rec.Code)
	}
}

func TestLoginAcceptsFormEncoding(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("former", "admin", "form-pass-word")
	rec := e.Do(R{Method: "POST", Path: "/api/v1/auth/login", Form: "username=former&password=form-pass-word"})
	if rec.Code != 200 {
		t.Fatalf("form login: %d %s", rec.Code, rec.Body)
	}
}

// The four failure cases answer byte-identically and spend exactly one bcrypt compare.
func TestFailuresAreIndistinguishable(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("wrongpw", "cliente", "right-pass-word")
	e.CreateUser("lockedout", "cliente", "right-pass-word")
	id := e.CreateUser("disabled", "cliente", "right-pass-word")
	for i := 0; i < 5; i++ {
		e.Login("lockedout", "bad-guess-"+string(rune('a'+i)))
	}
	if rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + id + "/disable"}); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	cases := map[string][2]string{
		"unknown user":   {"nobody-here", "whatever-pass"},
		"wrong password": {"wrongpw", "whatever-pass"},
		"locked":         {"lockedout", "right-pass-word"}, // even the right password
		"disabled":       {"disabled", "right-pass-word"},
	}
	type answer struct {
		status int
		body   string
		header http.Header
	}
	var first *answer
	for name, c := range cases {
		before := e.Hasher.Total()
		rec := e.Login(c[0], c[1])
		if n := e.Hasher.Total() - before; n != 1 {
			t.Errorf("%s: %d bcrypt compares, want exactly 1", name, n)
		}
		a := &answer{rec.Code, rec.Body.String(), rec.Header()}
		if a.status != 401 || !strings.Contains(a.body, "invalid-credentials") {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
		if first == nil {
			first = a
			continue
		}
		if a.status != first.status || a.body != first.body {
			t.Errorf("%s answers %d %q, others %d %q", name, a.status, a.body, first.status, first.body)
		}
		if len(a.header) != len(first.header) {
			t.Errorf("%s headers %v vs %v", name, a.header, first.header)
		}
		for k := range first.header {
			if a.header.Get(k) != first.header.Get(k) {
				t.Errorf("%s header %s = %q vs %q", name, k, a.header.Get(k), first.header.Get(k))
			}
		}
	}
	// The access log knows the difference.
	var outcomes []string
	rows, _ := e.Pool.Query(context.Background(), `SELECT outcome FROM identity.access_log ORDER BY id DESC LIMIT 4`)
	for rows.Next() {
		var o string
		_ = rows.Scan(&o)
		outcomes = append(outcomes, o)
	}
	got := strings.Join(outcomes, ",")
	for _, want := range []string{"bad_credentials", "locked", "disabled"} {
		if !strings.Contains(got, want) {
			t.Errorf("access log outcomes %s lack %s", got, want)
		}
	}
}

func TestFiftyParallelWrongPasswordsCostAtMostFiveRealCompares(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("target", "cliente", "the-real-password")
	hash := passwordHash(t, e, "target")
	e.Hasher.Reset()
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes <- e.Login("target", "guess-number-"+string(rune('A'+i))).Code
		}(i)
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 401 {
			t.Errorf("parallel guess answered %d", c)
		}
	}
	if n := e.Hasher.Against(hash); n > 5 {
		t.Fatalf("%d compares against the account's hash, want <= 5", n)
	}
	if n := e.Hasher.Total(); n != 50 {
		t.Fatalf("%d compares in total, want 50 (one per attempt, equal cost)", n)
	}
	// And the account is now locked: the right password is refused.
	if rec := e.Login("target", "the-real-password"); rec.Code != 401 {
		t.Fatalf("right password after 5 failures: %d", rec.Code)
	}
}

func TestLockoutAutoUnlockAndReset(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("lock-me", "cliente", "the-real-password")
	for i := 0; i < 4; i++ {
		e.Login("lock-me", "wrong-password-x")
	}
	e.MustLogin("lock-me", "the-real-password") // success resets the run
	for i := 0; i < 4; i++ {
		e.Login("lock-me", "wrong-password-x")
	}
	if rec := e.Login("lock-me", "the-real-password"); rec.Code != 200 {
		t.Fatalf("4 failures after a success must not lock: %d", rec.Code)
	}
	for i := 0; i < 5; i++ {
		e.Login("lock-me", "wrong-password-x")
	}
	if rec := e.Login("lock-me", "the-real-password"); rec.Code != 401 {
		t.Fatalf("locked account accepted the right password: %d", rec.Code)
	}
	e.Clock.Advance(14 * time.Minute)
	e.Login("lock-me", "wrong-password-x") // while locked: must not extend
	e.Clock.Advance(time.Minute)
	if rec := e.Login("lock-me", "the-real-password"); rec.Code != 200 {
		t.Fatalf("must auto-unlock after 15 minutes: %d", rec.Code)
	}
	var lockouts int
	_ = e.Pool.QueryRow(context.Background(), `SELECT count(*) FROM identity.access_log WHERE username='lock-me' AND outcome='locked'`).Scan(&lockouts)
	if lockouts != 2 {
		t.Fatalf("access log has %d locked outcomes, want 2", lockouts)
	}
}

func TestOverlongPasswordIsRejectedNotTruncated(t *testing.T) {
	e := newEnv(t, nil)
	pw72 := strings.Repeat("p", 71) + "q"
	e.CreateUser("longpw", "cliente", pw72)
	if rec := e.Login("longpw", pw72+"!"); rec.Code != 401 {
		t.Fatalf("73-byte password whose first 72 bytes match: %d", rec.Code)
	}
	e.MustLogin("longpw", pw72)
	rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users", JSON: map[string]any{
		"username": "longer", "email": "longer@example.com", "full_name": "L", "role": "cliente", "password": pw72 + "!",
	}})
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"password"`) {
		t.Fatalf("creating with 73 bytes: %d %s", rec.Code, rec.Body)
	}
}

func TestDisabledUserCannotLoginAndLosesSessions(t *testing.T) {
	e := newEnv(t, nil)
	id := e.CreateUser("soon-off", "cliente", "some-pass-word")
	tok := e.MustLogin("soon-off", "some-pass-word")
	if rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + id + "/disable"}); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	if rec := e.Do(R{Method: "GET", Path: "/api/v1/me", Token: tok}); rec.Code != 401 {
		t.Fatalf("disabled user's token still works: %d", rec.Code)
	}
	if rec := e.Login("soon-off", "some-pass-word"); rec.Code != 401 {
		t.Fatalf("disabled user logged in: %d", rec.Code)
	}
	if rec := e.DoInternal(R{Method: "POST", Path: "/internal/v1/users/" + id + "/enable"}); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	e.MustLogin("soon-off", "some-pass-word")
}

func TestTokensAndPasswordsNeverLogged(t *testing.T) {
	e := newEnv(t, nil)
	e.CreateUser("logged", "cliente", "logged-pass-word")
	tok := e.MustLogin("logged", "logged-pass-word")
	e.Login("logged", "wrong-secret-guess")
	e.Do(R{Method: "POST", Path: "/api/v1/me/password", Token: tok, JSON: map[string]string{
		"current_password": "logged-pass-word", "new_password": "brand-new-secret"}})
	e.Sessions.SetDown(true)
	e.Login("logged", "brand-new-secret") // errors get logged
	e.Do(R{Method: "POST", Path: "/api/v1/auth/logout", Token: tok})
	logs := e.Logs()
	if logs == "" {
		t.Fatal("expected some log output (the session service was down)")
	}
	for _, secret := range []string{tok, "logged-pass-word", "wrong-secret-guess", "brand-new-secret", "$2a$"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain a secret %q:\n%s", secret, logs)
		}
	}
}

func TestAccessLogRowsAndTrustedProxies(t *testing.T) {
	e := newEnv(t, map[string]string{"PLANTA_TRUSTED_PROXIES": "10.0.0.0/8"})
	id := e.CreateUser("visitor", "cliente", "visitor-pass-word")
	login := func(remote, xff, pw string) {
		e.Do(R{Method: "POST", Path: "/api/v1/auth/login", RemoteAddr: remote,
			Header: map[string]string{"X-Forwarded-For": xff, "User-Agent": "test-agent/1"},
			JSON:   map[string]string{"username": "visitor", "password": pw}})
	}
	login("10.1.2.3:5000", "1.1.1.1, 203.0.113.9", "visitor-pass-word") // via our proxy: rightmost untrusted hop
	login("198.51.100.20:5000", "203.0.113.77", "bad-pass-word")        // direct: XFF is a lie
	login("10.1.2.3:5000", "203.0.113.5, 10.9.9.9", "bad-pass-word")    // two trusted hops
	type row struct{ outcome, ip, userID, ua string }
	rows, err := e.Pool.Query(context.Background(), `SELECT outcome, host(ip), coalesce(user_id::text,''), user_agent
		FROM identity.access_log WHERE username='visitor' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []row
	for rows.Next() {
		var r row
		_ = rows.Scan(&r.outcome, &r.ip, &r.userID, &r.ua)
		got = append(got, r)
	}
	want := []row{{"success", "203.0.113.9", id, "test-agent/1"}, {"bad_credentials", "198.51.100.20", id, "test-agent/1"},
		{"bad_credentials", "203.0.113.5", id, "test-agent/1"}}
	if len(got) != len(want) {
		t.Fatalf("rows %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	var unknownUID *string
	e.Login("ghost-user", "whatever-pass")
	_ = e.Pool.QueryRow(context.Background(), `SELECT user_id::text FROM identity.access_log WHERE username='ghost-user'`).Scan(&unknownUID)
	if unknownUID != nil {
		t.Fatal("unknown user must have no user id")
	}
}

func TestPerIPRateLimit(t *testing.T) {
	e := newEnv(t, map[string]string{"PLANTA_LOGIN_RATE_LIMIT": "3", "PLANTA_LOGIN_RATE_WINDOW": "1m"})
	for i := 0; i < 3; i++ {
		if rec := e.Login("anyone", "some-pass-word"); rec.Code != 401 {
			t.Fatalf("attempt %d: %d", i, rec.Code)
		}
	}
	rec := e.Login("anyone", "some-pass-word")
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d %v", rec.Code, rec.Header())
	}
	// Another client address is unaffected.
	other := e.Do(R{Method: "POST", Path: "/api/v1/auth/login", RemoteAddr: "192.0.2.50:1",
		JSON: map[string]string{"username": "anyone", "password": "some-pass-word"}})
	if other.Code != 401 {
		t.Fatalf("other IP: %d", other.Code)
	}
	var n int
	_ = e.Pool.QueryRow(context.Background(), `SELECT count(*) FROM identity.access_log WHERE outcome='rate_limited'`).Scan(&n)
	if n != 1 {
		t.Fatalf("rate_limited rows %d", n)
	}
	e.Clock.Advance(time.Minute)
	if rec := e.Login("anyone", "some-pass-word"); rec.Code != 401 {
		t.Fatalf("next window: %d", rec.Code)
	}
}

func TestLoginFloodGetsFast429(t *testing.T) {
	e := identitytest.New(t, identitytest.Options{Vars: map[string]string{
		"PLANTA_BCRYPT_CONCURRENCY": "1", "PLANTA_BCRYPT_QUEUE": "0"}})
	e.CreateUser("flood", "cliente", "flood-pass-word")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := e.Login("flood", "flood-pass-word")
			mu.Lock()
			codes[rec.Code]++
			if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] == 0 || codes[429] == 0 || codes[200]+codes[429] != 20 {
		t.Fatalf("codes %v: want some 200 and some 429 only", codes)
	}
}

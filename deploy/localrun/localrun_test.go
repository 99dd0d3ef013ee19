package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/pgxx/pgxtest"

	"github.com/jackc/pgx/v5"
)

// TestIngressListensOnLoopbackByDefault: `make run` is dev mode with a well-known
// superadmin password; its ingress must not be reachable from the network unless asked.
func TestIngressListensOnLoopbackByDefault(t *testing.T) {
	t.Setenv("PLANTA_INGRESS_ADDR", "")
	addr := envOr("PLANTA_INGRESS_ADDR", defaultIngressAddr)
	if addr != "127.0.0.1:8080" {
		t.Fatalf("default ingress address %q", addr)
	}
	if _, exposed := browseHost(addr); exposed {
		t.Fatalf("%s counted as exposed", addr)
	}
	t.Setenv("PLANTA_INGRESS_ADDR", "0.0.0.0:9000")
	if got := envOr("PLANTA_INGRESS_ADDR", defaultIngressAddr); got != "0.0.0.0:9000" {
		t.Fatalf("PLANTA_INGRESS_ADDR ignored: %q", got)
	}
	for addr, want := range map[string]struct {
		host    string
		exposed bool
	}{
		"127.0.0.1:8080":   {"localhost:8080", false},
		"[::1]:8080":       {"localhost:8080", false},
		"localhost:8080":   {"localhost:8080", false},
		"[::]:8080":        {"localhost:8080", true},
		"0.0.0.0:8080":     {"localhost:8080", true},
		":8080":            {"localhost:8080", true},
		"192.168.1.7:8080": {"192.168.1.7:8080", true},
	} {
		host, exposed := browseHost(addr)
		if host != want.host || exposed != want.exposed {
			t.Errorf("browseHost(%q) = %q, %v; want %q, %v", addr, host, exposed, want.host, want.exposed)
		}
	}
}

// TestSuperadminLine: the banner names the dev password only while it is still valid.
func TestSuperadminLine(t *testing.T) {
	if l := superadminLine(superadminDefault, false); !strings.Contains(l, `"Admin123!"`) || !strings.Contains(l, "change it at first login") {
		t.Errorf("default: %s", l)
	}
	if l := superadminLine(superadminDefault, true); strings.Contains(l, "Admin123!") || !strings.Contains(l, "PLANTA_SUPERADMIN_PASSWORD") {
		t.Errorf("default from env: %s", l)
	}
	for _, env := range []bool{false, true} {
		if l := superadminLine(superadminChanged, env); strings.Contains(l, `password "Admin123!"`) || !strings.Contains(l, "changed") {
			t.Errorf("changed (env %v): %s", env, l)
		}
		if l := superadminLine(superadminUnknown, env); !strings.Contains(l, "unless changed") {
			t.Errorf("unknown (env %v): %s", env, l)
		}
	}
}

// TestReadSuperadminState reads the seeded superadmin's must-change flag on a real
// Postgres (identity's columns, created here: localrun cannot import identity).
func TestReadSuperadminState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dbURL := pgxtest.NewDatabase(t)
	if st := readSuperadminState(ctx, dbURL); st != superadminUnknown {
		t.Fatalf("no identity schema: %v", st)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE SCHEMA identity; CREATE TABLE identity.users (username text NOT NULL, must_change_password boolean NOT NULL DEFAULT false,
		seeded boolean NOT NULL DEFAULT false, deleted_at timestamptz, created_at timestamptz NOT NULL DEFAULT now(),
		password_changed_at timestamptz NOT NULL DEFAULT now())`)
	if st := readSuperadminState(ctx, dbURL); st != superadminUnknown {
		t.Fatalf("no superadmin yet: %v", st)
	}
	exec(`INSERT INTO identity.users (username, must_change_password, seeded) VALUES ('demo', false, false), ('superadmin', true, true)`)
	if st := readSuperadminState(ctx, dbURL); st != superadminDefault {
		t.Fatalf("freshly seeded: %v", st)
	}
	exec(`UPDATE identity.users SET must_change_password = false, password_changed_at = now() + interval '1 minute' WHERE seeded`)
	if st := readSuperadminState(ctx, dbURL); st != superadminChanged {
		t.Fatalf("changed by its owner: %v", st)
	}
	exec(`UPDATE identity.users SET must_change_password = true WHERE seeded`)
	if st := readSuperadminState(ctx, dbURL); st != superadminChanged {
		t.Fatalf("reset by another superadmin (temporary password): %v", st)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestBuiltBinariesNotTracked: `go build` here writes ./localrun and `make build`
// writes bin/; neither may be committed (a 24 MB binary once was).
func TestBuiltBinariesNotTracked(t *testing.T) {
	root := repoRoot(t)
	// The repository is always a git checkout here (make test, .ci/run on a clone).
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is required for this test: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Fatalf("%s is not a git checkout: %v", root, err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "deploy/localrun", "bin").Output()
	if err != nil {
		t.Fatal(err)
	}
	source := regexp.MustCompile(`^deploy/localrun/([^/]+\.(go|md)|go\.mod|go\.sum|testdata/.+)$`)
	for _, f := range strings.Fields(string(out)) {
		if !source.MatchString(f) {
			t.Errorf("%s is tracked: only sources belong in git (git rm --cached %s)", f, f)
		}
	}
	for _, built := range []string{"deploy/localrun/localrun", "bin/localrun", "bin/web"} {
		if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", built).Run(); err != nil {
			t.Errorf("%s is not ignored by .gitignore", built)
		}
	}
	for _, src := range []string{"deploy/localrun/main.go", "deploy/localrun/go.mod"} {
		if err := exec.Command("git", "-C", root, "check-ignore", "-q", "--no-index", src).Run(); err == nil {
			t.Errorf("%s is ignored", src)
		}
	}
}

// TestAptWaitsForTheLock: another apt/dpkg holding the lock must not fail `make deps`:
// every apt-get the scripts run waits for it.
func TestAptWaitsForTheLock(t *testing.T) {
	root := repoRoot(t)
	call := regexp.MustCompile(`\bapt-get\s+`)
	for _, f := range []string{"deploy/local/ensure-infra.sh", "Makefile"} {
		file, err := os.Open(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		n, calls := 0, 0
		for sc.Scan() {
			n++
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "#") || !call.MatchString(line) || strings.Contains(line, `echo "`) {
				continue
			}
			for _, m := range call.FindAllStringIndex(line, -1) {
				calls++
				rest := line[m[1]:]
				if !strings.HasPrefix(rest, "-o DPkg::Lock::Timeout=") && !strings.HasPrefix(rest, `"${apt_lock_wait[@]}"`) {
					t.Errorf("%s:%d: apt-get without -o DPkg::Lock::Timeout: %s", f, n, line)
				}
			}
		}
		_ = file.Close()
		if calls == 0 {
			t.Errorf("%s: no apt-get call found; the test is out of date", f)
		}
	}
	script, err := os.ReadFile(filepath.Join(root, "deploy/local/ensure-infra.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`apt_lock_wait=\(-o DPkg::Lock::Timeout=[1-9][0-9]*\)`).Match(script) {
		t.Error("ensure-infra.sh: apt_lock_wait does not set DPkg::Lock::Timeout")
	}
}

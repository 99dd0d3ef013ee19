package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/planta-dev/planta/services/identity/internal/password"
)

func TestBcryptRefusesPasswordsOver72Bytes(t *testing.T) {
	ctx := context.Background()
	h := password.Bcrypt{Cost: 4}
	pw72 := strings.Repeat("k", 72)
	hash, err := h.Hash(ctx, pw72)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Compare(ctx, hash, pw72); err != nil {
		t.Fatalf("72-byte password must match: %v", err)
	}
	// bcrypt itself would accept this: it reads only the first 72 bytes.
	if err := h.Compare(ctx, hash, pw72+"X"); !errors.Is(err, password.ErrMismatch) {
		t.Fatalf("73-byte password whose first 72 bytes match: %v, want ErrMismatch", err)
	}
	if _, err := h.Hash(ctx, pw72+"X"); err == nil {
		t.Fatal("hashing 73 bytes must fail, never truncate")
	}
}

func TestPolicy(t *testing.T) {
	p, err := password.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if p.CommonCount() < 10000 {
		t.Fatalf("common list has %d entries, want >= 10000", p.CommonCount())
	}
	cases := []struct {
		user, pw string
		want     error
	}{
		{"alice", "short7!", password.ErrTooShort},
		{"alice", strings.Repeat("é", 36) + "x", password.ErrTooLong}, // 73 bytes, 37 characters
		{"alice", "password1", password.ErrCommon},
		{"alice", "PassWord1", password.ErrCommon}, // case-insensitive
		{"alice", "qwertyuiop", password.ErrCommon},
		{"Roberto_99", "roberto_99", password.ErrEqualsUsername},
		{"alice", "correct horse battery", nil}, // no composition rules
		{"alice", strings.Repeat("z", 72), nil},
	}
	for _, c := range cases {
		if got := p.Check(c.user, c.pw); !errors.Is(got, c.want) {
			t.Errorf("Check(%q, %q) = %v, want %v", c.user, c.pw, got, c.want)
		}
	}
}

func TestGateRefusesBeyondSlotsAndQueue(t *testing.T) {
	g := password.NewGate(2, 1, 400*time.Millisecond)
	ctx := context.Background()
	r1, err := g.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiter := make(chan error, 1)
	go func() {
		r, err := g.Acquire(ctx)
		if err == nil {
			r()
		}
		waiter <- err
	}()
	time.Sleep(10 * time.Millisecond) // let it queue
	start := time.Now()
	if _, err := g.Acquire(ctx); !errors.Is(err, password.ErrBusy) {
		t.Fatalf("beyond slots+queue: %v, want ErrBusy", err)
	}
	if time.Since(start) > 200*time.Millisecond {
		t.Fatal("a full queue must refuse at once")
	}
	r1()
	if err := <-waiter; err != nil {
		t.Fatalf("queued caller must get the freed slot: %v", err)
	}
	r2()
	// A queued caller gives up after MaxWait.
	a, _ := g.Acquire(ctx)
	b, _ := g.Acquire(ctx)
	if _, err := g.Acquire(ctx); !errors.Is(err, password.ErrBusy) {
		t.Fatalf("wait expiry: %v", err)
	}
	a()
	b()
}

func TestTemporaryPasswordsPassThePolicy(t *testing.T) {
	p, _ := password.NewPolicy()
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		pw, err := password.Temporary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check("someone", pw); err != nil || seen[pw] {
			t.Fatalf("temporary %q: %v dup=%v", pw, err, seen[pw])
		}
		seen[pw] = true
	}
}

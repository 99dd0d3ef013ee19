package lockout_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/planta-dev/planta/libs/redisx/redistest"

	"github.com/planta-dev/planta/services/identity/internal/lockout"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newRegulator(t *testing.T) (*lockout.Regulator, *clock) {
	rdb, keys := redistest.New(t)
	c := &clock{t: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}
	return lockout.New(rdb, keys, lockout.DefaultConfig(), c.now), c
}

func fail(t *testing.T, r *lockout.Regulator, user string) (locked bool) {
	t.Helper()
	res, err := r.Reserve(context.Background(), user)
	if err != nil {
		t.Fatalf("reserve: %v", err)
	}
	locked, err = r.Fail(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	return locked
}

func TestLocksAtFiveAndUnlocksAfterFifteenMinutes(t *testing.T) {
	r, c := newRegulator(t)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		if fail(t, r, "u1") {
			t.Fatalf("locked after %d failures, want 5", i)
		}
	}
	if !fail(t, r, "u1") {
		t.Fatal("5th failure must lock")
	}
	if _, err := r.Reserve(ctx, "u1"); !errors.Is(err, lockout.ErrLocked) {
		t.Fatalf("reserve while locked = %v, want ErrLocked", err)
	}
	c.advance(15*time.Minute - time.Second)
	if _, err := r.Reserve(ctx, "u1"); !errors.Is(err, lockout.ErrLocked) {
		t.Fatal("still locked one second before 15 minutes")
	}
	c.advance(time.Second)
	res, err := r.Reserve(ctx, "u1")
	if err != nil {
		t.Fatalf("must auto-unlock at 15 minutes: %v", err)
	}
	// A fresh run: one failure does not lock again.
	if locked, _ := r.Fail(ctx, res); locked {
		t.Fatal("the run must restart after the lock expires")
	}
	if _, err := r.Reserve(ctx, "other"); err != nil {
		t.Fatal("other accounts are unaffected")
	}
}

func TestFailuresWhileLockedDoNotExtend(t *testing.T) {
	r, c := newRegulator(t)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		fail(t, r, "u")
	}
	// A straggler: reserved, then its lease expires (a slow node) so another attempt
	// gets the last slot and locks the account; the straggler completes later.
	straggler, err := r.Reserve(ctx, "u")
	if err != nil {
		t.Fatal(err)
	}
	c.advance(2 * time.Minute)
	if !fail(t, r, "u") {
		t.Fatal("want lock")
	}
	st, _ := r.Status(ctx, "u")
	until := st.LockedUntil
	c.advance(5 * time.Minute)
	if locked, err := r.Fail(ctx, straggler); err != nil || locked {
		t.Fatalf("failure while locked: locked=%v err=%v", locked, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.Reserve(ctx, "u"); !errors.Is(err, lockout.ErrLocked) {
			t.Fatal("want locked")
		}
	}
	st, _ = r.Status(ctx, "u")
	if !st.LockedUntil.Equal(until) {
		t.Fatalf("lock extended from %v to %v", until, st.LockedUntil)
	}
	c.advance(10 * time.Minute)
	if _, err := r.Reserve(ctx, "u"); err != nil {
		t.Fatalf("must unlock at the original time: %v", err)
	}
}

func TestSuccessResetsTheRun(t *testing.T) {
	r, _ := newRegulator(t)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		fail(t, r, "u")
	}
	res, _ := r.Reserve(ctx, "u")
	if err := r.Succeed(ctx, res); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if fail(t, r, "u") {
			t.Fatalf("locked after %d failures following a success", i)
		}
	}
}

func TestParallelReservationsNeverExceedTheLimit(t *testing.T) {
	r, _ := newRegulator(t)
	var granted atomic.Int32
	var wg sync.WaitGroup
	ress := make(chan lockout.Reservation, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := r.Reserve(context.Background(), "u"); err == nil {
				granted.Add(1)
				ress <- res
			}
		}()
	}
	wg.Wait()
	close(ress)
	if g := granted.Load(); g != 5 {
		t.Fatalf("granted %d reservations, want exactly 5", g)
	}
	for res := range ress {
		_, _ = r.Fail(context.Background(), res)
	}
	if st, _ := r.Status(context.Background(), "u"); st.LockedUntil.IsZero() {
		t.Fatal("five failed reservations must lock")
	}
}

func TestUnlockAndLockedList(t *testing.T) {
	r, c := newRegulator(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		fail(t, r, "a")
	}
	c.advance(time.Minute)
	locked, err := r.Locked(ctx)
	if err != nil || len(locked) != 1 || locked["a"].Sub(c.now()) != 14*time.Minute {
		t.Fatalf("locked = %v, %v", locked, err)
	}
	if err := r.Unlock(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reserve(ctx, "a"); err != nil {
		t.Fatalf("unlocked account must accept attempts: %v", err)
	}
	if locked, _ := r.Locked(ctx); len(locked) != 0 {
		t.Fatalf("locked after unlock: %v", locked)
	}
}

func TestExpiredLeaseFreesTheSlot(t *testing.T) {
	r, c := newRegulator(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := r.Reserve(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Reserve(ctx, "u"); !errors.Is(err, lockout.ErrLocked) {
		t.Fatal("6th concurrent reservation must be refused")
	}
	c.advance(2 * time.Minute) // the holders crashed; leases expire
	if _, err := r.Reserve(ctx, "u"); err != nil {
		t.Fatalf("expired leases must free their slots: %v", err)
	}
}

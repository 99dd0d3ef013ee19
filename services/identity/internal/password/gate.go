package password

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// ErrBusy means every bcrypt slot is taken and the queue is full (or the wait expired):
// answer 429 with Retry-After at once instead of letting work pile up.
var ErrBusy = errors.New("too many concurrent password checks")

// Gate bounds concurrent bcrypt work: Slots run at once, at most Queue more wait, each
// for at most MaxWait. A login flood thus costs at most Slots cores and gets fast
// refusals, while session validation and other endpoints keep their share of the CPU.
type Gate struct {
	slots   chan struct{}
	queue   int64
	maxWait time.Duration
	waiting atomic.Int64
}

// NewGate returns a gate; slots and queue must be positive and non-negative.
func NewGate(slots, queue int, maxWait time.Duration) *Gate {
	if slots < 1 {
		slots = 1
	}
	return &Gate{slots: make(chan struct{}, slots), queue: int64(queue), maxWait: maxWait}
}

// Acquire takes a slot or returns ErrBusy; call the returned release when done.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

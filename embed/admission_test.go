package embed

import (
	"context"
	"errors"
	"testing"
)

func TestAdmissionFIFOAndCancel(t *testing.T) {
	stop := make(chan struct{})
	a := newAdmission(4, stop)
	if !a.tryAcquire(3) {
		t.Fatal("3 of 4 should fit")
	}
	big := make(chan error, 1)
	go func() { big <- a.acquire(context.Background(), 3) }()
	waitFor(t, "the big waiter to queue", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.waiters.Len() == 1
	})
	// A waiter is queued: try-acquire must not jump the queue, even though 1 would fit.
	if a.tryAcquire(1) {
		t.Fatal("tryAcquire jumped the queue")
	}
	ctx, cancel := context.WithCancel(context.Background())
	small := make(chan error, 1)
	go func() { small <- a.acquire(ctx, 1) }()
	waitFor(t, "the small waiter to queue", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.waiters.Len() == 2
	})
	cancel()
	if err := <-small; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	a.release(3)
	if err := <-big; err != nil {
		t.Fatal(err)
	}
	if a.inUse() != 3 {
		t.Fatalf("in use %d, want 3", a.inUse())
	}
	// Close wakes waiters with ErrClosed.
	closed := make(chan error, 1)
	go func() { closed <- a.acquire(context.Background(), 2) }()
	waitFor(t, "the waiter to queue", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.waiters.Len() == 1
	})
	close(stop)
	if err := <-closed; !errors.Is(err, ErrClosed) {
		t.Fatalf("waiter at close: %v", err)
	}
	a.release(3)
	if a.inUse() != 0 {
		t.Fatalf("in use %d after releasing everything", a.inUse())
	}
}

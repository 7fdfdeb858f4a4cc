package embed

import (
	"container/list"
	"context"
	"sync"
)

// admission is a weighted, FIFO semaphore counting the texts admitted to the batcher
// (queued or in inference). It is the queue's bound: tryAcquire fails fast, which the
// Embedder turns into ErrOverloaded, and acquire waits for room (TEI's try_acquire_permit
// and its blocking counterpart). Permits come back one text at a time as texts finish,
// are dropped, or fail.
type admission struct {
	mu      sync.Mutex
	size    int
	used    int
	waiters list.List // of *waiter, oldest first
	closed  <-chan struct{}
}

// waiter is a blocked acquire; ready is closed once its permits are granted.
type waiter struct {
	n     int
	ready chan struct{}
}

func newAdmission(size int, closed <-chan struct{}) *admission {
	return &admission{size: size, closed: closed}
}

// tryAcquire takes n permits if they are free right now and nobody is waiting.
func (a *admission) tryAcquire(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.waiters.Len() == 0 && a.used+n <= a.size {
		a.used += n
		return true
	}
	return false
}

// acquire waits for n permits (n ≤ size) until ctx is done or the batcher closes.
func (a *admission) acquire(ctx context.Context, n int) error {
	a.mu.Lock()
	if a.waiters.Len() == 0 && a.used+n <= a.size {
		a.used += n
		a.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	elem := a.waiters.PushBack(w)
	a.mu.Unlock()

	var err error
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-a.closed:
		err = ErrClosed
	}
	a.mu.Lock()
	select {
	case <-w.ready:
		// Granted while we were giving up: hand the permits back.
		a.used -= n
		a.grantLocked()
	default:
		isFront := a.waiters.Front() == elem
		a.waiters.Remove(elem)
		// A large waiter at the front may have held back smaller ones behind it.
		if isFront {
			a.grantLocked()
		}
	}
	a.mu.Unlock()
	return err
}

// release returns n permits and wakes waiters that now fit.
func (a *admission) release(n int) {
	if n == 0 {
		return
	}
	a.mu.Lock()
	a.used -= n
	if a.used < 0 {
		a.mu.Unlock()
		panic("embed: admission released more permits than acquired; this is a bug")
	}
	a.grantLocked()
	a.mu.Unlock()
}

// inUse reports the permits held.
func (a *admission) inUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.used
}

func (a *admission) grantLocked() {
	for {
		front := a.waiters.Front()
		if front == nil {
			return
		}
		w := front.Value.(*waiter)
		if a.used+w.n > a.size {
			return
		}
		a.used += w.n
		a.waiters.Remove(front)
		close(w.ready)
	}
}

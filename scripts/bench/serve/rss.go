package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler reads the server's VmRSS from /proc every 250 ms on its own goroutine,
// which Close stops and waits for.
type rssSampler struct {
	pid     int
	mu      sync.Mutex
	samples []rssSample
	stop    chan struct{}
	done    chan struct{}
}

type rssSample struct {
	at    time.Time
	bytes int64
}

func newRSSSampler(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *rssSampler) loop() {
	defer close(s.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if b, err := readRSS(s.pid); err == nil {
				s.mu.Lock()
				s.samples = append(s.samples, rssSample{time.Now(), b})
				s.mu.Unlock()
			}
		}
	}
}

// Close stops sampling.
func (s *rssSampler) Close() {
	close(s.stop)
	<-s.done
}

// Reset forgets earlier samples.
func (s *rssSampler) Reset() {
	s.mu.Lock()
	s.samples = nil
	s.mu.Unlock()
}

// Max is the largest sample since Reset.
func (s *rssSampler) Max() int64 { return s.MaxSince(time.Time{}) }

// MaxSince is the largest sample taken after t.
func (s *rssSampler) MaxSince(t time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for _, x := range s.samples {
		if x.at.After(t) && x.bytes > m {
			m = x.bytes
		}
	}
	return m
}

// MaxBefore is the largest sample taken before t.
func (s *rssSampler) MaxBefore(t time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for _, x := range s.samples {
		if x.at.Before(t) && x.bytes > m {
			m = x.bytes
		}
	}
	return m
}

// readRSS returns VmRSS of pid in bytes.
func readRSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no pid")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("VmRSS not found for pid %d", pid)
}

package weaviatetest

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// Shared is one single Weaviate node that the tests of one test binary share: the first
// test that asks for it starts it, Stop (from TestMain, after the tests ran) kills it.
// Starting a node takes seconds, so a package with many tests starts one, not one per
// test. Tests keep apart by giving their backends distinct class prefixes (Prefix).
// The zero value is ready to use.
type Shared struct {
	once sync.Once
	c    *Cluster
	err  error
	next atomic.Int64
}

// Node returns the shared node, starting it on first use. It skips t, saying why,
// where Weaviate cannot run, and fails t when the node did not start.
func (s *Shared) Node(t testing.TB) *Cluster {
	t.Helper()
	skipUnlessRunnable(t)
	s.once.Do(s.launch)
	if s.err != nil {
		t.Fatalf("weaviatetest: shared node: %v", s.err)
	}
	return s.c
}

func (s *Shared) launch() {
	dir, err := os.MkdirTemp("", "weaviatetest-shared-")
	if err != nil {
		s.err = fmt.Errorf("temporary directory: %w", err)
		return
	}
	s.c = newCluster(dir, 1)
	s.err = s.c.launch()
}

// Prefix returns a class prefix that no other call on s returns ("Shared1",
// "Shared2", ...), for weaviate.Config.ClassPrefix: collections created under it are
// invisible to backends with another prefix.
func (s *Shared) Prefix() string { return fmt.Sprintf("Shared%d", s.next.Add(1)) }

// Stop kills the node, if one was started, and removes its data.
func (s *Shared) Stop() {
	if s.c == nil {
		return
	}
	s.c.stopAll()
	_ = os.RemoveAll(s.c.dir)
}

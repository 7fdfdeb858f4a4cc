package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	ts := openTest(t, dir, newFakeEmbedder("fake/model"), func(c *Config) { c.Addr = freeAddr(t) })
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ln, err := net.Listen("tcp", ts.cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- serve(ctx, ts.Server, ln, func(s *Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "ready=%v", s.Ready())
			})
		})
	}()
	url := "http://" + ts.cfg.Addr + "/"
	var body string
	for i := 0; i < 200; i++ {
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if body != "ready=true" {
		t.Fatalf("body %q", body)
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if ts.Ready() {
		t.Fatal("ready after shutdown")
	}
	if _, err := ts.GetCollection(context.Background(), "c"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("after shutdown: %v, want ErrUnavailable", err)
	}
	// The shutdown snapshot was written.
	if _, ok := readGeneration(snapshotPaths(dir, "c")[2]); !ok {
		t.Fatal("no snapshot at shutdown")
	}
}

func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Addr = ln.Addr().String()
	// A pack that would take long to load (here: one that cannot load at all) must not be
	// reached: the busy address fails first, and says which flag to change.
	cfg.ModelPacks = []string{filepath.Join(cfg.DataDir, "no-such-pack")}
	err = Run(context.Background(), cfg, func(*Server) http.Handler { return http.NotFoundHandler() })
	if err == nil || !strings.Contains(err.Error(), "--addr") || strings.Contains(err.Error(), "no-such-pack") {
		t.Fatalf("Run on a busy address: %v, want a listen error naming --addr before any pack loads", err)
	}
}

// TestDataDirInUse checks that a second server on the same data directory is refused
// with the first one's pid and the flag to change, and leaves the first one's files alone.
func TestDataDirInUse(t *testing.T) {
	dir := t.TempDir()
	first := openTest(t, dir, nil)
	defer first.Close(context.Background())
	tmp := filepath.Join(dir, indexDir, "c.snap.tmp-123")
	if err := os.WriteFile(tmp, []byte("in progress"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = dir
	_, err := openWith(context.Background(), cfg, testDeps(nil))
	want := fmt.Sprintf("in use by another instructd (pid %d)", os.Getpid())
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--data") {
		t.Fatalf("second open: %v, want %q and --data", err, want)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the second server touched the first one's files: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.ModelPacks = []string{"missing"}
	if _, err := openWith(context.Background(), cfg, testDeps(nil)); err == nil {
		t.Fatal("open with a missing pack succeeded")
	}
	cfg.ModelPacks = nil
	cfg.Limits.MaxK = -1
	if _, err := openWith(context.Background(), cfg, testDeps(nil)); err == nil {
		t.Fatal("open with a negative limit succeeded")
	}
	cfg.Limits.MaxK = 0
	s, err := openWith(context.Background(), cfg, testDeps(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if got := s.Limits(); got != DefaultLimits() {
		t.Fatalf("limits %+v", got)
	}
}

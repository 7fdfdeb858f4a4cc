package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/instructd/instructd/api"
	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server"
)

// TestPythonClient runs clients/python's unittest suite with Debian's python3 against a
// real server (test-tiny pack) listening on loopback.
func TestPythonClient(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3 (make setup installs it)")
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.ModelPacks = []string{testenv.Pack(t, "test-tiny")}
	cfg.ORTLibrary = testenv.ORTLibrary(t)
	cfg.Threads = 1
	ctx := context.Background()
	s, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewRouter(s, api.Options{}))
	defer func() {
		srv.Close()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	root, err := filepath.Abs("../../clients/python")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, py, "-m", "unittest", "discover", "-v", "-s", "tests")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "INSTRUCTD_URL="+srv.URL, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	t.Logf("python3 -m unittest:\n%s", out)
	if err != nil {
		t.Fatalf("python client tests failed: %v", err)
	}
}

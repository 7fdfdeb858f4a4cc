package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/instructd/instructd/api"
	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIngestAndSearchCLI runs the ingest and search subcommands against an in-process
// server with the test-tiny pack.
func TestIngestAndSearchCLI(t *testing.T) {
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
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewRouter(s, api.Options{}))
	defer func() {
		srv.Close()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()

	good := t.TempDir() + "/good.jsonl"
	writeFile(t, good, `{"_id":"1","title":"Fox","text":"foxes eat berries"}
{"_id":"2","title":"Owl","text":"owls hunt at night"}
{"_id":"3","text":"badgers dig"}
`)
	if err := runIngest(ctx, []string{"--server", srv.URL, "--collection", "c", "--create", "--batch", "2", good}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	bad := t.TempDir() + "/bad.jsonl"
	writeFile(t, bad, "{\"_id\":\"4\",\"text\":\"ok\"}\n{\"_id\":\"5\"\n")
	err = runIngest(ctx, []string{"--server", srv.URL, "--collection", "c", bad})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 lines failed") {
		t.Fatalf("ingest with a bad line: want failure, got %v", err)
	}
	cl, _ := client.New(srv.URL)
	info, err := cl.GetCollection(ctx, "c")
	if err != nil || info.Count != 4 {
		t.Fatalf("collection: %+v %v", info, err)
	}
	if err := runIngest(ctx, []string{"--server", srv.URL, "--collection", "nope", good}); !client.IsNotFound(err) {
		t.Fatalf("unknown collection: %v", err)
	}
	for _, args := range [][]string{
		{"--server", srv.URL, "--collection", "c", "--k", "2", "fox", "berries"},
		{"--server", srv.URL, "--collection", "c", "--json", "--mode", "lexical", "--filter", `{"a":1}`, "owls"},
		{"--server", srv.URL, "--collection", "c", "--instruction", "", "owls"},
	} {
		if err := runSearch(ctx, args); err != nil {
			t.Fatalf("search %q: %v", args, err)
		}
	}
	if err := runSearch(ctx, []string{"--server", srv.URL, "--collection", "c", "--k", "0", "x"}); err == nil {
		t.Fatal("k 0 accepted")
	}
	if err := runSearch(ctx, []string{"--server", srv.URL, "--collection", "c", "--filter", "{", "x"}); err == nil {
		t.Fatal("bad filter accepted")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := snippet("héllo wörld", 3); got != "hé…" {
		t.Errorf("snippet: %q", got)
	}
}

// TestIngestCLIEmptyAndResume checks the warning for an empty file and the resume hint
// after an ingest that stops part-way (here: the collection is deleted mid-stream is hard to
// time, so the server is closed after the first batches are acknowledged).
func TestIngestCLIEmptyAndResume(t *testing.T) {
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
		_ = s.Close(ctx)
	}()
	empty := t.TempDir() + "/empty.jsonl"
	writeFile(t, empty, "")
	var stderr strings.Builder
	if err := ingestMain(ctx, []string{"--server", srv.URL, "--collection", "c", "--create", empty}, &stderr); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if !strings.Contains(stderr.String(), "is empty: nothing to ingest") {
		t.Errorf("empty file: stderr %q", stderr.String())
	}
	// A cancelled ingest (Ctrl-C cancels the command's context) prints what was
	// acknowledged and the command that resumes after it.
	var lines strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&lines, "{\"id\":\"d%d\",\"text\":\"document number %d\"}\n", i, i)
	}
	big := t.TempDir() + "/big.jsonl"
	writeFile(t, big, lines.String())
	cctx, cancel := context.WithCancel(ctx)
	stderr.Reset()
	var once sync.Once
	w := writerFunc(func(p []byte) (int, error) {
		if strings.Contains(string(p), "stored") || strings.Contains(string(p), "lines (") {
			once.Do(cancel)
		}
		return stderr.Write(p)
	})
	err = ingestMain(cctx, []string{"--server", srv.URL, "--collection", "c", "--batch", "100", big}, w)
	if err == nil {
		t.Skip("the ingest finished before the cancel took effect")
	}
	out := stderr.String()
	if !strings.Contains(out, "interrupted.") || !strings.Contains(out, "were acknowledged") || !strings.Contains(out, "| instructd ingest --collection c -") {
		t.Fatalf("cancelled ingest: err %v, stderr %q", err, out)
	}
}

// writerFunc adapts a function to io.Writer.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

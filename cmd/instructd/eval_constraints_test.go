package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server/eval"
)

// TestEvalConstraintsAgainstHTTP runs `eval --constraints` on the committed 47-query
// fixture against the fake API (which knows nothing of constraints: it scores shared
// words and never extracts), checking the plumbing: ingest, one search per query, mode
// and on/off, the table and the JSON summary as the last line.
func TestEvalConstraintsAgainstHTTP(t *testing.T) {
	api := newFakeAPI("")
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "constraints")
	var stdout, stderr bytes.Buffer
	err := evalMain(context.Background(), []string{
		"--constraints", dir, "--server", srv.URL, "--ingest", "--modes", "lexical", "--k", "10",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("eval: %v\nstderr: %s", err, stderr.String())
	}
	docs, searches := api.counts("eval-constraints-constraints")
	if docs != 260 || searches != 2*47+1 { // +1: the fake API throttles the first search once
		t.Errorf("%d documents ingested, %d searches", docs, searches)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if !strings.Contains(lines[0], "paired_acc") {
		t.Errorf("no table header: %q", lines[0])
	}
	var rep eval.ConstraintReport
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last stdout line is not the JSON summary: %v\n%s", err, stdout.String())
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Pairs != 47 || rep.Rows[1].Fired != 0 {
		t.Errorf("report %+v", rep)
	}
}

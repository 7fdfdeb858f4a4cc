package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server/eval"
)

// TestEvalRerankInProcess: --rerank runs every mode with and without the test reranker in
// one run and reports every metric, FollowIR's p-MRR included, for both.
func TestEvalRerankInProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := evalMain(context.Background(), []string{
		"--dataset", fixture(t), "--model", testenv.Pack(t, "test-tiny"), "--ort-lib", testenv.ORTLibrary(t),
		"--modes", "dense,lexical", "--k", "10", "--rerank", testenv.Pack(t, "test-reranker"), "--rerank-candidates", "10",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("eval: %v\nstderr: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep eval.Report
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last stdout line is not the JSON summary: %v\n%s", err, stdout.String())
	}
	var cols []string
	for _, m := range rep.Modes {
		cols = append(cols, m.Mode)
		if m.PMRR == nil || m.Changed == nil || m.Queries != 3 {
			t.Errorf("column %s lacks FollowIR results: %+v", m.Mode, m)
		}
	}
	if strings.Join(cols, ",") != "dense,dense+rerank,lexical,lexical+rerank" {
		t.Errorf("columns %v", cols)
	}
	if !strings.Contains(lines[0], "dense+rerank") || !strings.Contains(stdout.String(), "p-MRR") {
		t.Errorf("table:\n%s", stdout.String())
	}
	// Candidates below k are refused before anything runs.
	err = evalMain(context.Background(), []string{"--dataset", fixture(t), "--model", testenv.Pack(t, "test-tiny"),
		"--ort-lib", testenv.ORTLibrary(t), "--k", "10", "--rerank", testenv.Pack(t, "test-reranker"), "--rerank-candidates", "5"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "at least k") {
		t.Errorf("candidates < k: %v", err)
	}
}

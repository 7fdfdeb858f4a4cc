package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// fakeAPI speaks the documented JSON of PUT /v1/collections/{name},
// POST /v1/collections/{name}/documents and POST /v1/collections/{name}/search. Search
// scores a document by the words it shares with the query and instruction; the first
// search answers 429 once, to exercise the retry.
type fakeAPI struct {
	key string

	mu          sync.Mutex
	collections map[string]map[string]server.Document
	searches    int
	throttled   bool
}

func newFakeAPI(key string) *fakeAPI {
	return &fakeAPI{key: key, collections: map[string]map[string]server.Document{}}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "invalid_input", "message": msg}})
	}
	if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
		fail(http.StatusUnauthorized, "missing or wrong API key")
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/collections/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPut && len(parts) == 1 && parts[0] == "taken":
		// Exists with another spec.
		if _, ok := f.collections["taken"]; !ok {
			f.collections["taken"] = map[string]server.Document{}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "conflict", "message": "exists with another spec"}})
	case r.Method == http.MethodPut && len(parts) == 1:
		if _, ok := f.collections[parts[0]]; !ok {
			f.collections[parts[0]] = map[string]server.Document{}
			w.WriteHeader(http.StatusCreated)
		}
		json.NewEncoder(w).Encode(server.CollectionInfo{Name: parts[0]})
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "documents":
		coll, ok := f.collections[parts[0]]
		if !ok {
			fail(http.StatusNotFound, "no such collection")
			return
		}
		// The NDJSON stream: one progress line per batch of 256, then the summary. A document
		// whose id starts with "reject" is refused.
		if r.Header.Get("Content-Type") != "application/x-ndjson" || r.URL.Query().Get("batch") != "256" {
			fail(http.StatusBadRequest, "want an NDJSON stream with ?batch=256")
			return
		}
		enc := json.NewEncoder(w)
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 1<<20)
		line, upserted := 0, 0
		var failed []map[string]any
		for sc.Scan() {
			line++
			var d server.Document
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil || strings.HasPrefix(d.ID, "reject") {
				failed = append(failed, map[string]any{"line": line, "id": d.ID, "error": "rejected"})
			} else {
				coll[d.ID] = d
				upserted++
			}
			if line%256 == 0 {
				enc.Encode(map[string]int{"committed": upserted, "through_line": line, "failed_count": len(failed)})
			}
		}
		enc.Encode(map[string]any{"done": true, "upserted": upserted, "through_line": line, "failed": failed, "failed_count": len(failed)})
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "search":
		coll, ok := f.collections[parts[0]]
		if !ok {
			fail(http.StatusNotFound, "collection "+parts[0]+" not found")
			return
		}
		var req server.SearchRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		f.searches++
		if !f.throttled {
			f.throttled = true
			w.Header().Set("Retry-After", "0")
			fail(http.StatusTooManyRequests, "overloaded")
			return
		}
		text := req.Query
		if req.Instruction != nil && req.Mode != "lexical" {
			text += " " + *req.Instruction
		}
		words := map[string]bool{}
		for _, w := range strings.Fields(strings.ToLower(text)) {
			words[strings.Trim(w, ".,;:")] = true
		}
		var hits []server.SearchHit
		for id, d := range coll {
			n := 0
			for _, w := range strings.Fields(strings.ToLower(d.Title + " " + d.Text)) {
				if words[strings.Trim(w, ".,;:")] {
					n++
				}
			}
			if n > 0 {
				hits = append(hits, server.SearchHit{ID: id, Score: float32(n)})
			}
		}
		sort.Slice(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
		if len(hits) > req.K {
			hits = hits[:req.K]
		}
		json.NewEncoder(w).Encode(server.SearchResponse{Hits: hits, Mode: req.Mode})
	default:
		fail(http.StatusNotFound, "no route")
	}
}

// counts reports the documents of a collection and the searches served so far.
func (f *fakeAPI) counts(coll string) (docs, searches int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.collections[coll]), f.searches
}

func fixture(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.RepoRoot(t), "testdata", "followir")
}

func TestEvalCommandAgainstHTTP(t *testing.T) {
	api := newFakeAPI("sesame")
	srv := httptest.NewServer(api)
	defer srv.Close()
	perQuery := filepath.Join(t.TempDir(), "per-query.jsonl")
	var stdout, stderr bytes.Buffer
	err := evalMain(context.Background(), []string{
		"--dataset", fixture(t), "--server", srv.URL, "--api-key", "sesame",
		"--ingest", "--modes", "dense,lexical", "--per-query", perQuery,
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("eval: %v\nstderr: %s", err, stderr.String())
	}
	docs, searches := api.counts("eval-followir")
	if docs != 8 {
		t.Fatalf("collection eval-followir holds %d documents, want 8", docs)
	}
	// 3 evaluated queries × 2 modes × 2 instructions, plus the one throttled attempt.
	if searches != 13 {
		t.Errorf("searches = %d, want 13", searches)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep eval.Report
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last stdout line is not the JSON summary: %v\n%s", err, stdout.String())
	}
	if rep.Format != eval.FormatFollowIR || rep.Queries != 3 || rep.Ingested != 8 || len(rep.Modes) != 2 {
		t.Errorf("summary %+v", rep)
	}
	for _, m := range rep.Modes {
		if m.PMRR == nil || m.Changed == nil || m.Queries != 3 {
			t.Errorf("mode %s lacks FollowIR results: %+v", m.Mode, m)
		}
	}
	// lexical ignores the instruction in the fake: both runs are identical, p-MRR is 0.
	if p := rep.Modes[1].PMRR; p == nil || *p != 0 {
		t.Errorf("lexical p-MRR = %v, want 0", p)
	}
	if !strings.Contains(stdout.String(), "p-MRR") || !strings.Contains(stderr.String(), "ingest: 8/8 docs (100%)") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(perQuery)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 12 {
		t.Errorf("per-query file has %d lines, want 12", n)
	}

	// A collection that exists with another spec is ingested into and evaluated as it is.
	stdout.Reset()
	if err := evalMain(context.Background(), []string{"--dataset", fixture(t), "--server", srv.URL, "--api-key", "sesame", "--modes", "dense", "--collection", "taken", "--ingest"}, &stdout, &stderr); err != nil {
		t.Fatalf("eval into an existing collection: %v", err)
	}
	if docs, _ := api.counts("taken"); docs != 8 {
		t.Errorf("collection taken holds %d documents", docs)
	}

	// Without --ingest the collection must already exist; it does now, so it evaluates again.
	stdout.Reset()
	if err := evalMain(context.Background(), []string{"--dataset", fixture(t), "--server", srv.URL, "--api-key", "sesame", "--modes", "dense"}, &stdout, &stderr); err != nil {
		t.Fatalf("eval without ingest: %v", err)
	}
}

func TestEvalCommandErrors(t *testing.T) {
	api := newFakeAPI("sesame")
	srv := httptest.NewServer(api)
	defer srv.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no dataset", []string{"--server", srv.URL}, "--dataset is required"},
		{"bad mode", []string{"--dataset", fixture(t), "--server", srv.URL, "--modes", "dense,sparse"}, `unknown mode "sparse"`},
		{"bad url", []string{"--dataset", fixture(t), "--server", "localhost:1"}, "bad server URL"},
		{"wrong key", []string{"--dataset", fixture(t), "--server", srv.URL, "--api-key", "nope", "--ingest"}, "missing or wrong API key"},
		{"unknown collection", []string{"--dataset", fixture(t), "--server", srv.URL, "--api-key", "sesame", "--collection", "absent"}, "collection absent not found"},
		{"bad format", []string{"--dataset", fixture(t), "--server", srv.URL, "--format", "trec"}, `unknown dataset format "trec"`},
		{"stray argument", []string{"--dataset", fixture(t), "extra"}, "unexpected arguments"},
		{"missing pack in-process", []string{"--dataset", fixture(t), "--model", filepath.Join(t.TempDir(), "nope")}, "model pack"},
	}
	rejecting := t.TempDir()
	for name, body := range map[string]string{
		"corpus.jsonl":   "{\"_id\":\"a\",\"text\":\"alpha\"}\n{\"_id\":\"reject-1\",\"text\":\"beta\"}\n",
		"queries.jsonl":  "{\"_id\":\"1\",\"text\":\"alpha\"}\n",
		"qrels/test.tsv": "1\ta\t1\n",
	} {
		os.MkdirAll(filepath.Join(rejecting, "qrels"), 0o755)
		if err := os.WriteFile(filepath.Join(rejecting, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases = append(cases, struct {
		name string
		args []string
		want string
	}{"rejected document", []string{"--dataset", rejecting, "--server", srv.URL, "--api-key", "sesame", "--ingest"},
		`rejected 1 of 2 documents (first: line 2, id "reject-1": rejected)`})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := evalMain(context.Background(), c.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestEvalCommandHelpAndEnvKey(t *testing.T) {
	t.Setenv("INSTRUCTD_API_KEY", "from-env-secret")
	var stdout, stderr bytes.Buffer
	if err := evalMain(context.Background(), []string{"-h"}, &stdout, &stderr); !isHelp(err) {
		t.Errorf("-h: %v, want the help request (exit 0)", err)
	}
	if !strings.Contains(stdout.String(), "-dataset") || strings.Contains(stdout.String(), "from-env-secret") {
		t.Errorf("-h output:\n%s", stdout.String())
	}
	// The key from the environment is sent when --api-key is absent.
	api := newFakeAPI("from-env-secret")
	srv := httptest.NewServer(api)
	defer srv.Close()
	if err := evalMain(context.Background(), []string{"--dataset", fixture(t), "--server", srv.URL, "--ingest", "--modes", "lexical"}, &stdout, &stderr); err != nil {
		t.Errorf("eval with INSTRUCTD_API_KEY: %v", err)
	}
}

func TestDefaultEvalCollection(t *testing.T) {
	for in, want := range map[string]string{
		"../shared/data/cranfield": "eval-cranfield",
		"/x/My Data.v2/":           "eval-my-data-v2",
		"///":                      "eval-dataset",
	} {
		if got := defaultEvalCollection(in); got != want {
			t.Errorf("defaultEvalCollection(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEvalCommandInProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := evalMain(context.Background(), []string{
		"--dataset", fixture(t), "--modes", "dense,lexical,hybrid",
		"--model", testenv.Pack(t, "test-tiny"), "--ort-lib", testenv.ORTLibrary(t),
		"--data-dir", t.TempDir(),
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("eval: %v\nstderr: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var rep eval.Report
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last stdout line: %v\n%s", err, stdout.String())
	}
	// Without --server the corpus is always ingested; every mode finds each query's
	// relevant documents among the 8 (k = 100 covers the whole corpus).
	if rep.Ingested != 8 || rep.Queries != 3 || len(rep.Modes) != 3 {
		t.Fatalf("summary %+v", rep)
	}
	for _, m := range rep.Modes {
		if m.Scores.Recall100 != 1 || m.PMRR == nil {
			t.Errorf("mode %s: %+v", m.Mode, m)
		}
	}
}

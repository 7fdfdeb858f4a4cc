package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/server"
)

func followIRFixture(t *testing.T) *Dataset {
	t.Helper()
	ds, err := Load(filepath.Join(testenv.RepoRoot(t), "testdata", "followir"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestRunFollowIRFixture(t *testing.T) {
	ds := followIRFixture(t)
	q := map[string]Query{}
	for _, x := range ds.Queries {
		q[x.ID] = x
	}
	key := func(mode, id string, changed bool) string {
		instr := *q[id].Instruction
		if changed {
			instr = *q[id].InstructionChanged
		}
		return mode + "|" + instr + "|" + q[id].Text
	}
	fb := &fakeBackend{rankings: map[string][]string{
		// dense follows the instructions.
		key("dense", "q1", false): {"d1", "d3", "d2", "d8"},
		key("dense", "q1", true):  {"d1", "d2", "d8", "d3"},
		key("dense", "q2", false): {"d5", "d4", "d6"},
		key("dense", "q2", true):  {"d4", "d5"},
		key("dense", "q3", false): {"d7"},
		key("dense", "q3", true):  {"d8", "d7"},
		// lexical ignores them: the same ranking under both instructions.
		"lexical||apple dessert recipes": {"d3", "d1", "d2"},
		"lexical||bicycle maintenance":   {"d4", "d5", "d6"},
		"lexical||history of jazz":       {"d7"},
	}}
	rep, err := Run(context.Background(), fb, ds, Config{Collection: "c", Modes: []string{"dense", "lexical"}, Ingest: true})
	if err != nil {
		t.Fatal(err)
	}
	// q4 has no relevant document under either instruction: never searched.
	// 3 queries × 2 modes × 2 instructions = 12 searches.
	if len(fb.searches) != 12 {
		t.Errorf("searches = %d, want 12", len(fb.searches))
	}
	for _, s := range fb.searches {
		if s.Query == "sourdough starter" {
			t.Error("q4 was searched")
		}
		if s.K != DefaultK || s.Instruction == nil {
			t.Errorf("search %+v: want K=%d and an instruction", s, DefaultK)
		}
	}
	if rep.Queries != 3 || len(fb.ingested) != 8 || fb.batches != 4 || len(fb.ensured) != 1 {
		t.Errorf("queries %d, ingested %d in %d batches, ensured %v", rep.Queries, len(fb.ingested), fb.batches, fb.ensured)
	}
	dense, lexical := rep.Modes[0], rep.Modes[1]
	// p-MRR, dense:
	//   q1: d3 stops being relevant; og rank 2, changed rank 4 → 1 - (1/4)/(1/2) = 0.5.
	//   q2: d4 og rank 2 → changed rank 1: (1/2)/(1/1) - 1 = -0.5;
	//       d6 og rank 3 → not retrieved in a changed run of 2 → rank 3: 0. Query mean -0.25.
	//   q3: nothing changed, left out. Mean over q1, q2: (0.5 - 0.25) / 2 = 0.125.
	if dense.PMRR == nil || !near(*dense.PMRR, 0.125) || dense.PMRRQueries != 2 {
		t.Errorf("dense p-MRR = %v over %d queries, want 0.125 over 2", dense.PMRR, dense.PMRRQueries)
	}
	// og nDCG@10, dense: every query ranks its relevant docs in ideal order → 1.
	if !near(dense.Scores.NDCG10, 1) || dense.Queries != 3 {
		t.Errorf("dense og nDCG@10 = %v over %d", dense.Scores.NDCG10, dense.Queries)
	}
	// changed nDCG@10, dense:
	//   q1: d1, d2 relevant at ranks 1, 2 → 1.
	//   q2: only d5 (gain 2) relevant, at rank 2: (2/log2 3) / 2 = 0.6309297536.
	//   q3: d7 at rank 2: 1/log2 3 = 0.6309297536.
	//   mean (1 + 2 × 0.6309297536) / 3 = 0.7539531690. MRR@10: (1 + 0.5 + 0.5) / 3 = 2/3.
	if dense.Changed == nil || !near(dense.Changed.NDCG10, 0.7539531690476383) || !near(dense.Changed.MRR10, 2.0/3) {
		t.Errorf("dense changed = %+v", dense.Changed)
	}
	// lexical: identical rankings under both instructions → every RankScore is 0.
	if lexical.PMRR == nil || !near(*lexical.PMRR, 0) {
		t.Errorf("lexical p-MRR = %v, want 0", lexical.PMRR)
	}
	// og nDCG@10, lexical: q1 all three relevant in the top 3 → 1; q2 ranks d4 (1), d5 (2), d6 (1):
	// DCG = 1 + 2/log2 3 + 1/2 = 2.7618595071, IDCG = 2 + 1/log2 3 + 1/2 = 3.1309297536
	// → 0.8821211987; q3 → 1. Mean (2 + 0.8821211987) / 3 = 0.9607070662.
	if got := lexical.Scores.NDCG10; math.Abs(got-0.9607070662) > 1e-9 {
		t.Errorf("lexical og nDCG@10 = %.10f", lexical.Scores.NDCG10)
	}

	// Per-query rows: 3 queries × 2 modes × 2 runs; the changed rows carry p-MRR when defined.
	if len(rep.PerQuery) != 12 {
		t.Fatalf("per-query rows = %d, want 12", len(rep.PerQuery))
	}
	var buf bytes.Buffer
	if err := rep.WritePerQuery(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var row QueryResult
	if err := json.Unmarshal([]byte(lines[3]), &row); err != nil {
		t.Fatal(err)
	}
	if row.Mode != "dense" || row.Run != RunChanged || row.QueryID != "q2" || row.PMRR == nil || !near(*row.PMRR, -0.25) {
		t.Errorf("row 4 = %s", lines[3])
	}

	var table, summary bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p-MRR", "0.1250", "changed nDCG@10", "0.7540", "lexical"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if err := rep.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(summary.Bytes(), &back); err != nil || len(back.Modes) != 2 || *back.Modes[0].PMRR != 0.125 {
		t.Errorf("summary %s: %v", summary.String(), err)
	}
}

// writeBEIR makes a small BEIR directory.
func writeBEIR(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var smallBEIR = map[string]string{
	"corpus.jsonl": `{"_id":"a","title":"A","text":"alpha"}
{"_id":"b","text":"beta"}
{"_id":"empty","title":"","text":""}
{"_id":"c","text":"gamma","metadata":{"k":1}}
`,
	"queries.jsonl": `{"_id":"1","text":"first"}
{"_id":"2","text":"second","instruction":"find b"}
{"_id":"3","text":"third"}
{"_id":"4","text":"unjudged"}
`,
	"qrels/test.tsv": "query-id\tcorpus-id\tscore\n1\ta\t1\n1\tc\t2\n2\tb\t1\n3\ta\t0\n",
}

func TestRunBEIR(t *testing.T) {
	ds, err := Load(writeBEIR(t, smallBEIR), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeBackend{rankings: map[string][]string{
		"hybrid||first":        {"c", "b", "a"},
		"hybrid|find b|second": {"a", "b"},
	}}
	var progress bytes.Buffer
	rep, err := Run(context.Background(), fb, ds, Config{Collection: "c", Modes: []string{"hybrid"}, Ingest: true, Progress: &progress, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	// The empty document is not sent; queries 3 (only a 0 judgment) and 4 (no qrels) are skipped.
	if len(fb.ingested) != 3 || rep.Ingested != 3 || rep.SkippedEmpty != 1 || rep.Queries != 2 || len(fb.searches) != 2 {
		t.Fatalf("ingested %d (skipped %d), queries %d, searches %d", len(fb.ingested), rep.SkippedEmpty, rep.Queries, len(fb.searches))
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil || !strings.Contains(table.String(), "(1 empty documents skipped)") {
		t.Errorf("table does not count the skipped document: %v\n%s", err, table.String())
	}
	if !strings.Contains(progress.String(), "ingest: 3/3 docs (100%)") || !strings.Contains(progress.String(), "search: 2/2 queries (100%)") {
		t.Errorf("progress output %q", progress.String())
	}
	m := rep.Modes[0]
	// q1: c (gain 2) at 1, a (gain 1) at 3: DCG = 2 + 1/2 = 2.5; IDCG = 2 + 1/log2 3 = 2.6309297536
	//     → 0.9502344168. MRR 1. AP (1/1 + 2/3) / 2 = 0.8333333333.
	// q2: b at rank 2: nDCG 1/log2 3 = 0.6309297536, MRR 0.5, AP 0.5.
	// Means: nDCG (0.9502344168 + 0.6309297536) / 2 = 0.7905820852; MRR 0.75; MAP 0.6666666667.
	if !near(m.Scores.MRR10, 0.75) || !near(m.Scores.MAP100, 2.0/3) || !near(m.Scores.Recall100, 1) {
		t.Errorf("scores %+v", m.Scores)
	}
	if got := m.Scores.NDCG10; math.Abs(got-0.7905820852) > 1e-9 {
		t.Errorf("nDCG@10 = %.10f, want 0.7905820852", got)
	}
	if m.PMRR != nil || m.Changed != nil {
		t.Errorf("BEIR report has FollowIR fields: %+v", m)
	}
}

func TestRunErrors(t *testing.T) {
	ds, err := Load(writeBEIR(t, smallBEIR), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = Run(ctx, &fakeBackend{failOn: "second"}, ds, Config{Collection: "c"})
	if err == nil || !strings.Contains(err.Error(), `query "2"`) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing search: %v", err)
	}
	if _, err := Run(ctx, &fakeBackend{}, ds, Config{}); err == nil {
		t.Error("no collection accepted")
	}
	if _, err := Run(ctx, &fakeBackend{}, ds, Config{Collection: "c", Modes: []string{"sparse"}}); err == nil {
		t.Error("unknown mode accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cancelled, &fakeBackend{}, ds, Config{Collection: "c"}); err == nil {
		t.Error("cancelled context: no error")
	}
	noCorpus, err := Load(writeBEIR(t, smallBEIR), LoadOptions{SkipCorpus: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, &fakeBackend{}, noCorpus, Config{Collection: "c", Ingest: true}); err == nil {
		t.Error("ingest without a corpus accepted")
	}
}

func TestParseModes(t *testing.T) {
	got, err := ParseModes(" dense, LEXICAL,hybrid,dense ")
	if err != nil || strings.Join(got, ",") != "dense,lexical,hybrid" {
		t.Errorf("ParseModes = %v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "dense,bm25"} {
		if _, err := ParseModes(bad); err == nil {
			t.Errorf("ParseModes(%q) accepted", bad)
		}
	}
}

// countingBackend records the most searches in flight at once.
type countingBackend struct {
	fakeBackend
	mu       sync.Mutex
	inFlight int
	peak     int
}

func (c *countingBackend) Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error) {
	c.mu.Lock()
	c.inFlight++
	c.peak = max(c.peak, c.inFlight)
	c.mu.Unlock()
	time.Sleep(time.Millisecond)
	defer func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}()
	return c.fakeBackend.Search(ctx, name, req)
}

func TestRunBoundsConcurrency(t *testing.T) {
	ds := &Dataset{Name: "many", Format: FormatBEIR, Qrels: map[string]Judgments{}}
	for i := 0; i < 60; i++ {
		id := fmt.Sprint(i)
		ds.Queries = append(ds.Queries, Query{ID: id, Text: "q" + id})
		ds.Qrels[id] = Judgments{"d" + id: 1}
	}
	cb := &countingBackend{}
	rep, err := Run(context.Background(), cb, ds, Config{Collection: "c", Modes: []string{"dense", "lexical"}, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if cb.peak > 3 || cb.peak < 1 || len(cb.searches) != 120 || rep.Queries != 60 {
		t.Errorf("peak in flight %d (limit 3), searches %d, queries %d", cb.peak, len(cb.searches), rep.Queries)
	}
}

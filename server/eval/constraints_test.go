package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instructd/instructd/server"
)

// constraintBackend ranks the violating passage first when constraints are off and the
// satisfying one first when they are on, except for query "q2", where extraction
// "fails": nothing fires and the violating passage stays first.
type constraintBackend struct{ fakeBackend }

func (b *constraintBackend) SearchResponse(_ context.Context, _ string, req server.SearchRequest) (server.SearchResponse, error) {
	on := req.AutoConstraints == nil || *req.AutoConstraints
	var resp server.SearchResponse
	ids := []string{"vio-" + req.Query, "sat-" + req.Query}
	if on && req.Query != "q2" {
		ids = []string{"sat-" + req.Query, "vio-" + req.Query}
		resp.Constraints = &server.Constraints{Exclude: []string{"x"}, Extracted: []string{"x"}, Penalty: 1}
	}
	for i, id := range ids {
		resp.Hits = append(resp.Hits, server.SearchHit{ID: id, Score: float32(2 - i)})
	}
	return resp, nil
}

func writeLines(t *testing.T, path string, lines ...any) {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(j, '\n'))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func constraintFixture(t *testing.T) string {
	dir := t.TempDir()
	var corpus, queries, pairs []any
	for i, q := range []string{"q1", "q2", "q3", "q4"} {
		corpus = append(corpus, map[string]string{"_id": "sat-" + q, "text": "s"}, map[string]string{"_id": "vio-" + q, "text": "v"})
		queries = append(queries, map[string]string{"_id": q, "text": q, "instruction": ""})
		split := "tune"
		if i >= 2 {
			split = "validation"
		}
		pairs = append(pairs, ConstraintPair{QueryID: q, SatisfyingID: "sat-" + q, ViolatingID: "vio-" + q, Exclude: []string{"x"}, Split: split})
	}
	writeLines(t, filepath.Join(dir, "corpus.jsonl"), corpus...)
	writeLines(t, filepath.Join(dir, "queries.jsonl"), queries...)
	writeLines(t, filepath.Join(dir, "pairs.jsonl"), pairs...)
	return dir
}

func TestRunConstraints(t *testing.T) {
	dir := constraintFixture(t)
	set, err := LoadConstraints(filepath.Join(dir, "pairs.jsonl")) // the pairs file works as well as the directory
	if err != nil {
		t.Fatal(err)
	}
	b := &constraintBackend{}
	rep, err := RunConstraints(context.Background(), b, set, Config{Collection: "c", Modes: []string{ModeLexical}, Ingest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.ingested) != 8 || len(b.ensured) != 1 {
		t.Errorf("ingested %d documents into %v", len(b.ingested), b.ensured)
	}
	want := map[string][3]float64{ // paired accuracy, violation@10, fired
		"off/all": {0, 1, 0}, "off/tune": {0, 1, 0}, "off/validation": {0, 1, 0},
		"on/all": {0.75, 1, 0.75}, "on/tune": {0.5, 1, 0.5}, "on/validation": {1, 1, 1},
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("%d rows: %+v", len(rep.Rows), rep.Rows)
	}
	for _, r := range rep.Rows {
		w := want[r.Constraints+"/"+r.Split]
		if r.PairedAccuracy != w[0] || r.ViolationTop10 != w[1] || r.Fired != w[2] {
			t.Errorf("%s/%s: got %.2f %.2f %.2f, want %v", r.Constraints, r.Split, r.PairedAccuracy, r.ViolationTop10, r.Fired, w)
		}
	}
	var table, summary bytes.Buffer
	if err := rep.WriteTable(&table); err != nil || !strings.Contains(table.String(), "paired_acc") {
		t.Errorf("table %q: %v", table.String(), err)
	}
	if err := rep.WriteSummary(&summary); err != nil || !json.Valid(summary.Bytes()) {
		t.Errorf("summary %q: %v", summary.String(), err)
	}
	// A backend that returns hits only cannot give the report.
	if _, err := RunConstraints(context.Background(), &fakeBackend{}, set, Config{Collection: "c"}); err == nil {
		t.Error("a backend without SearchResponse was accepted")
	}
}

func TestLoadConstraintsRejectsUnknownIDs(t *testing.T) {
	dir := constraintFixture(t)
	writeLines(t, filepath.Join(dir, "pairs.jsonl"), ConstraintPair{QueryID: "q1", SatisfyingID: "sat-q1", ViolatingID: "nope"})
	if _, err := LoadConstraints(dir); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want one naming the unknown id", err)
	}
	if _, err := LoadConstraints(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing path was accepted")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/internal/testenv"
)

// TestRerankCLI scores JSONL with the test-reranker pack: results best first with the
// scores a direct Rerank call gives, top_n applied, bad lines reported by number.
func TestRerankCLI(t *testing.T) {
	ctx := context.Background()
	pack := testenv.Pack(t, "test-reranker")
	r, err := embed.OpenReranker(ctx, pack, embed.Config{LibraryPath: testenv.ORTLibrary(t), IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	docs := []string{"water boils at lower temperatures at altitude", "foxes eat berries", "owls hunt at night"}
	want, err := r.Rerank(ctx, "boiling point of water", docs, embed.RerankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := `{"id":1,"query":"boiling point of water","documents":["water boils at lower temperatures at altitude",{"text":"foxes eat berries"},"owls hunt at night"]}
{"id":"bad"}
{"id":"x","query":"q","documents":["one"]}
`
	var out, errOut bytes.Buffer
	err = rerankStream(ctx, r, nil, 2, strings.NewReader(in), &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "line 2") {
		t.Fatalf("bad line: err %v, stderr %q", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", out.String())
	}
	var got rerankOut
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if string(got.ID) != "1" || len(got.Results) != 2 {
		t.Fatalf("line 1: %s", lines[0])
	}
	for i, res := range got.Results {
		if float32(res.RelevanceScore) != want.Scores[res.Index] {
			t.Errorf("result %d: doc %d score %v, Rerank gave %v", i, res.Index, res.RelevanceScore, want.Scores[res.Index])
		}
		if i > 0 && res.RelevanceScore > got.Results[i-1].RelevanceScore {
			t.Errorf("results not best first: %s", lines[0])
		}
	}
}

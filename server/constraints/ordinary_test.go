package constraints

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

// TestOrdinaryQueriesDoNotExtract runs Extract over 625 queries that hold no
// constraint (all of Cranfield's, 400 of MS MARCO's; testdata/constraints/README.md)
// as query and as instruction: nothing may be extracted, except from the one query
// marked has_constraint ("… shell shapes other than conical").
//
//	go test -run TestOrdinaryQueriesDoNotExtract -v ./server/constraints/
func TestOrdinaryQueriesDoNotExtract(t *testing.T) {
	path := filepath.Join(testenv.RepoRoot(t), "testdata", "constraints", "ordinary_queries.jsonl")
	n, fired := 0, 0
	readJSONL(t, path, func(b []byte) error {
		var q struct {
			ID            string `json:"_id"`
			Text          string `json:"text"`
			HasConstraint bool   `json:"has_constraint"`
		}
		if err := json.Unmarshal(b, &q); err != nil {
			return err
		}
		n++
		asQuery, asInstruction := Extract("", q.Text), Extract(q.Text, "")
		got := len(asQuery.Exclude) > 0 || len(asInstruction.Exclude) > 0
		switch {
		case q.HasConstraint && !got:
			t.Errorf("%s: %q holds a constraint that was not extracted", q.ID, q.Text)
		case !q.HasConstraint && got:
			fired++
			t.Errorf("%s: false extraction from %q: as query %q, as instruction %q", q.ID, q.Text, asQuery.Exclude, asInstruction.Exclude)
		}
		return nil
	})
	if n < 600 {
		t.Fatalf("only %d ordinary queries", n)
	}
	t.Logf("%d ordinary queries: %d false extractions", n, fired)
}

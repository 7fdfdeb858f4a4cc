package constraints

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/index/lexical"
	"github.com/instructd/instructd/internal/testenv"
)

// fixture is testdata/constraints: a hand-written corpus and queries whose
// instructions carry a negative constraint, each with one satisfying and one
// violating document (see testdata/constraints/README.md).
type fixture struct {
	corpus  []struct{ ID, Text string }
	queries map[string]struct{ Text, Instruction string }
	pairs   []struct {
		QueryID, SatisfyingID, ViolatingID string
		Exclude                            []string
	}
}

func readJSONL(t *testing.T, path string, each func(line []byte) error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if err := each(sc.Bytes()); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "constraints")
	var fx fixture
	readJSONL(t, filepath.Join(dir, "corpus.jsonl"), func(b []byte) error {
		var d struct {
			ID    string `json:"_id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		err := json.Unmarshal(b, &d)
		fx.corpus = append(fx.corpus, struct{ ID, Text string }{d.ID, d.Title + " " + d.Text})
		return err
	})
	fx.queries = map[string]struct{ Text, Instruction string }{}
	readJSONL(t, filepath.Join(dir, "queries.jsonl"), func(b []byte) error {
		var q struct {
			ID          string `json:"_id"`
			Text        string `json:"text"`
			Instruction string `json:"instruction"`
		}
		err := json.Unmarshal(b, &q)
		fx.queries[q.ID] = struct{ Text, Instruction string }{q.Text, q.Instruction}
		return err
	})
	readJSONL(t, filepath.Join(dir, "pairs.jsonl"), func(b []byte) error {
		var p struct {
			QueryID      string   `json:"query_id"`
			SatisfyingID string   `json:"satisfying_id"`
			ViolatingID  string   `json:"violating_id"`
			Exclude      []string `json:"exclude"`
		}
		err := json.Unmarshal(b, &p)
		fx.pairs = append(fx.pairs, struct {
			QueryID, SatisfyingID, ViolatingID string
			Exclude                            []string
		}{p.QueryID, p.SatisfyingID, p.ViolatingID, p.Exclude})
		return err
	})
	if len(fx.pairs) < 40 || len(fx.corpus) < 200 {
		t.Fatalf("fixture too small: %d pairs, %d documents", len(fx.pairs), len(fx.corpus))
	}
	return fx
}

// satisfiedFirst reports whether sat is retrieved and ranks above vio (a
// violating document that is not retrieved at all counts as below).
func satisfiedFirst(hits []index.Result, sat, vio uint64) bool {
	for _, h := range hits {
		switch h.Key {
		case sat:
			return true
		case vio:
			return false
		}
	}
	return false
}

// TestFixtureLexicalConstraints measures, in lexical mode, how often the
// violating document ranks below the satisfying one: with constraints off (BM25
// over the original instruction + query) and on (Extract, BM25 over the cleaned
// text, then DefaultRule().Apply with violations found by the lexical index).
//
//	go test -run TestFixtureLexicalConstraints -v ./server/constraints/
func TestFixtureLexicalConstraints(t *testing.T) {
	fx := loadFixture(t)
	ix := lexical.New(lexical.Options{})
	keys := map[string]uint64{}
	for i, d := range fx.corpus {
		keys[d.ID] = uint64(i)
		ix.Upsert(uint64(i), d.Text)
	}
	n := ix.Len()
	var off, cleanedOnly, on, extracted int
	for _, p := range fx.pairs {
		q, ok := fx.queries[p.QueryID]
		sat, okS := keys[p.SatisfyingID]
		vio, okV := keys[p.ViolatingID]
		if !ok || !okS || !okV {
			t.Fatalf("pair %+v names unknown ids", p)
		}

		if satisfiedFirst(ix.Search(q.Instruction+" "+q.Text, n, nil), sat, vio) {
			off++
		}

		ex := Extract(q.Instruction, q.Text)
		if reflect.DeepEqual(ex.Exclude, p.Exclude) {
			extracted++
		} else {
			t.Logf("%s: extracted %q, gold %q", p.QueryID, ex.Exclude, p.Exclude)
		}
		violates := Violations(ix, ex.Exclude)
		if violates != nil && violates(sat) {
			t.Errorf("%s: satisfying document %s flagged as violating %q", p.QueryID, p.SatisfyingID, ex.Exclude)
		}
		cleaned := ix.Search(ex.Instruction+" "+ex.Query, n, nil)
		if satisfiedFirst(cleaned, sat, vio) {
			cleanedOnly++
		}
		hits := DefaultRule().Apply(cleaned, violates)
		if satisfiedFirst(hits, sat, vio) {
			on++
		} else {
			t.Logf("%s: violating document still first (cleaned %q / %q)", p.QueryID, ex.Instruction, ex.Query)
		}
	}
	total := float64(len(fx.pairs))
	offRate, onRate := float64(off)/total, float64(on)/total
	t.Logf("lexical mode, %d pairs over %d documents: violating below satisfying %.1f%% with constraints off, %.1f%% on "+
		"(%.1f%% with the cleaned text alone, no penalty); extraction matches gold for %d/%d",
		len(fx.pairs), n, 100*offRate, 100*onRate, 100*float64(cleanedOnly)/total, extracted, len(fx.pairs))
	if onRate-offRate < 0.30 {
		t.Errorf("constraints on (%.1f%%) should beat off (%.1f%%) by at least 30 points", 100*onRate, 100*offRate)
	}
	if float64(extracted) < 0.9*total {
		t.Errorf("extraction matches gold for only %d/%d queries", extracted, len(fx.pairs))
	}
}

package eval

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

func TestLoadFollowIRFixture(t *testing.T) {
	ds := followIRFixture(t)
	if ds.Format != FormatFollowIR || ds.Name != "followir" || len(ds.Corpus) != 8 || len(ds.Queries) != 4 {
		t.Fatalf("loaded %s/%s: %d docs, %d queries", ds.Name, ds.Format, len(ds.Corpus), len(ds.Queries))
	}
	q1 := ds.Queries[0]
	if q1.ID != "q1" || q1.Instruction == nil || q1.InstructionChanged == nil || !strings.Contains(*q1.InstructionChanged, "baked") {
		t.Errorf("q1 = %+v", q1)
	}
	if ds.Qrels["q2"]["d5"] != 2 || ds.ChangedQrels["q1"]["d3"] != 0 || len(ds.ChangedQrels["q2"]) != 2 {
		t.Errorf("qrels og %v changed %v", ds.Qrels, ds.ChangedQrels)
	}
	if ds.Evaluated(ds.Queries[3]) {
		t.Error("q4 (no relevant document) counted as evaluated")
	}
	// Loading the same directory as BEIR needs qrels/test.tsv, which a FollowIR set lacks.
	if _, err := Load(filepath.Join(testenv.RepoRoot(t), "testdata", "followir"), LoadOptions{Format: FormatBEIR}); err == nil {
		t.Error("FollowIR fixture loaded as BEIR")
	}
}

func TestLoadBEIR(t *testing.T) {
	files := maps.Clone(smallBEIR)
	files["qrels/dev.tsv"] = "1 b 1\r\n\r\n2\ta\t1.0\n"
	files["queries.jsonl"] += `{"_id":"5","query":"mteb style","instruction":"be brief"}` + "\n"
	dir := writeBEIR(t, files)
	ds, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Format != FormatBEIR || len(ds.Corpus) != 4 || len(ds.Queries) != 5 || ds.ChangedQrels != nil {
		t.Fatalf("loaded %+v", ds)
	}
	if ds.Corpus[3].Metadata["k"] != float64(1) || ds.Corpus[0].Title != "A" {
		t.Errorf("corpus %+v", ds.Corpus)
	}
	if q := ds.Queries[1]; q.Instruction == nil || *q.Instruction != "find b" || q.InstructionChanged != nil {
		t.Errorf("query 2 = %+v", q)
	}
	if q := ds.Queries[4]; q.Text != "mteb style" {
		t.Errorf(`"query" field not used: %+v`, q)
	}
	if len(ds.Qrels) != 3 || ds.Qrels["1"]["c"] != 2 {
		t.Errorf("qrels %v", ds.Qrels)
	}
	// --split dev: no header, space separated, CRLF, blank line, integral float score.
	dev, err := Load(dir, LoadOptions{Split: "dev", SkipCorpus: true})
	if err != nil {
		t.Fatal(err)
	}
	if dev.Corpus != nil || dev.Qrels["1"]["b"] != 1 || dev.Qrels["2"]["a"] != 1 {
		t.Errorf("dev split %v", dev.Qrels)
	}
}

func TestLoadErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		body    string
		format  Format
		wantErr string
	}{
		{"corpus bad json", "corpus.jsonl", "{\"_id\":\"a\",\"text\":\"x\"}\n{oops\n", FormatAuto, "corpus.jsonl:2: invalid JSON"},
		{"corpus missing id", "corpus.jsonl", "{\"text\":\"x\"}\n", FormatAuto, `corpus.jsonl:1: missing "_id"`},
		{"corpus duplicate id", "corpus.jsonl", "{\"_id\":\"a\"}\n\n{\"_id\":\"a\"}\n", FormatAuto, `corpus.jsonl:3: duplicate _id "a" (first on line 1)`},
		{"query without text", "queries.jsonl", "{\"_id\":\"1\",\"text\":\"  \"}\n", FormatAuto, `queries.jsonl:1: query "1" has no text`},
		{"query duplicate", "queries.jsonl", "{\"_id\":\"1\",\"text\":\"a\"}\n{\"_id\":\"1\",\"text\":\"b\"}\n", FormatAuto, "queries.jsonl:2: duplicate"},
		{"qrels columns", "qrels/test.tsv", "query-id\tcorpus-id\tscore\n1\ta\n", FormatAuto, "test.tsv:2: want 3 columns"},
		{"qrels score", "qrels/test.tsv", "1\ta\thigh\n", FormatAuto, `test.tsv:1: score "high" is not an integer`},
		{"qrels fractional score", "qrels/test.tsv", "1\ta\t0.5\n", FormatAuto, `score "0.5" is not an integer`},
		{"followir needs both instructions", "queries.jsonl", "{\"_id\":\"1\",\"text\":\"a\",\"instruction_og\":\"x\"}\n", FormatFollowIR, `queries.jsonl:1: query "1": a FollowIR query needs`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := maps.Clone(smallBEIR)
			files[c.file] = c.body
			if c.format == FormatFollowIR {
				files["qrels/og.tsv"] = "1\ta\t1\n"
				files["qrels/changed.tsv"] = "1\ta\t0\n"
			}
			_, err := Load(writeBEIR(t, files), LoadOptions{Format: c.format})
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.HasPrefix(err.Error(), "eval: ") {
				t.Errorf("err = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
	t.Run("missing qrels file", func(t *testing.T) {
		_, err := Load(writeBEIR(t, smallBEIR), LoadOptions{Split: "train"})
		if err == nil || !strings.Contains(err.Error(), "train.tsv") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		dir := writeBEIR(t, smallBEIR)
		if _, err := Load(filepath.Join(dir, "corpus.jsonl"), LoadOptions{}); err == nil {
			t.Error("a file accepted as dataset")
		}
		if _, err := Load(filepath.Join(dir, "nope"), LoadOptions{}); err == nil {
			t.Error("a missing directory accepted")
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		if _, err := Load(writeBEIR(t, smallBEIR), LoadOptions{Format: "msmarco"}); err == nil {
			t.Error("unknown format accepted")
		}
	})
	t.Run("no queries", func(t *testing.T) {
		files := maps.Clone(smallBEIR)
		files["queries.jsonl"] = "\n"
		if _, err := Load(writeBEIR(t, files), LoadOptions{}); err == nil || !strings.Contains(err.Error(), "no queries") {
			t.Errorf("err = %v", err)
		}
	})
}

package eval

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadFiles feeds arbitrary bytes to the three readers: they may reject the input but
// must never panic, and whatever they accept is well-formed.
func FuzzLoadFiles(f *testing.F) {
	f.Add([]byte("query-id\tcorpus-id\tscore\n1\ta\t1\n"))
	f.Add([]byte("{\"_id\":\"1\",\"text\":\"x\",\"instruction_og\":\"a\",\"instruction_changed\":\"b\"}\n"))
	f.Add([]byte("{\"_id\":\"a\",\"title\":\"t\",\"text\":\"x\",\"metadata\":{\"k\":[1,2]}}\r\n\n"))
	f.Add([]byte("1 a 1e99\n\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if qrels, err := readQrels(path); err == nil {
			for q, j := range qrels {
				if q == "" || j == nil {
					t.Fatalf("accepted qrels with an empty query or judgments: %v", qrels)
				}
			}
		}
		for _, format := range []Format{FormatBEIR, FormatFollowIR} {
			if qs, err := readQueries(path, format); err == nil {
				for _, q := range qs {
					if q.ID == "" || q.Text == "" || (format == FormatFollowIR && (q.Instruction == nil || q.InstructionChanged == nil)) {
						t.Fatalf("accepted a malformed query %+v", q)
					}
				}
			}
		}
		if docs, err := readCorpus(path); err == nil {
			for _, d := range docs {
				if d.ID == "" {
					t.Fatal("accepted a document without id")
				}
			}
		}
	})
}

package lexical

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/internal/testenv"
)

// loadWordNet reads the generated WordNet corpus as "title text" strings.
func loadWordNet(b *testing.B) []string {
	b.Helper()
	f, err := os.Open(testenv.WordNetCorpus(b))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var docs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var d struct{ Title, Text string }
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d.Title+" "+d.Text)
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return docs
}

// BenchmarkBuildWordNet indexes the whole WordNet corpus per iteration;
// docs/s is the build throughput.
func BenchmarkBuildWordNet(b *testing.B) {
	docs := loadWordNet(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix := New(Options{})
		for k, d := range docs {
			ix.Upsert(uint64(k), d)
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkSearchWordNet runs top-10 queries (glosses of other documents, so
// several common terms each) against the full WordNet index. Its peer,
// exhaustive, computes the same BM25 scores by scanning every document, so the
// ratio between the two is the inverted index's gain on this machine.
func BenchmarkSearchWordNet(b *testing.B) {
	docs := loadWordNet(b)
	ix := New(Options{})
	for k, d := range docs {
		ix.Upsert(uint64(k), d)
	}
	queries := make([]string, 0, 256)
	for i := 0; i < len(docs) && len(queries) < cap(queries); i += len(docs) / cap(queries) {
		queries = append(queries, docs[i])
	}
	b.Run("inverted", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = ix.Search(queries[i%len(queries)], 10, nil)
		}
	})
	b.Run("exhaustive-peer", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = exhaustiveSearch(ix, queries[i%len(queries)], 10)
		}
	})
}

// exhaustiveSearch scores every document without the postings: the brute-force
// reference for the benchmark (and, in TestExhaustiveAgrees, for correctness).
func exhaustiveSearch(ix *Index, query string, k int) []index.Result {
	qtf := queryTerms(Analyze(query))
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.ids)
	avgdl := float64(ix.totalLen) / float64(n)
	k1, bb := ix.opts.K1, ix.opts.B
	top := index.NewTopK(k)
	for id := range ix.docs {
		d := &ix.docs[id]
		if !d.live {
			continue
		}
		score, hit := 0.0, false
		for _, q := range qtf {
			for _, t := range d.terms {
				if t.term == q.term {
					f := float64(t.tf)
					df := len(ix.postings[q.term].docs)
					score += float64(q.tf) * idf(n, df) * f * (k1 + 1) / (f + k1*(1-bb+bb*float64(d.length)/avgdl))
					hit = true
					break
				}
			}
		}
		if hit {
			top.Push(d.key, float32(score))
		}
	}
	if hits := top.Sorted(); len(hits) > 0 {
		return hits
	}
	return nil
}

// BenchmarkAnalyzeWordNet is the analyzer alone, the floor under both of the above.
func BenchmarkAnalyzeWordNet(b *testing.B) {
	docs := loadWordNet(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = Analyze(docs[i%len(docs)])
	}
}

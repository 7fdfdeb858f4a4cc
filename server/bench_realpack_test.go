package server

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/internal/testenv"
)

// BenchmarkServerOverhead compares the server's ingest and search paths with the
// test-minilm pack (384-d, 6 layers) against their embedding cost alone, on the first
// 1,024 WordNet glosses: ingest = Upsert (embed + fsynced commit + index) vs a raw
// document Embed of the same texts; search = Search (query embed + HNSW + store read)
// vs a raw query Embed. The ratio is the server's overhead. Before the searches, the
// collection is padded with random pre-computed vectors past index.DefaultExactThreshold
// so that they run on the HNSW graph (checked), not on the exact engine.
//
//	go test ./server -run '^$' -bench ServerOverhead -benchtime 3x
func BenchmarkServerOverhead(b *testing.B) {
	ctx := context.Background()
	docs := wordnetDocs(b, 1024)
	cfg := DefaultConfig()
	cfg.DataDir = b.TempDir()
	cfg.ModelPacks = []string{testenv.Pack(b, "test-minilm")}
	cfg.ORTLibrary = testenv.ORTLibrary(b)
	cfg.SnapshotInterval = 0
	cfg.Embedding.CacheSize = -1 // measure the model, not the query cache
	s, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	emb := s.packs[0].emb
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = lexicalText(d.Title, d.Text)
	}
	b.Run("ingest/embed-only", func(b *testing.B) {
		for b.Loop() {
			for off := 0; off < len(texts); off += 256 {
				if _, err := emb.Embed(ctx, texts[off:off+256], embedOptions{Wait: true}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("ingest/upsert", func(b *testing.B) {
		n := 0
		for b.Loop() {
			name := "c" + itoa(n)
			n++
			if _, _, err := s.CreateCollection(ctx, name, CollectionSpec{}); err != nil {
				b.Fatal(err)
			}
			for off := 0; off < len(docs); off += 256 {
				if _, err := s.Upsert(ctx, name, docs[off:off+256]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
	padPastThreshold(b, s, "c0", emb.Manifest().Dimension)
	queries := texts[:64]
	b.Run("search/embed-only", func(b *testing.B) {
		for b.Loop() {
			for _, q := range queries {
				if _, err := emb.Embed(ctx, []string{q}, embedOptions{Query: true}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(len(queries)*b.N), "ms/query")
	})
	for _, mode := range []string{ModeDense, ModeHybrid} {
		b.Run("search/"+mode, func(b *testing.B) {
			for b.Loop() {
				for _, q := range queries {
					if _, err := s.Search(ctx, "c0", SearchRequest{Query: q, K: 10, Mode: mode}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(len(queries)*b.N), "ms/query")
		})
	}
}

// padPastThreshold adds random vectors to coll until it holds more than the exact
// threshold, waits for the HNSW graph and checks the engine.
func padPastThreshold(b *testing.B, s *Server, coll string, dim int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	for off := 0; off < index.DefaultExactThreshold; off += 1000 {
		docs := make([]Document, 1000)
		for i := range docs {
			v := make([]float32, dim)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			docs[i] = Document{ID: "pad" + itoa(off+i), Vector: v}
		}
		if _, err := s.Upsert(ctx, coll, docs); err != nil {
			b.Fatal(err)
		}
	}
	c, err := s.collection(coll)
	if err != nil {
		b.Fatal(err)
	}
	if err := index.WaitBuild(c.vec); err != nil {
		b.Fatal(err)
	}
	if st := c.vec.Stats(); st.Engine != "hnsw" {
		b.Fatalf("collection %s of %d vectors is on %s, want hnsw", coll, st.Count, st.Engine)
	}
}

// wordnetDocs reads the first n documents of the generated WordNet corpus.
func wordnetDocs(tb testing.TB, n int) []Document {
	tb.Helper()
	f, err := os.Open(testenv.WordNetCorpus(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var out []Document
	for sc.Scan() && len(out) < n {
		var r struct {
			ID    string `json:"_id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		out = append(out, Document{ID: r.ID, Title: r.Title, Text: r.Text})
	}
	if len(out) < n {
		tb.Fatalf("corpus has %d documents, want %d", len(out), n)
	}
	return out
}

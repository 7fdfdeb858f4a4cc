package embed

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

// BenchmarkStaticPath compares the static engine's direct path (tokenize and pool on the
// caller's goroutines) with sending the same token ids through the dynamic batcher the
// transformer path uses (one worker per core, default batch knobs), on 5,000 WordNet
// glosses with test-static-m2v-f32. The batcher adds queueing, sorting and goroutine
// hand-offs to work that takes microseconds per text, and a lone text waits MaxWait for
// company; see docs/static.md.
//
//	go test ./embed -run '^$' -bench StaticPath -benchtime 5x
func BenchmarkStaticPath(b *testing.B) {
	s := openStaticForTest(b, "m2v-f32", DefaultConfig())
	all := benchGlosses(b, 5000)
	for _, size := range []struct {
		name  string
		texts []string
	}{{"5000", all}, {"1", all[:1]}} {
		b.Run(size.name, func(b *testing.B) { benchStaticPaths(b, s, size.texts) })
	}
}

func benchStaticPaths(b *testing.B, s *StaticEmbedder, texts []string) {
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Embed(ctx, texts, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("batcher", func(b *testing.B) {
		cfg := DefaultConfig()
		infers := make([]inferFunc, cfg.IntraOpThreads)
		for i := range infers {
			acc := make([]float64, s.dim)
			infers[i] = func(bt batch) ([][]float32, error) {
				out := make([][]float32, len(bt.encs))
				for j, enc := range bt.encs {
					out[j] = s.poolIDs(acc, enc.IDs, s.dim)
				}
				return out, nil
			}
		}
		bat := newPoolBatcher(batchConfig{maxTokens: cfg.MaxBatchTokens, maxSize: cfg.MaxBatchSize, maxWait: cfg.MaxWait, queueSize: cfg.QueueSize}, infers, Hooks{})
		defer bat.close()
		for b.Loop() {
			n := len(texts)
			req := &request{ctx: ctx, reply: make(chan error, 1), out: make([][]float32, n), remaining: n}
			if err := bat.admit(ctx, n, true); err != nil {
				b.Fatal(err)
			}
			entries := make([]*entry, n)
			encs := make([]Encoding, n)
			for i, t := range texts {
				ids, _, err := s.tokenIDs(t)
				if err != nil {
					b.Fatal(err)
				}
				encs[i] = Encoding{IDs: ids}
				entries[i] = &entry{enc: &encs[i], req: req, idx: i}
			}
			bat.enqueue(entries)
			if err := <-req.reply; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "docs/s")
	})
}

func benchGlosses(b *testing.B, n int) []string {
	f, err := os.Open(testenv.WordNetCorpus(b))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var texts []string
	for sc.Scan() && len(texts) < n {
		var doc struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, doc.Text)
	}
	return texts
}

package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/server"
)

// ingestBatch matches the server's NDJSON batch (api.Options.IngestBatchDocs default).
const ingestBatch = 256

// ingestRounds interleaves the two measurements of phase (a) so that a change in the
// machine's load during the run hits both alike: the documents are split into rounds,
// and each round is first embedded in-process, then ingested over HTTP.
const ingestRounds = 4

// ingestConcurrency is how many batches the in-process baseline embeds at once: the
// server's NDJSON ingest keeps two batches upserting at once (--ingest-concurrency 2,
// its default), so the baseline gets the same concurrency.
const ingestConcurrency = 2

// embedder is the in-process baseline: the server's pack and settings, its texts
// (title + "\n" + text), document type, batches of 256, two in flight, waiting on the queue.
type embedder struct {
	e *embed.Embedder
}

func openEmbedder(ctx context.Context, cfg config) (*embedder, error) {
	ec := embed.DefaultConfig()
	ec.LibraryPath = cfg.ort
	e, err := embed.Open(ctx, cfg.pack, ec)
	if err != nil {
		return nil, fmt.Errorf("embed baseline: %w", err)
	}
	return &embedder{e: e}, nil
}

// embedDocs embeds docs and returns the time it took.
func (b *embedder) embedDocs(ctx context.Context, docs []benchDoc) (time.Duration, error) {
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = d.Text
		if d.Title != "" {
			texts[i] = d.Title + "\n" + d.Text
		}
	}
	opts := embed.Options{Type: embed.Document, Wait: true}
	start := time.Now()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, ingestConcurrency)
	for i := 0; i < len(texts); i += ingestBatch {
		sem <- struct{}{}
		wg.Add(1)
		go func(batch []string) {
			defer func() { <-sem; wg.Done() }()
			if _, err := b.e.Embed(ctx, batch, opts); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		}(texts[i:min(i+ingestBatch, len(texts))])
	}
	wg.Wait()
	return time.Since(start), first
}

// compareIngest measures in-process embedding and NDJSON ingest of the same documents,
// interleaved in rounds, and returns both rates in docs/s.
func compareIngest(ctx context.Context, cl *client.Client, cfg config, docs []benchDoc) (embedRate, ingestRate float64, err error) {
	b, err := openEmbedder(ctx, cfg)
	if err != nil {
		return 0, 0, err
	}
	defer b.e.Close()
	if _, err := b.embedDocs(ctx, docs[:min(len(docs), 32)]); err != nil { // warm-up
		return 0, 0, err
	}
	if err := freshCollection(ctx, cl, "bench_text", server.CollectionSpec{}); err != nil {
		return 0, 0, err
	}
	var embedTime, ingestTime time.Duration
	per := (len(docs) + ingestRounds - 1) / ingestRounds
	for lo := 0; lo < len(docs); lo += per {
		part := docs[lo:min(lo+per, len(docs))]
		et, err := b.embedDocs(ctx, part)
		if err != nil {
			return 0, 0, err
		}
		it, err := ingestText(ctx, cl, part)
		if err != nil {
			return 0, 0, err
		}
		embedTime += et
		ingestTime += it
		logf("(a) round of %d docs: in-process %.1f docs/s, ingest %.1f docs/s",
			len(part), float64(len(part))/et.Seconds(), float64(len(part))/it.Seconds())
	}
	return float64(len(docs)) / embedTime.Seconds(), float64(len(docs)) / ingestTime.Seconds(), nil
}

// freshCollection deletes and recreates a collection.
func freshCollection(ctx context.Context, cl *client.Client, name string, spec server.CollectionSpec) error {
	if err := cl.DeleteCollection(ctx, name); err != nil && !client.IsNotFound(err) {
		return err
	}
	_, _, err := cl.CreateCollection(ctx, name, spec)
	return err
}

// ingestText streams the documents as NDJSON into bench_text and returns the time.
func ingestText(ctx context.Context, cl *client.Client, docs []benchDoc) (time.Duration, error) {
	var buf bytes.Buffer
	for _, d := range docs {
		buf.Write(d.line)
		buf.WriteByte('\n')
	}
	start := time.Now()
	res, err := cl.IngestNDJSON(ctx, "bench_text", &buf, nil)
	if err != nil {
		return 0, err
	}
	if res.Upserted != len(docs) || res.FailedCount != 0 {
		return 0, fmt.Errorf("ingest: %d upserted, %d failed of %d", res.Upserted, res.FailedCount, len(docs))
	}
	return time.Since(start), nil
}

// vectorGen yields seeded unit vectors around 256 cluster centres, a shape closer to
// real embeddings than uniform noise.
type vectorGen struct {
	dim     int
	centres [][]float32
	rng     *rand.Rand
}

func newVectorGen(dim int, seed uint64) *vectorGen {
	g := &vectorGen{dim: dim, rng: rand.New(rand.NewPCG(seed, 7))}
	for i := 0; i < 256; i++ {
		g.centres = append(g.centres, g.noise(1))
	}
	return g
}

func (g *vectorGen) noise(scale float64) []float32 {
	v := make([]float32, g.dim)
	for i := range v {
		v[i] = float32(g.rng.NormFloat64() * scale)
	}
	return v
}

// next returns a normalised vector near a random centre.
func (g *vectorGen) next() []float32 {
	c := g.centres[g.rng.IntN(len(g.centres))]
	v := g.noise(0.5)
	var norm float64
	for i := range v {
		v[i] += c[i]
		norm += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(norm))
	}
	return v
}

// vectorReader produces NDJSON lines {"id","vector"} on the fly (bounded memory).
type vectorReader struct {
	gen  *vectorGen
	n, i int
	buf  []byte
	out  []byte
}

func (r *vectorReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.i == r.n {
			return 0, io.EOF
		}
		r.buf = append(r.buf[:0], `{"id":"v`...)
		r.buf = strconv.AppendInt(r.buf, int64(r.i), 10)
		r.buf = append(r.buf, `","vector":[`...)
		for j, f := range r.gen.next() {
			if j > 0 {
				r.buf = append(r.buf, ',')
			}
			r.buf = strconv.AppendFloat(r.buf, float64(f), 'g', 5, 32)
		}
		r.buf = append(r.buf, "]}\n"...)
		r.out = r.buf
		r.i++
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// ingestVectors fills the vector-only collection and returns vectors/s.
func ingestVectors(ctx context.Context, cl *client.Client, cfg config) (float64, error) {
	if err := freshCollection(ctx, cl, "bench_vec", server.CollectionSpec{Dimension: cfg.vecDim}); err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := cl.IngestNDJSON(ctx, "bench_vec", &vectorReader{gen: newVectorGen(cfg.vecDim, cfg.seed), n: cfg.vecDocs}, nil)
	if err != nil {
		return 0, err
	}
	if res.Upserted != cfg.vecDocs {
		return 0, fmt.Errorf("vector ingest: %d upserted of %d (%d failed)", res.Upserted, cfg.vecDocs, res.FailedCount)
	}
	return float64(cfg.vecDocs) / time.Since(start).Seconds(), nil
}

// vectorQuery returns a generator of vector queries from the same distribution
// (fresh points, not stored ones); safe for concurrent use.
func vectorQuery(cfg config) func() server.SearchRequest {
	g := newVectorGen(cfg.vecDim, cfg.seed) // same centres as the data
	g.rng = rand.New(rand.NewPCG(cfg.seed, 99))
	var mu sync.Mutex
	return func() server.SearchRequest {
		mu.Lock()
		defer mu.Unlock()
		return server.SearchRequest{Vector: g.next(), K: 10}
	}
}

package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/index/lexical"
	"github.com/instructd/instructd/internal/atomicfile"
	"github.com/instructd/instructd/models"
)

// fakeDim is the fake embedder's dimension.
const fakeDim = 16

// fakeEmbedder embeds a text as the normalised sum of one pseudo-random vector per
// lower-cased word, so texts sharing words are similar. It counts the texts it embeds.
type fakeEmbedder struct {
	name      string
	maxTokens int
	texts     atomic.Int64 // texts embedded
	overload  atomic.Bool  // non-waiting calls fail with ErrOverloaded
	closed    atomic.Bool
	semantic  bool // the manifest's "semantic" flag
}

func newFakeEmbedder(name string) *fakeEmbedder { return &fakeEmbedder{name: name, maxTokens: 32} }

func (f *fakeEmbedder) Embed(ctx context.Context, texts []string, opts embedOptions) (embedResult, error) {
	if f.closed.Load() {
		return embedResult{}, ErrUnavailable
	}
	if err := ctx.Err(); err != nil {
		return embedResult{}, err
	}
	if !opts.Wait && f.overload.Load() {
		return embedResult{}, fmt.Errorf("fake: %w", ErrOverloaded)
	}
	f.texts.Add(int64(len(texts)))
	res := embedResult{Vectors: make([][]float32, len(texts)), Truncated: make([]bool, len(texts))}
	for i, t := range texts {
		words := fakeWords(t)
		if len(words) > f.maxTokens-2 {
			words, res.Truncated[i] = words[:f.maxTokens-2], true
		}
		res.Tokens += len(words) + 2
		res.Vectors[i] = wordVector(words)
	}
	return res, nil
}

func fakeWords(t string) []string {
	return strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// wordVector sums per-word pseudo-random vectors and normalises.
func wordVector(words []string) []float32 {
	v := make([]float32, fakeDim)
	v[0] = 1e-3 // never all zeros
	for _, w := range words {
		h := sha256.Sum256([]byte(w))
		for j := range v {
			v[j] += float32(int8(h[j])) / 128
		}
	}
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	for j := range v {
		v[j] /= float32(math.Sqrt(ss))
	}
	return v
}

func (f *fakeEmbedder) Manifest() models.Manifest {
	return models.Manifest{Name: f.name, Dimension: fakeDim, MaxTokens: f.maxTokens, Pooling: models.PoolingMean, Normalize: true, Semantic: f.semantic}
}

func (f *fakeEmbedder) Tokenizer() embed.Tokenizer { return fakeTokenizer{max: f.maxTokens} }

func (f *fakeEmbedder) Close() error { f.closed.Store(true); return nil }

// fakeTokenizer splits on spaces; [CLS] and [SEP] are the special tokens.
type fakeTokenizer struct{ max int }

func (t fakeTokenizer) Encode(text string) (embed.Encoding, error) {
	var enc embed.Encoding
	add := func(off [2]int, special bool) {
		enc.IDs = append(enc.IDs, int64(len(enc.IDs)))
		enc.TypeIDs = append(enc.TypeIDs, 0)
		enc.AttentionMask = append(enc.AttentionMask, 1)
		enc.Offsets = append(enc.Offsets, off)
		enc.SpecialTokens = append(enc.SpecialTokens, special)
	}
	add([2]int{}, true)
	start := -1
	for i, r := range text + " " {
		if r == ' ' {
			if start >= 0 {
				if len(enc.IDs) == t.max-1 {
					enc.Truncated = true
					break
				}
				add([2]int{start, i}, false)
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	add([2]int{}, true)
	return enc, nil
}

func (t fakeTokenizer) MaxLength() int { return t.max }

// fakeIndex is an exact index whose snapshots are JSON with a checksum.
type fakeIndex struct {
	mu     sync.RWMutex
	dim    int
	metric index.Metric
	vecs   map[uint64][]float32
	closed bool
}

func newFakeIndex(dim int, metric index.Metric, _ IndexParams) (index.Index, error) {
	return &fakeIndex{dim: dim, metric: metric, vecs: map[uint64][]float32{}}, nil
}

func (x *fakeIndex) Upsert(keys []uint64, vectors [][]float32) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return index.ErrClosed
	}
	for i, k := range keys {
		if len(vectors[i]) != x.dim {
			return index.ErrDimension
		}
		x.vecs[k] = append([]float32(nil), vectors[i]...)
	}
	return nil
}

func (x *fakeIndex) Delete(keys ...uint64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, k := range keys {
		delete(x.vecs, k)
	}
	return nil
}

func (x *fakeIndex) Search(ctx context.Context, q []float32, opts index.SearchOptions) ([]index.Result, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, index.ErrClosed
	}
	if len(q) != x.dim {
		return nil, index.ErrDimension
	}
	var out []index.Result
	for k, v := range x.vecs {
		if f := opts.Filter; f != nil {
			if f.Keys != nil {
				if _, ok := f.Keys[k]; !ok {
					continue
				}
			} else if !f.Allow(k) {
				continue
			}
		}
		var dot float32
		for i := range v {
			dot += v[i] * q[i]
		}
		out = append(out, index.Result{Key: k, Score: dot})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > opts.K {
		out = out[:opts.K]
	}
	return out, nil
}

func (x *fakeIndex) Len() int { x.mu.RLock(); defer x.mu.RUnlock(); return len(x.vecs) }

func (x *fakeIndex) Stats() index.Stats {
	return index.Stats{Engine: "fake", Metric: x.metric, Dimension: x.dim, Count: x.Len()}
}

type fakeSnapshot struct {
	Dim    int                  `json:"dim"`
	Metric index.Metric         `json:"metric"`
	Vecs   map[uint64][]float32 `json:"vecs"`
}

func (x *fakeIndex) Save(path string) error {
	x.mu.RLock()
	body, err := json.Marshal(fakeSnapshot{Dim: x.dim, Metric: x.metric, Vecs: x.vecs})
	x.mu.RUnlock()
	if err != nil {
		return err
	}
	h := fnv.New64a()
	h.Write(body)
	return atomicfile.Write(path, binary.BigEndian.AppendUint64(body, h.Sum64()))
}

func loadFakeIndex(path string) (index.Index, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 {
		return nil, index.ErrCorrupt
	}
	body, sum := b[:len(b)-8], binary.BigEndian.Uint64(b[len(b)-8:])
	h := fnv.New64a()
	h.Write(body)
	if h.Sum64() != sum {
		return nil, fmt.Errorf("%s: %w", path, index.ErrCorrupt)
	}
	var s fakeSnapshot
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, errors.Join(index.ErrCorrupt, err)
	}
	return &fakeIndex{dim: s.Dim, metric: s.Metric, vecs: s.Vecs}, nil
}

func (x *fakeIndex) Close() error { x.mu.Lock(); x.closed = true; x.mu.Unlock(); return nil }

// fakeChunk makes windows of `window` space-separated words overlapping by `overlap`.
func fakeChunk(tok embed.Tokenizer, text string, window, overlap int) ([]span, error) {
	enc, _ := fakeTokenizer{max: 1 << 20}.Encode(text)
	var words [][2]int
	for i, o := range enc.Offsets {
		if !enc.SpecialTokens[i] {
			words = append(words, o)
		}
	}
	if len(words) <= window {
		return []span{{0, len(text)}}, nil
	}
	var out []span
	for s := 0; ; s += window - overlap {
		e := min(s+window, len(words))
		end := words[e-1][1]
		if e == len(words) {
			end = len(text)
		}
		start := words[s][0]
		if s == 0 {
			start = 0
		}
		out = append(out, span{start, end})
		if e == len(words) {
			return out, nil
		}
	}
}

// testDeps are fakes for everything but the lexical index (the real one is cheap).
// embedders maps pack dirs to embedders; a dir not in it fails to load.
func testDeps(embedders map[string]*fakeEmbedder) deps {
	return deps{
		openEmbedder: func(ctx context.Context, dir string, cfg Config, m *metrics) (embedder, error) {
			e, ok := embedders[dir]
			if !ok {
				return nil, fmt.Errorf("fake: no pack at %s", dir)
			}
			e.closed.Store(false)
			return e, nil
		},
		newIndex:  newFakeIndex,
		loadIndex: loadFakeIndex,
		newText:   func() textIndex { return lexical.New(lexical.Options{}) },
		loadText: func(path string) (textIndex, error) {
			ix, err := lexical.Load(path)
			if err != nil {
				return nil, err
			}
			return ix, nil
		},
		chunk: fakeChunk,
	}
}

// testServer opens a server on dir with one fake pack "fake/model" (unless noPack).
type testServer struct {
	*Server
	emb *fakeEmbedder
	dir string
}

func openTest(t *testing.T, dir string, emb *fakeEmbedder, mutate ...func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.SnapshotInterval = 0
	embs := map[string]*fakeEmbedder{}
	if emb != nil {
		cfg.ModelPacks = []string{"pack"}
		embs["pack"] = emb
	}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := openWith(context.Background(), cfg, testDeps(embs))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := s.WaitRecovered(context.Background()); err != nil {
		t.Fatalf("recover: %v", err)
	}
	return &testServer{Server: s, emb: emb, dir: dir}
}

// newTest opens a fresh server with a fake pack and closes it at cleanup.
func newTest(t *testing.T) *testServer {
	t.Helper()
	ts := openTest(t, t.TempDir(), newFakeEmbedder("fake/model"))
	t.Cleanup(func() { _ = ts.Close(context.Background()) })
	return ts
}

// indexOpts restricts a search to one key.
func indexOpts(k int, key uint64) index.SearchOptions {
	return index.SearchOptions{K: k, Filter: &index.Filter{Keys: map[uint64]struct{}{key: {}}}}
}

func sleepMillis(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

func removeIfExists(p string) error {
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

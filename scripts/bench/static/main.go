// Command static measures static embedding packs against the transformer pack on the
// same WordNet glosses, in one run: documents per second through embed.OpenModel for
// test-minilm (ONNX Runtime, default config) and for Model2Vec-shaped static packs
// built here from test-minilm's tokenizer with random tables of the real models' sizes
// (potion-base-8M: 256 dims, potion-retrieval-32M: 512), plus where the static time goes
// (tokenizing vs pooling, from embed.Result.Timings).
//
//	go run ./scripts/bench/static -n 5000
//
// The ONNX side needs INSTRUCTD_ORT_LIB (or .deps/onnxruntime); the static side needs nothing.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

func main() {
	corpus := flag.String("corpus", "testdata/generated/wordnet.jsonl", "BEIR corpus.jsonl; the text field is embedded")
	onnxPack := flag.String("onnx-pack", "models/test-minilm", "transformer pack to compare with")
	n := flag.Int("n", 5000, "glosses to embed")
	rounds := flag.Int("rounds", 3, "timed rounds per engine (the median is reported)")
	dims := flag.String("dims", "256,512", "static table widths to build and measure")
	threads := flag.Int("threads", runtime.NumCPU(), "threads for ONNX Runtime and goroutines per static call")
	flag.Parse()
	if err := run(*corpus, *onnxPack, *n, *rounds, *dims, *threads); err != nil {
		fmt.Fprintln(os.Stderr, "bench-static:", err)
		os.Exit(1)
	}
}

type result struct {
	name       string
	docsPerSec float64
	tokenize   time.Duration // summed over goroutines
	pool       time.Duration
	tokens     int
	wall       time.Duration
}

func run(corpus, onnxPack string, n, rounds int, dimList string, threads int) error {
	texts, err := readTexts(corpus, n)
	if err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Fprintf(os.Stderr, "bench-static: %d glosses, %d threads, %d cores, load %s\n", len(texts), threads, runtime.NumCPU(), loadavg())

	var results []result
	cfg := embed.DefaultConfig()
	cfg.IntraOpThreads = threads
	cfg.CacheSize = 0
	onnx, err := measure(ctx, "onnx "+filepath.Base(onnxPack), onnxPack, cfg, texts, rounds)
	if err != nil {
		return err
	}
	results = append(results, onnx)

	tmp, err := os.MkdirTemp("", "bench-static-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, f := range strings.Split(dimList, ",") {
		dim, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || dim <= 0 {
			return fmt.Errorf("bad -dims entry %q", f)
		}
		dir := filepath.Join(tmp, fmt.Sprintf("static-%d", dim))
		if err := buildStaticPack(dir, filepath.Join(onnxPack, models.TokenizerFile), dim); err != nil {
			return err
		}
		for _, w := range []int{threads, 1} {
			c := cfg
			c.IntraOpThreads = w
			r, err := measure(ctx, fmt.Sprintf("static %d dims, %d goroutine(s)", dim, w), dir, c, texts, rounds)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}

	fmt.Printf("%-36s %12s %9s %14s %12s\n", "engine", "docs/s", "× onnx", "tokenize %", "pool %")
	for _, r := range results {
		share := func(d time.Duration) string {
			if r.tokenize+r.pool == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f%%", 100*float64(d)/float64(r.tokenize+r.pool))
		}
		tok, pool := share(r.tokenize), share(r.pool)
		if strings.HasPrefix(r.name, "onnx") {
			tok, pool = "-", "-"
		}
		fmt.Printf("%-36s %12.0f %9.1f %14s %12s\n", r.name, r.docsPerSec, r.docsPerSec/onnx.docsPerSec, tok, pool)
	}
	fmt.Fprintf(os.Stderr, "bench-static: load at the end %s\n", loadavg())
	return nil
}

// measure opens packDir with embed.OpenModel, warms up, and times rounds of one
// Embed call over all texts (documents), reporting the median round.
func measure(ctx context.Context, name, packDir string, cfg embed.Config, texts []string, rounds int) (result, error) {
	m, err := embed.OpenModel(ctx, packDir, cfg)
	if err != nil {
		return result{}, err
	}
	defer m.Close()
	if _, err := m.Embed(ctx, texts[:min(len(texts), 200)], embed.Options{}); err != nil {
		return result{}, err
	}
	var rs []result
	for range max(rounds, 1) {
		start := time.Now()
		res, err := m.Embed(ctx, texts, embed.Options{Wait: true})
		if err != nil {
			return result{}, err
		}
		wall := time.Since(start)
		rs = append(rs, result{name: name, wall: wall, docsPerSec: float64(len(texts)) / wall.Seconds(),
			tokenize: res.Timings.Tokenize, pool: res.Timings.Infer, tokens: res.Tokens})
	}
	slices.SortFunc(rs, func(a, b result) int { return int(a.wall - b.wall) })
	r := rs[len(rs)/2]
	fmt.Fprintf(os.Stderr, "bench-static: %s: %.0f docs/s (%d tokens, median of %d rounds)\n", name, r.docsPerSec, r.tokens, len(rs))
	return r, nil
}

// buildStaticPack writes a Model2Vec-layout pack with a random F32 table of dim columns
// and one row per id of the tokenizer at tokPath.
func buildStaticPack(dir, tokPath string, dim int) error {
	raw, err := os.ReadFile(tokPath)
	if err != nil {
		return err
	}
	var tok map[string]any
	if err := json.Unmarshal(raw, &tok); err != nil {
		return fmt.Errorf("%s: %w", tokPath, err)
	}
	tok["truncation"], tok["padding"] = nil, nil // as Model2Vec saves tokenizers
	rows := 0
	if model, ok := tok["model"].(map[string]any); ok {
		if vocab, ok := model["vocab"].(map[string]any); ok {
			for _, id := range vocab {
				rows = max(rows, int(id.(float64))+1)
			}
		}
	}
	if added, ok := tok["added_tokens"].([]any); ok {
		for _, a := range added {
			rows = max(rows, int(a.(map[string]any)["id"].(float64))+1)
		}
	}
	if rows == 0 {
		return fmt.Errorf("%s: no vocabulary", tokPath)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, models.TokenizerFile), out, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, models.Model2VecConfig), []byte(`{"model_type":"model2vec","normalize":true}`), 0o644); err != nil {
		return err
	}
	hdr, err := json.Marshal(map[string]any{"embeddings": map[string]any{"dtype": "F32", "shape": []int{rows, dim}, "data_offsets": []int{0, 4 * rows * dim}}})
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, models.Model2VecTable))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
	w.Write(hdr)
	rng := rand.New(rand.NewPCG(uint64(dim), 7))
	var b [4]byte
	for range rows * dim {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(rng.NormFloat64()*0.3)))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	m := models.Manifest{Name: fmt.Sprintf("bench/static-%d", dim), Dimension: dim, MaxTokens: 512, Pooling: models.PoolingMean,
		Normalize: true, QueryTemplate: "{query}", DocumentTemplate: "{document}", Runtime: models.RuntimeStatic,
		Static: &models.StaticSpec{Layout: models.StaticModel2Vec}}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, models.ManifestFile), mj, 0o644)
}

// readTexts returns the text fields of the first n lines of a BEIR corpus.jsonl.
func readTexts(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var texts []string
	for sc.Scan() && len(texts) < n {
		var doc struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		texts = append(texts, doc.Text)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(texts) < n {
		return nil, fmt.Errorf("%s has %d texts, want %d", path, len(texts), n)
	}
	return texts, nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

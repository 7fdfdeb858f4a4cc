package embed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// parityTolerance is the largest |Δ| allowed between a Go vector and numpy's.
const parityTolerance = 1e-4

var parityPacks = []string{"test-minilm", "test-tiny"}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// openParity opens dir with the given pooling. Batches hold up to maxBatch texts and wait
// long enough for concurrent callers to share them, so texts of different lengths are
// padded together. With several batches (maxBatch > 0), two inference workers run them,
// each with its own session.
func openParity(t *testing.T, dir string, pooling models.Pooling, maxBatch int) *Embedder {
	t.Helper()
	cfg := Config{LibraryPath: testenv.ORTLibrary(t), MaxBatchSize: maxBatch, MaxWait: 20 * time.Millisecond, InferenceWorkers: 1}
	if maxBatch > 0 {
		cfg.InferenceWorkers = 2
	}
	e, err := open(context.Background(), dir, cfg, func(m *models.Manifest) { m.Pooling = pooling })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func TestParityTokenizerIDs(t *testing.T) {
	for _, pack := range parityPacks {
		t.Run(pack, func(t *testing.T) {
			dir := testenv.Pack(t, pack)
			ref := testenv.LoadReference(t, dir)
			tok, err := LoadTokenizer(filepath.Join(dir, models.TokenizerFile), ref.MaxTokens)
			if err != nil {
				t.Fatal(err)
			}
			check := func(name, text string, want []int64) {
				enc, err := tok.Encode(text)
				if err != nil {
					t.Errorf("TOKENIZER: %s: %v", name, err)
					return
				}
				if !slices.Equal(enc.IDs, want) {
					t.Errorf("TOKENIZER MISMATCH (not an engine bug): %s: ids\n got %v\nwant %v", name, enc.IDs, want)
				}
			}
			for _, c := range ref.Cases {
				check(c.Name, c.Text, c.InputIDs)
			}
			for _, a := range ref.Attention {
				check(a.Name+"/instruction", a.Instruction, a.InstructionIDs)
				check(a.Name+"/query", a.Query, a.QueryIDs)
			}
		})
	}
}

func TestParityPooling(t *testing.T) {
	for _, pack := range parityPacks {
		for _, pooling := range []models.Pooling{models.PoolingMean, models.PoolingCLS} {
			// maxBatch 0: every case in one batch; 3: several batches, each still mixing lengths.
			for _, maxBatch := range []int{0, 3} {
				t.Run(fmt.Sprintf("%s/%s/batch%d", pack, pooling, maxBatch), func(t *testing.T) {
					dir := testenv.Pack(t, pack)
					ref := testenv.LoadReference(t, dir)
					e := openParity(t, dir, pooling, maxBatch)
					texts := make([]string, len(ref.Cases))
					for i, c := range ref.Cases {
						texts[i] = c.Text
					}
					res, err := e.Embed(context.Background(), texts, Options{Type: Document})
					if err != nil {
						t.Fatal(err)
					}
					worst := 0.0
					for i, c := range ref.Cases {
						want := c.Mean
						if pooling == models.PoolingCLS {
							want = c.CLS
						}
						d := maxAbsDiff(res.Vectors[i], want)
						worst = max(worst, d)
						if d > parityTolerance {
							t.Errorf("%s: max |Δ| = %.3g > %g", c.Name, d, parityTolerance)
						}
						if wantTrunc := strings.HasSuffix(c.Name, "_truncated"); res.Truncated[i] != wantTrunc {
							t.Errorf("%s: truncated = %v, want %v", c.Name, res.Truncated[i], wantTrunc)
						}
					}
					t.Logf("%d cases, worst max |Δ| = %.3g", len(ref.Cases), worst)
				})
			}
		}
	}
}

func TestParityAttention(t *testing.T) {
	for _, pack := range parityPacks {
		t.Run(pack, func(t *testing.T) {
			dir := testenv.Pack(t, pack)
			ref := testenv.LoadReference(t, dir)
			e := openParity(t, dir, models.PoolingMean, 0)
			// Concurrent callers, each with its own instruction, share batches.
			var wg sync.WaitGroup
			for _, a := range ref.Attention {
				wg.Add(1)
				go func() {
					defer wg.Done()
					inst := a.Instruction
					res, err := e.Embed(context.Background(), []string{a.Query}, Options{Type: Query, Instruction: &inst, Mode: models.InstructionAttention})
					if err != nil {
						t.Errorf("%s: %v", a.Name, err)
						return
					}
					if d := maxAbsDiff(res.Vectors[0], a.Embedding); d > parityTolerance {
						t.Errorf("%s: max |Δ| = %.3g > %g", a.Name, d, parityTolerance)
					}
				}()
			}
			wg.Wait()
		})
	}
}

// TestParityCLI runs the real binary: instructd embed on the reference texts (documents,
// then one attention-mode query) must print the reference vectors, in input order.
func TestParityCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instructd binary")
	}
	root := testenv.RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "instructd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/instructd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := testenv.Pack(t, "test-minilm")
	ref := testenv.LoadReference(t, dir)
	run := func(stdin []byte, args ...string) [][]float32 {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"embed", "--model", dir, "--ort-lib", testenv.ORTLibrary(t)}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("instructd embed %v: %v\n%s", args, err, stderr.String())
		}
		var vecs [][]float32
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<24)
		for i := 0; sc.Scan(); i++ {
			var rec struct {
				ID        int       `json:"id"`
				Embedding []float32 `json:"embedding"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("output line %d: %v", i+1, err)
			}
			if rec.ID != i {
				t.Fatalf("output line %d has id %d: not in input order", i+1, rec.ID)
			}
			vecs = append(vecs, rec.Embedding)
		}
		return vecs
	}

	var in bytes.Buffer
	for i, c := range ref.Cases {
		line, _ := json.Marshal(map[string]any{"id": i, "text": c.Text})
		in.Write(append(line, '\n'))
	}
	vecs := run(in.Bytes(), "--type", "document")
	if len(vecs) != len(ref.Cases) {
		t.Fatalf("got %d vectors for %d texts", len(vecs), len(ref.Cases))
	}
	for i, c := range ref.Cases {
		if d := maxAbsDiff(vecs[i], c.Mean); d > parityTolerance {
			t.Errorf("cli %s: max |Δ| = %.3g", c.Name, d)
		}
	}

	a := ref.Attention[0]
	line, _ := json.Marshal(map[string]any{"id": 0, "text": a.Query})
	vecs = run(append(line, '\n'), "--type", "query", "--mode", "attention", "--instruction", a.Instruction)
	if len(vecs) != 1 {
		t.Fatalf("attention: got %d vectors", len(vecs))
	}
	if d := maxAbsDiff(vecs[0], a.Embedding); d > parityTolerance {
		t.Errorf("cli attention %s: max |Δ| = %.3g", a.Name, d)
	}

	// A bad line is reported by number, the rest still embedded, and the exit code is non-zero.
	cmd := exec.Command(bin, "embed", "--model", dir, "--ort-lib", testenv.ORTLibrary(t))
	cmd.Stdin = bytes.NewReader([]byte("{\"id\":0,\"text\":\"ok\"}\n{broken\n{\"id\":2,\"text\":\"also ok\"}\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		t.Fatal("bad input line: want a non-zero exit")
	}
	if !bytes.Contains(stderr.Bytes(), []byte("line 2:")) || bytes.Count(out, []byte("\n")) != 2 {
		t.Fatalf("bad input line: stderr %q, %d output lines", stderr.String(), bytes.Count(out, []byte("\n")))
	}
}

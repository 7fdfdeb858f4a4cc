package embed

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// crossReference is models/test-reranker/reference.json (numpy, float64) joined with
// reference-transformers.json (@huggingface/transformers AutoModelForSequenceClassification
// on the same ONNX file), both written by scripts/setup.d/40-rerank.sh.
type crossReference struct {
	MaxTokens int `json:"max_tokens"`
	Cases     []struct {
		Name         string  `json:"name"`
		Query        string  `json:"query"`
		Document     string  `json:"document"`
		InputIDs     []int64 `json:"input_ids"`
		TokenTypeIDs []int64 `json:"token_type_ids"`
		Logit        float64 `json:"logit"`
		Score        float64 `json:"score"`
	} `json:"cases"`
	JS map[string]float64 `json:"-"`
}

func loadCrossReference(t *testing.T, dir string) crossReference {
	t.Helper()
	var ref crossReference
	readJSON(t, filepath.Join(dir, "reference.json"), &ref)
	var js struct {
		Cases []struct {
			Name  string  `json:"name"`
			Logit float64 `json:"logit"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "reference-transformers.json"), &js)
	ref.JS = map[string]float64{}
	for _, c := range js.Cases {
		ref.JS[c.Name] = c.Logit
	}
	if len(ref.Cases) == 0 || len(ref.JS) != len(ref.Cases) {
		t.Fatalf("%s: %d numpy cases, %d transformers.js cases (run `make setup`)", dir, len(ref.Cases), len(ref.JS))
	}
	return ref
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make setup`)", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func rerankConfig(t *testing.T) Config {
	return Config{LibraryPath: testenv.ORTLibrary(t), IntraOpThreads: 1, InferenceWorkers: 1, MaxWait: 20 * time.Millisecond}
}

// scoreConcurrently reranks every (query, document) at once, one call each, so the batcher
// pads them into shared batches; it returns the scores by case.
func scoreConcurrently(t *testing.T, r *Reranker, queries, docs []string, instructions []*string) []float32 {
	t.Helper()
	out := make([]float32, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i := range queries {
		wg.Go(func() {
			res, err := r.Rerank(context.Background(), queries[i], []string{docs[i]}, RerankOptions{Instruction: instructions[i], Wait: true})
			if err == nil {
				out[i] = res.Scores[0]
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRerankerCrossEncoderParity: the MiniLM-shaped cross-encoder's logits match a numpy
// forward pass and transformers.js on the same ONNX file within 1e-4, pairs padded together
// in shared batches; the pair encoding matches the reference ids and type ids.
func TestRerankerCrossEncoderParity(t *testing.T) {
	dir := testenv.Pack(t, "test-reranker")
	ref := loadCrossReference(t, dir)
	r, err := openReranker(context.Background(), dir, rerankConfig(t), func(m *models.Manifest) { m.Rerank.Scoring = models.ScoreRaw }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var queries, docs []string
	for _, c := range ref.Cases {
		enc, err := r.encode(c.Query, c.Document, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(enc.IDs, c.InputIDs) || !slices.Equal(enc.TypeIDs, c.TokenTypeIDs) {
			t.Errorf("%s: pair encoding\n got ids %v types %v\nwant ids %v types %v", c.Name, enc.IDs, enc.TypeIDs, c.InputIDs, c.TokenTypeIDs)
		}
		queries, docs = append(queries, c.Query), append(docs, c.Document)
	}
	logits := scoreConcurrently(t, r, queries, docs, make([]*string, len(queries)))
	var worstNP, worstJS float64
	for i, c := range ref.Cases {
		dNP, dJS := math.Abs(float64(logits[i])-c.Logit), math.Abs(float64(logits[i])-ref.JS[c.Name])
		worstNP, worstJS = max(worstNP, dNP), max(worstJS, dJS)
		if dNP > 1e-4 || dJS > 1e-4 {
			t.Errorf("%s: logit %.7f, numpy %.7f (Δ %.2g), transformers.js %.7f (Δ %.2g)", c.Name, logits[i], c.Logit, dNP, ref.JS[c.Name], dJS)
		}
	}
	t.Logf("max |Δ| logits: numpy %.2g, transformers.js %.2g", worstNP, worstJS)
}

// TestRerankerSigmoid: the pack's own scoring (sigmoid) gives the reference scores, in
// input order, for one call with several documents.
func TestRerankerSigmoid(t *testing.T) {
	dir := testenv.Pack(t, "test-reranker")
	ref := loadCrossReference(t, dir)
	r, err := OpenReranker(context.Background(), dir, rerankConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c0 := ref.Cases[0] // boiling_point and unrelated share the query
	c1 := ref.Cases[1]
	if c0.Query != c1.Query {
		t.Fatal("reference cases 0 and 1 should share a query")
	}
	res, err := r.Rerank(context.Background(), c0.Query, []string{c1.Document, c0.Document}, RerankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scores) != 2 || math.Abs(float64(res.Scores[0])-c1.Score) > 1e-5 || math.Abs(float64(res.Scores[1])-c0.Score) > 1e-5 {
		t.Fatalf("scores %v, want [%v %v]", res.Scores, c1.Score, c0.Score)
	}
	if res.Tokens != len(c0.InputIDs)+len(c1.InputIDs) {
		t.Errorf("tokens %d, want %d", res.Tokens, len(c0.InputIDs)+len(c1.InputIDs))
	}
	long := ref.Cases[len(ref.Cases)-1]
	res, err = r.Rerank(context.Background(), long.Query, []string{long.Document}, RerankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated[0] {
		t.Error("a pair longer than max_tokens is not reported truncated")
	}
}

// TestRerankerErrors: a cancelled call returns its context's error, an embedder pack is
// refused, a closed reranker fails with ErrClosed.
func TestRerankerErrors(t *testing.T) {
	if _, err := OpenReranker(context.Background(), testenv.Pack(t, "test-tiny"), rerankConfig(t)); err == nil {
		t.Error("OpenReranker accepted an embedder pack")
	}
	r, err := OpenReranker(context.Background(), testenv.Pack(t, "test-reranker"), rerankConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Rerank(ctx, "q", []string{"a", "b"}, RerankOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	if res, err := r.Rerank(context.Background(), "q", nil, RerankOptions{}); err != nil || len(res.Scores) != 0 {
		t.Errorf("no documents: %v %v", res, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Rerank(context.Background(), "q", []string{"a"}, RerankOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

// qwen3Reference is models/test-qwen3-reranker/reference.json (numpy, float64).
type qwen3Reference struct {
	MaxTokens int     `json:"max_tokens"`
	YesID     int64   `json:"yes_id"`
	NoID      int64   `json:"no_id"`
	TailIDs   []int64 `json:"tail_ids"`
	Cases     []struct {
		Name        string  `json:"name"`
		Instruction string  `json:"instruction"`
		Query       string  `json:"query"`
		Document    string  `json:"document"`
		InputIDs    []int64 `json:"input_ids"`
		Score       float64 `json:"score"`
	} `json:"cases"`
}

// scriptedTokenizer answers EncodeWith from a table (the reference's ids), so the LLM
// reranker's prompt assembly, truncation and scoring are checked whatever tokenizer the
// build has for Qwen3's BPE.
type scriptedTokenizer struct {
	ids    map[string][]int64
	tokens map[string]int64
	max    int
}

func (s *scriptedTokenizer) Encode(text string) (Encoding, error) { return s.EncodeWith(text, true) }
func (s *scriptedTokenizer) MaxLength() int                       { return s.max }
func (s *scriptedTokenizer) TokenToID(tok string) (int64, bool) {
	id, ok := s.tokens[tok]
	return id, ok
}
func (s *scriptedTokenizer) EncodeWith(text string, _ bool) (Encoding, error) {
	ids, ok := s.ids[text]
	if !ok { // the warm-up pair, or a wrongly assembled prompt (whose score then differs)
		ids = []int64{1, 2, 3}
	}
	return Encoding{IDs: ids, TypeIDs: make([]int64, len(ids)), AttentionMask: make([]int64, len(ids))}, nil
}

// TestRerankerQwen3Parity: the Qwen3-shaped causal-LM reranker's yes/no score matches numpy
// within 1e-4, with the prompt assembled from the manifest (instruction, query, document cut
// to fit, the prompt's tail kept whole) and pairs padded together in shared batches.
func TestRerankerQwen3Parity(t *testing.T) {
	dir := testenv.Pack(t, "test-qwen3-reranker")
	var ref qwen3Reference
	readJSON(t, filepath.Join(dir, "reference.json"), &ref)
	m, err := models.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rerank.Prompt != models.Qwen3RerankerPrompt {
		t.Errorf("the test pack's prompt differs from models.Qwen3RerankerPrompt:\n%q\n%q", m.Rerank.Prompt, models.Qwen3RerankerPrompt)
	}
	tok := &scriptedTokenizer{ids: map[string][]int64{}, tokens: map[string]int64{"yes": ref.YesID, "no": ref.NoID}, max: ref.MaxTokens}
	head, tail := splitPrompt(t, m.Rerank.Prompt)
	tok.ids[tail] = ref.TailIDs
	var queries, docs []string
	var insts []*string
	for _, c := range ref.Cases {
		body := RenderQuery(head, c.Instruction, c.Query) + c.Document
		// The reference's ids are the body's (cut to fit) followed by the tail; a cut body
		// may be longer, and the reranker cuts it again.
		tok.ids[body] = c.InputIDs[:len(c.InputIDs)-len(ref.TailIDs)]
		queries, docs, insts = append(queries, c.Query), append(docs, c.Document), append(insts, &c.Instruction)
	}
	r, err := openReranker(context.Background(), dir, rerankConfig(t), nil, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	scores := scoreConcurrently(t, r, queries, docs, insts)
	var worst float64
	for i, c := range ref.Cases {
		d := math.Abs(float64(scores[i]) - c.Score)
		worst = max(worst, d)
		if d > 1e-4 {
			t.Errorf("%s: score %.7f, numpy %.7f (Δ %.2g)", c.Name, scores[i], c.Score, d)
		}
	}
	t.Logf("max |Δ| yes/no score vs numpy: %.2g", worst)
	// The real tokenizer, where this build has one for Qwen3: same ids as Hugging Face's.
	if real, err := LoadTokenizer(filepath.Join(dir, "tokenizer.json"), ref.MaxTokens); err == nil {
		r2, err := openReranker(context.Background(), dir, rerankConfig(t), nil, real)
		if err != nil {
			t.Fatal(err)
		}
		defer r2.Close()
		for _, c := range ref.Cases {
			enc, err := r2.encode(c.Query, c.Document, c.Instruction)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(enc.IDs, c.InputIDs) {
				t.Errorf("%s: Qwen3 prompt ids differ from Hugging Face's:\n got %v\nwant %v", c.Name, enc.IDs, c.InputIDs)
			}
		}
		scores := scoreConcurrently(t, r2, queries, docs, insts)
		for i, c := range ref.Cases {
			if d := math.Abs(float64(scores[i]) - c.Score); d > 1e-4 {
				t.Errorf("%s, real tokenizer: score %.7f, numpy %.7f (Δ %.2g)", c.Name, scores[i], c.Score, d)
			}
		}
	} else {
		t.Logf("Qwen3 tokenizer not loadable in this build (%v): prompt ids checked through the scripted tokenizer only", err)
	}
}

func splitPrompt(t *testing.T, prompt string) (head, tail string) {
	t.Helper()
	head, tail, ok := strings.Cut(prompt, models.PlaceholderDocument)
	if !ok {
		t.Fatal("prompt lacks {document}")
	}
	return head, tail
}

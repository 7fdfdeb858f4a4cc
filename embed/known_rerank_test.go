package embed

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// TestKnownRerankersOnTheirTestPacks runs every known reranker's manifest (scoring rule,
// prompt, yes/no tokens, templates, default instruction) on the generated packs that have
// its tokenizer type and ONNX signature (KnownModel.TestPacks), with the max tokens, model
// file and logits width the small pack has: a query is scored against two documents through
// OpenReranker, and the scores must be finite, in range for the scoring rule and differ. A
// reranker is listed as known only when such a pack exists; the test skips, saying so, only
// when the generated pack is absent.
func TestKnownRerankersOnTheirTestPacks(t *testing.T) {
	root := testenv.RepoRoot(t)
	var n int
	for _, k := range models.KnownModels() {
		if k.Manifest.KindOrDefault() != models.KindReranker {
			continue
		}
		n++
		if len(k.TestPacks) == 0 {
			t.Errorf("%s lists no test pack", k.Manifest.Name)
		}
		for _, name := range k.TestPacks {
			t.Run(k.Manifest.Name+"/"+name, func(t *testing.T) {
				src := filepath.Join(root, "models", name)
				if _, err := os.Stat(filepath.Join(src, models.ManifestFile)); err != nil {
					t.Skipf("generated pack %s is absent (scripts/setup.sh makes it): %v", name, err)
				}
				checkKnownRerankerOnPack(t, k, src)
			})
		}
	}
	if n != len(models.KnownRerankers()) {
		t.Errorf("KnownModels lists %d rerankers, KnownRerankers %d", n, len(models.KnownRerankers()))
	}
}

// checkKnownRerankerOnPack builds a pack from src's files and k's manifest and reranks with it.
func checkKnownRerankerOnPack(t *testing.T, k models.KnownModel, src string) {
	test, err := models.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenizerModelType(t, models.Pack{Dir: src, Manifest: test}.TokenizerPath()); got != k.Manifest.TokenizerType {
		t.Fatalf("test pack %s has a %s tokenizer, the known model a %s one", src, got, k.Manifest.TokenizerType)
	}
	if test.KindOrDefault() != models.KindReranker || test.Rerank == nil {
		t.Fatalf("test pack %s is a %s, not a reranker", src, test.KindOrDefault())
	}
	m := k.Manifest
	m.Dimension, m.OutputName, m.MaxTokens, m.ModelFile = test.Dimension, test.OutputName, test.MaxTokens, test.ModelFile
	m.Semantic, m.Files = false, nil
	dir := packWithManifest(t, src, m)

	r, err := OpenReranker(context.Background(), dir, rerankConfig(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}()
	if got := r.Manifest().Rerank.Scoring; got != k.Manifest.Rerank.Scoring {
		t.Fatalf("reranker scores with %s, the known manifest says %s", got, k.Manifest.Rerank.Scoring)
	}
	docs := []string{"Foxes eat rodents, birds and berries.", "The stock market closed higher on Friday."}
	res, err := r.Rerank(context.Background(), "what do foxes eat?", docs, RerankOptions{Wait: true})
	if err != nil {
		t.Fatalf("rerank: %v", err)
	}
	if len(res.Scores) != len(docs) || len(res.Truncated) != len(docs) || res.Tokens <= 0 {
		t.Fatalf("result %+v for %d documents", res, len(docs))
	}
	for i, s := range res.Scores {
		f := float64(s)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Errorf("document %d scores %v", i, s)
		}
		if m.Rerank.Scoring != models.ScoreRaw && (f < 0 || f > 1) {
			t.Errorf("document %d scores %v, outside [0, 1] for scoring %s", i, s, m.Rerank.Scoring)
		}
	}
	if res.Scores[0] == res.Scores[1] {
		t.Errorf("both documents score %v", res.Scores[0])
	}
	if m.Rerank.Scoring == models.ScoreYesNo && m.DefaultInstruction != "" {
		// The instruction reaches the prompt: another one changes the score.
		inst := "Judge whether the document is about markets"
		other, err := r.Rerank(context.Background(), "what do foxes eat?", docs[:1], RerankOptions{Instruction: &inst, Wait: true})
		if err != nil {
			t.Fatal(err)
		}
		if other.Scores[0] == res.Scores[0] {
			t.Errorf("a different instruction leaves the score at %v", res.Scores[0])
		}
	}
}

// TestRerankerXLMRParity: the XLM-R-shaped cross-encoder (bge-reranker-v2-m3's signature:
// input_ids and attention_mask only, RobertaClassificationHead, Unigram tokenizer with the
// `<s> A </s></s> B </s>` pair template) encodes pairs as Hugging Face's tokenizer does and
// its logits match an independent float64 numpy forward pass within 1e-4, pairs padded
// together in shared batches; its own scoring (sigmoid) gives the reference scores.
func TestRerankerXLMRParity(t *testing.T) {
	dir := testenv.Pack(t, models.TestPackXLMRReranker)
	var ref crossReference
	readJSON(t, filepath.Join(dir, "reference.json"), &ref)
	if len(ref.Cases) == 0 {
		t.Fatalf("%s/reference.json has no cases (run `make setup`)", dir)
	}
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
		if !slices.Equal(enc.IDs, c.InputIDs) {
			t.Errorf("%s: pair encoding\n got %v\nwant %v", c.Name, enc.IDs, c.InputIDs)
		}
		if full := len(c.InputIDs) == ref.MaxTokens; enc.Truncated != full { // only the long pairs fill max_tokens
			t.Errorf("%s: truncated %v, want %v", c.Name, enc.Truncated, full)
		}
		queries, docs = append(queries, c.Query), append(docs, c.Document)
	}
	logits := scoreConcurrently(t, r, queries, docs, make([]*string, len(queries)))
	var worst float64
	for i, c := range ref.Cases {
		d := math.Abs(float64(logits[i]) - c.Logit)
		worst = max(worst, d)
		if d > 1e-4 {
			t.Errorf("%s: logit %.7f, numpy %.7f (Δ %.2g)", c.Name, logits[i], c.Logit, d)
		}
	}
	t.Logf("max |Δ| logits vs numpy: %.2g over %d pairs", worst, len(ref.Cases))

	own, err := OpenReranker(context.Background(), dir, rerankConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	c0, c1 := ref.Cases[0], ref.Cases[1]
	if c0.Query != c1.Query {
		t.Fatal("reference cases 0 and 1 should share a query")
	}
	res, err := own.Rerank(context.Background(), c0.Query, []string{c1.Document, c0.Document}, RerankOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scores) != 2 || math.Abs(float64(res.Scores[0])-c1.Score) > 1e-5 || math.Abs(float64(res.Scores[1])-c0.Score) > 1e-5 {
		t.Fatalf("scores %v, want [%v %v]", res.Scores, c1.Score, c0.Score)
	}
}

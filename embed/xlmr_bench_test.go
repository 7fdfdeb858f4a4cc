package embed

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// wordnetGlosses reads the first n glosses of the generated WordNet corpus, skipping
// the benchmark when make setup has not generated it.
func wordnetGlosses(b *testing.B, n int) []string {
	b.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "generated", "wordnet.jsonl"))
	if err != nil {
		b.Skipf("WordNet corpus absent (run make setup): %v", err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(texts) < n {
		var rec struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, rec.Text)
	}
	return texts
}

// BenchmarkXLMRUnigramSteps times Precompiled, Replace, Metaspace and Unigram chained by
// hand over 5,000 WordNet glosses (one op = all of them).
func BenchmarkXLMRUnigramSteps(b *testing.B) {
	texts := wordnetGlosses(b, 5000)
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer", "xlmr-unigram.json"))
	if err != nil {
		b.Fatal(err)
	}
	steps := newXLMRSteps(b, data)
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			if _, _, err := steps.encode(t); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkXLMRUnigramModel times the Unigram model alone on the glosses' Metaspace
// pieces.
func BenchmarkXLMRUnigramModel(b *testing.B) {
	texts := wordnetGlosses(b, 5000)
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer", "xlmr-unigram.json"))
	if err != nil {
		b.Fatal(err)
	}
	steps := newXLMRSteps(b, data)
	var pieces []string
	for _, t := range texts {
		ps, err := steps.pre.preTokenize([]normalizedText{newNormalizedText(t, 0)})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			pieces = append(pieces, p.text)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pieces {
			if _, err := steps.model.tokenize(p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkXLMRPipeline times the whole tokenizer (NewTokenizerFromJSON on
// xlmr-unigram.json: added tokens, normalizers, Metaspace, Unigram, template) over 5,000
// WordNet glosses (one op = all of them). scripts/bench-tokenize.sh sets it against
// Hugging Face's Rust tokenizer.
func BenchmarkXLMRPipeline(b *testing.B) {
	texts := wordnetGlosses(b, 5000)
	tok, err := NewTokenizerFromJSON(xlmrJSON(b), 512)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			if _, err := tok.Encode(t); err != nil {
				b.Fatal(err)
			}
		}
	}
}

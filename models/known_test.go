package models

import (
	"slices"
	"strings"
	"testing"
)

func TestKnownModelsAreValid(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range KnownModels() {
		m := k.Manifest
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if err := ValidateRepo(m.Name); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if seen[m.Name] {
			t.Errorf("%s listed twice", m.Name)
		}
		seen[m.Name] = true
		static := m.RuntimeOrDefault() == RuntimeStatic
		if (len(k.ONNXPaths) == 0) != static || m.Description == "" || !m.Semantic || m.Files != nil || m.TokenizerType == "" || len(k.TestPacks) == 0 ||
			len(k.Variants) == 0 {
			t.Errorf("%s: incomplete entry %+v", m.Name, k)
		}
		// A repo without an fp32 graph pulls its first variant by default; its manifest says so.
		if !slices.Contains(k.Variants, VariantFP32) && (k.DefaultVariant() != k.Variants[0] || m.Variant != k.Variants[0]) {
			t.Errorf("%s: no fp32 variant, default %q, manifest variant %q", m.Name, k.DefaultVariant(), m.Variant)
		}
		for _, v := range k.Variants {
			if static {
				continue
			}
			if _, err := variantPaths(v, k.ONNXPaths); err != nil {
				t.Errorf("%s: %v", m.Name, err)
			}
		}
		template := m.QueryTemplate
		if m.Rerank != nil && m.Rerank.Scoring == ScoreYesNo {
			template = m.Rerank.Prompt // an LLM reranker's instruction goes into its prompt
		}
		if m.DefaultInstruction != "" && !strings.Contains(template, PlaceholderInstruction) && m.Mode() == InstructionTemplate {
			t.Errorf("%s: default instruction that the template never uses", m.Name)
		}
	}
	for _, name := range []string{"BAAI/bge-small-en-v1.5", "intfloat/e5-base-v2", "intfloat/multilingual-e5-large-instruct",
		"sentence-transformers/all-MiniLM-L6-v2", "InF-IR/InF-Embed-style", "onnx-community/Qwen3-Embedding-0.6B-ONNX", "BAAI/bge-m3",
		"onnx-community/embeddinggemma-300m-ONNX", "nomic-ai/nomic-embed-text-v1.5",
		"cross-encoder/ms-marco-MiniLM-L-6-v2", "BAAI/bge-reranker-v2-m3", "onnx-community/Qwen3-Reranker-0.6B-ONNX"} {
		if !seen[name] {
			t.Errorf("%s missing", name)
		}
	}
}

func TestKnownLookup(t *testing.T) {
	k, ok := Known("baai/BGE-small-en-v1.5")
	if !ok || k.Manifest.Pooling != PoolingCLS || k.Manifest.QueryTemplate != "{instruction}{query}" {
		t.Errorf("Known(bge) = %+v, %v", k, ok)
	}
	if _, ok := Known("nobody/nothing"); ok {
		t.Error("unknown repo found")
	}
	// Callers get their own copies.
	a := KnownModels()
	a[0].Manifest.Dimension = 1
	a[0].ONNXPaths[0] = "x"
	if b := KnownModels(); b[0].Manifest.Dimension == 1 || b[0].ONNXPaths[0] == "x" {
		t.Error("KnownModels shares state between calls")
	}
}

func TestKnownTemplatesAsPublished(t *testing.T) {
	// The prompts the model authors publish, rendered with their default instruction.
	tests := []struct {
		repo, query, document string
	}{
		{"onnx-community/Qwen3-Embedding-0.6B-ONNX", "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:Q", "D"},
		{"intfloat/multilingual-e5-large-instruct", "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: Q", "D"},
		{"onnx-community/embeddinggemma-300m-ONNX", "task: search result | query: Q", "title: none | text: D"},
		{"nomic-ai/nomic-embed-text-v1.5", "search_query: Q", "search_document: D"},
		{"BAAI/bge-m3", "Q", "D"},
	}
	for _, tt := range tests {
		k, ok := Known(tt.repo)
		if !ok {
			t.Errorf("%s missing", tt.repo)
			continue
		}
		m := k.Manifest
		q := strings.NewReplacer(PlaceholderInstruction, m.DefaultInstruction, PlaceholderQuery, "Q").Replace(m.QueryTemplate)
		d := strings.ReplaceAll(m.DocumentTemplate, PlaceholderDocument, "D")
		if q != tt.query || d != tt.document {
			t.Errorf("%s renders %q / %q, want %q / %q", tt.repo, q, d, tt.query, tt.document)
		}
	}
}

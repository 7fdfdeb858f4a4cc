package models

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestKnownRerankers: every reranker manifest validates, is of kind reranker, and the
// yes_no prompt has the placeholders the reranker fills.
func TestKnownRerankers(t *testing.T) {
	for _, k := range KnownRerankers() {
		m := k.Manifest
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if m.KindOrDefault() != KindReranker || m.Rerank == nil || len(k.ONNXPaths) == 0 {
			t.Errorf("%s: kind %s, rerank %v, onnx paths %v", m.Name, m.KindOrDefault(), m.Rerank, k.ONNXPaths)
		}
		if m.Rerank.Scoring == ScoreYesNo {
			for _, ph := range []string{PlaceholderInstruction, PlaceholderQuery, PlaceholderDocument} {
				if strings.Count(m.Rerank.Prompt, ph) != 1 {
					t.Errorf("%s: prompt has %d × %s", m.Name, strings.Count(m.Rerank.Prompt, ph), ph)
				}
			}
		}
	}
}

// TestImportReranker: an export with a reranker manifest imports as a reranker pack, its
// dimension (the logits' width) kept although config.json names a hidden size.
func TestImportReranker(t *testing.T) {
	m := KnownRerankers()[0].Manifest
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	graph := fakeGraph{inputs: []string{"input_ids", "attention_mask", "token_type_ids"}, output: "logits", dim: 1, pooled: true}
	src := exportDir(t, map[string]string{"onnx/model.onnx": string(fakeONNX(graph)), "tokenizer.json": "{}",
		"config.json": `{"hidden_size":384,"architectures":["BertForSequenceClassification"]}`, ManifestFile: string(raw)})
	p, err := Import(src, filepath.Join(t.TempDir(), "pack"), ImportOptions{Name: "me/reranker"})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Manifest
	if got.KindOrDefault() != KindReranker || got.Dimension != 1 || got.Rerank == nil || got.Rerank.Scoring != ScoreRaw || got.Name != "me/reranker" {
		t.Fatalf("imported manifest %+v", got)
	}
	loaded, err := Load(p.Dir)
	if err != nil || loaded.Manifest.KindOrDefault() != KindReranker {
		t.Fatalf("load: %v %+v", err, loaded.Manifest)
	}
}

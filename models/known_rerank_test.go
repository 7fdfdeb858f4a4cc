package models

import (
	"context"
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

// TestPullRerankerWithoutFP32: Qwen3-Reranker's repo has no fp32 graph, so a pull without a
// variant takes its int8 export (model_quantized.onnx) and says so in the manifest, --variant
// q4 takes model_q4.onnx, and --variant fp32 fails naming the path it tried.
func TestPullRerankerWithoutFP32(t *testing.T) {
	const repo = "onnx-community/Qwen3-Reranker-0.6B-ONNX"
	k, ok := Known(repo)
	if !ok || k.Manifest.KindOrDefault() != KindReranker {
		t.Fatalf("Known(%s) = %+v, %v", repo, k, ok)
	}
	h := newFakeHub(t)
	g := fakeGraph{inputs: []string{"input_ids", "attention_mask", "position_ids"}, output: "logits", dim: k.Manifest.Dimension}
	int8, q4 := fakeONNX(g), fakeONNX(g)
	h.add(repo, "main", "onnx/model_quantized.onnx", fakeFile{body: int8, lfs: true})
	h.add(repo, "main", "onnx/model_q4.onnx", fakeFile{body: q4, lfs: true})
	h.add(repo, "main", "tokenizer.json", fakeFile{body: []byte(`{"model":{"type":"BPE","vocab":{},"merges":[]}}`)})
	tests := []struct {
		variant, wantVariant, wantFile, wantErr string
	}{
		{variant: "", wantVariant: VariantInt8, wantFile: "model_quantized.onnx"},
		{variant: VariantQ4, wantVariant: VariantQ4, wantFile: "model_q4.onnx"},
		{variant: VariantFP32, wantErr: "no fp32 ONNX model in " + repo + " at main (tried onnx/model.onnx)"},
	}
	for _, tt := range tests {
		t.Run("variant="+tt.variant, func(t *testing.T) {
			p, err := Pull(context.Background(), repo, filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL, Variant: tt.variant})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := p.Manifest
			if m.Variant != tt.wantVariant || m.ModelFile != tt.wantFile || m.KindOrDefault() != KindReranker || m.Rerank.Scoring != ScoreYesNo {
				t.Errorf("pulled variant %q, model file %q, kind %s", m.Variant, m.ModelFile, m.KindOrDefault())
			}
		})
	}
}

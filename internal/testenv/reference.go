package testenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Reference is a test pack's reference.json, written by scripts/make-test-model.py from an
// independent numpy forward pass and an independent Python tokenizer.
type Reference struct {
	MaxTokens int             `json:"max_tokens"`
	Cases     []ReferenceCase `json:"cases"`
	Attention []AttentionCase `json:"attention"`
}

// ReferenceCase is one text with its token ids and pooled, L2-normalised vectors.
type ReferenceCase struct {
	Name     string    `json:"name"`
	Text     string    `json:"text"`
	InputIDs []int64   `json:"input_ids"`
	Mean     []float32 `json:"mean"`
	CLS      []float32 `json:"cls"`
}

// AttentionCase is one instruction–query pair embedded with InF-Embed's attention mode.
type AttentionCase struct {
	Name           string    `json:"name"`
	Instruction    string    `json:"instruction"`
	Query          string    `json:"query"`
	InstructionIDs []int64   `json:"instruction_ids"`
	QueryIDs       []int64   `json:"query_ids"`
	Embedding      []float32 `json:"embedding"`
}

// LoadReference reads packDir/reference.json and fails the test when it is missing or empty.
func LoadReference(tb testing.TB, packDir string) Reference {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(packDir, "reference.json"))
	if err != nil {
		tb.Fatalf("testenv: read reference (run `make setup`): %v", err)
	}
	var ref Reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		tb.Fatalf("testenv: parse %s/reference.json: %v", packDir, err)
	}
	if len(ref.Cases) == 0 || len(ref.Attention) == 0 {
		tb.Fatalf("testenv: reference %s has no cases", packDir)
	}
	return ref
}

package models

import (
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
		if len(k.ONNXPaths) == 0 || m.Description == "" || !m.Semantic || m.Files != nil {
			t.Errorf("%s: incomplete entry %+v", m.Name, k)
		}
		if m.DefaultInstruction != "" && !strings.Contains(m.QueryTemplate, PlaceholderInstruction) && m.Mode() == InstructionTemplate {
			t.Errorf("%s: default instruction that the template never uses", m.Name)
		}
	}
	for _, name := range []string{"BAAI/bge-small-en-v1.5", "intfloat/e5-base-v2", "intfloat/multilingual-e5-large-instruct",
		"sentence-transformers/all-MiniLM-L6-v2", "InF-IR/InF-Embed-style"} {
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

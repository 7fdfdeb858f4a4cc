package models

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

// TestMakeTestModelIsDeterministic runs scripts/make-test-model.py twice with the same seed and
// checks that the packs are byte-identical and load, and that another seed changes the model.
func TestMakeTestModelIsDeterministic(t *testing.T) {
	root := testenv.RepoRoot(t)
	tok := filepath.Join(testenv.Pack(t, "test-tiny"), TokenizerFile)
	out := t.TempDir()
	gen := func(name, seed string) string {
		t.Helper()
		dir := filepath.Join(out, name)
		cmd := exec.Command("/usr/bin/python3", filepath.Join(root, "scripts", "make-test-model.py"),
			"--preset", "test-tiny", "--tokenizer", tok, "--out", dir, "--seed", seed)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make-test-model.py (needs python3-onnx and python3-numpy; run `make setup`): %v\n%s", err, b)
		}
		return dir
	}
	a, b, c := gen("a", "7"), gen("b", "7"), gen("c", "8")
	for _, f := range []string{ModelFile, TokenizerFile, ManifestFile, "reference.json"} {
		if !bytes.Equal(mustRead(t, filepath.Join(a, f)), mustRead(t, filepath.Join(b, f))) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	if bytes.Equal(mustRead(t, filepath.Join(a, ModelFile)), mustRead(t, filepath.Join(c, ModelFile))) {
		t.Error("a different seed produced the same model")
	}
	p, err := Load(a)
	if err != nil {
		t.Fatalf("generated pack does not load: %v", err)
	}
	if p.Manifest.Semantic || p.Manifest.Dimension != 32 || p.Manifest.MaxTokens != 128 {
		t.Errorf("manifest %+v", p.Manifest)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 3 {
		t.Errorf("the script left staging directories behind: %v", entries)
	}
}

package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifyCachedBySizeAndMtime: a verified file is not hashed again while its size
// and mtime are unchanged (a same-size edit with the old mtime restored goes unseen,
// which shows the hash was skipped); a new mtime makes the next load hash it and
// catch the change.
func TestVerifyCachedBySizeAndMtime(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(path, []byte("weights-1"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"model.onnx": sum}
	if err := VerifyFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(verifiedPath(dir)); err != nil {
		t.Fatalf("no verified-file record: %v", err)
	}
	st, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte("weights-2"), 0o644); err != nil { // same size
		t.Fatal(err)
	}
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(dir, files); err != nil {
		t.Fatalf("unchanged size and mtime: hashed again (%v)", err)
	}
	later := st.ModTime().Add(time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(dir, files); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("changed mtime: %v, want a checksum mismatch", err)
	}
	// A record for another digest never vouches for the manifest's.
	if err := os.WriteFile(path, []byte("weights-1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFiles(dir, map[string]string{"model.onnx": strings.Repeat("0", 64)}); err == nil {
		t.Fatal("a wrong manifest digest passed through the record")
	}
}

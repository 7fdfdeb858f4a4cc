package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Fixed file names inside a pack directory.
const (
	ModelFile     = "model.onnx"
	TokenizerFile = "tokenizer.json"
)

// Pack is a loaded, validated model pack.
type Pack struct {
	// Dir is the pack directory.
	Dir string
	// Manifest is the parsed instructd.json.
	Manifest Manifest
}

// ModelPath returns the path of the pack's ONNX model (the manifest's model_file).
func (p Pack) ModelPath() string { return filepath.Join(p.Dir, p.Manifest.ModelFileOrDefault()) }

// TokenizerPath returns the path of the pack's tokenizer.json.
func (p Pack) TokenizerPath() string { return filepath.Join(p.Dir, p.Manifest.TokenizerFileName()) }

// Load reads dir/instructd.json, validates it, checks that the model and tokenizer exist and
// verifies the SHA-256 of every file the manifest lists.
func Load(dir string) (Pack, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return Pack{}, err
	}
	p := Pack{Dir: dir, Manifest: m}
	required := []string{m.TokenizerFileName()}
	switch m.RuntimeOrDefault() {
	case RuntimeONNX:
		required = append(required, m.ModelFileOrDefault())
	case RuntimeStatic:
		required = append(required, StaticTableFile(m.Static.Layout))
	}
	for _, f := range required {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return Pack{}, fmt.Errorf("models: pack %s: missing %s: %w", dir, f, err)
		}
	}
	if err := VerifyFiles(dir, m.Files); err != nil {
		return Pack{}, err
	}
	return p, nil
}

// ReadManifest reads and validates dir/instructd.json without checking the pack's files.
func ReadManifest(dir string) (Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Manifest{}, fmt.Errorf("models: %s is not a model pack (no %s)", dir, ManifestFile)
		}
		return Manifest{}, fmt.Errorf("models: read manifest: %w", err)
	}
	m, err := ParseManifest(raw)
	if err != nil {
		return Manifest{}, fmt.Errorf("%w (pack %s)", err, dir)
	}
	return m, nil
}

// ParseManifest decodes and validates a manifest, rejecting unknown fields.
func ParseManifest(raw []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("models: parse %s: %w", ManifestFile, err)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// VerifyFiles checks the SHA-256 of each listed file under dir; the error names the file.
// Files already verified with their current size and mtime are not hashed again (see
// verifiedDir).
func VerifyFiles(dir string, files map[string]string) error {
	return verifyWithCache(dir, files)
}

// FileSHA256 returns the hex SHA-256 of a file's contents.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// EnvModelDir names the environment variable that overrides where pulled packs live (the
// registry root). It is not INSTRUCTD_MODELS, which is serve's list of packs to load.
const EnvModelDir = "INSTRUCTD_MODEL_DIR"

// Registry is a directory of pulled packs, one per repo, named "<org>--<name>".
type Registry struct {
	// Root is the directory holding the packs.
	Root string
}

// DefaultRegistry returns the registry at $INSTRUCTD_MODEL_DIR, else ~/.cache/instructd/models
// (the user cache directory: $XDG_CACHE_HOME when set).
func DefaultRegistry() (Registry, error) {
	if root := os.Getenv(EnvModelDir); root != "" {
		return Registry{Root: root}, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return Registry{}, fmt.Errorf("models: no model directory: set %s (%w)", EnvModelDir, err)
	}
	return Registry{Root: filepath.Join(cache, "instructd", "models")}, nil
}

// Dir returns where the pack of a Hugging Face repo lives in this registry.
func (r Registry) Dir(repo string) string {
	return filepath.Join(r.Root, strings.ReplaceAll(repo, "/", "--"))
}

// Resolve loads a pack given either a pack directory or the name of a pulled repo.
func (r Registry) Resolve(nameOrDir string) (Pack, error) {
	if st, err := os.Stat(nameOrDir); err == nil && st.IsDir() {
		return Load(nameOrDir)
	}
	if err := ValidateRepo(nameOrDir); err != nil {
		return Pack{}, fmt.Errorf("models: %q is neither a pack directory nor a repo name", nameOrDir)
	}
	dir := r.Dir(nameOrDir)
	if !exists(dir) {
		return Pack{}, fmt.Errorf("models: %s is not pulled (looked in %s); run `instructd model pull %s`", nameOrDir, dir, nameOrDir)
	}
	return Load(dir)
}

// Installed is one entry of a registry listing; Err is set for a directory that is not a
// valid pack.
type Installed struct {
	// Dir is the pack directory.
	Dir string
	// Manifest is the parsed manifest (zero when Err is set).
	Manifest Manifest
	// Err says why the directory is not a usable pack.
	Err error
}

// List returns the packs in the registry sorted by directory, without verifying checksums.
// A missing root is an empty registry.
func (r Registry) List() ([]Installed, error) {
	entries, err := os.ReadDir(r.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: list %s: %w", r.Root, err)
	}
	var out []Installed
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") { // staging directories start with "."
			continue
		}
		dir := filepath.Join(r.Root, e.Name())
		m, err := ReadManifest(dir)
		out = append(out, Installed{Dir: dir, Manifest: m, Err: err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

// Resolve loads a pack from a directory or, by repo name, from the default registry.
func Resolve(nameOrDir string) (Pack, error) {
	r, err := DefaultRegistry()
	if err != nil {
		if st, serr := os.Stat(nameOrDir); serr == nil && st.IsDir() {
			return Load(nameOrDir)
		}
		return Pack{}, err
	}
	return r.Resolve(nameOrDir)
}

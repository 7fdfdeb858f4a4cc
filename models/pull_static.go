package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// staticPullPlan tells whether a repo is a static model and returns its manifest and
// layout: a known static model, or an unknown repo whose modules.json has a
// sentence-transformers StaticEmbedding module (at "0_StaticEmbedding": the
// sentence-transformers layout; at the root: Model2Vec's) or whose config.json says
// model_type "model2vec".
func staticPullPlan(ctx context.Context, h *hub, known KnownModel, isKnown bool) (Manifest, string, bool, error) {
	if isKnown {
		if known.Manifest.RuntimeOrDefault() != RuntimeStatic {
			return Manifest{}, "", false, nil
		}
		return known.Manifest, known.Manifest.Static.Layout, true, nil
	}
	read := func(name string) ([]byte, error) { return h.readSmall(ctx, name) }
	var modules []struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	if ok, err := readJSON(read, SentenceTransformersModules, &modules); err != nil {
		return Manifest{}, "", false, err
	} else if ok {
		for _, mod := range modules {
			if !strings.HasSuffix(mod.Type, ".StaticEmbedding") {
				continue
			}
			layout := StaticModel2Vec
			if strings.Trim(mod.Path, "./") != "" {
				if mod.Path != StaticEmbeddingDir {
					return Manifest{}, "", false, fmt.Errorf("models: %s: StaticEmbedding module at %q; instructd reads it at %s", h.repo, mod.Path, StaticEmbeddingDir)
				}
				layout = StaticSentenceTransformers
			}
			return staticManifestBase(h.repo, layout), layout, true, nil
		}
	}
	var cfg struct {
		ModelType string `json:"model_type"`
	}
	if ok, err := readJSON(read, Model2VecConfig, &cfg); err != nil {
		return Manifest{}, "", false, err
	} else if ok && cfg.ModelType == "model2vec" {
		return staticManifestBase(h.repo, StaticModel2Vec), StaticModel2Vec, true, nil
	}
	return Manifest{}, "", false, nil
}

// pullStaticInto downloads a static model's files, in its library's layout, into
// staging, completes the manifest from them (dimension from the table, normalize from
// config.json or modules.json) and publishes the pack at dest.
func pullStaticInto(ctx context.Context, h *hub, m Manifest, layout, staging, dest string) (Pack, error) {
	m.Name = h.repo
	m.Source = "huggingface:" + h.repo + "@" + h.revision
	required, optional := staticLayoutFiles(layout)
	files := map[string]string{}
	fetch := func(name string) error {
		local := filepath.Join(staging, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			return fmt.Errorf("models: %w", err)
		}
		sum, err := h.download(ctx, name, local, name)
		if err != nil {
			return err
		}
		files[name] = sum
		return nil
	}
	for _, name := range required {
		if err := fetch(name); err != nil {
			if errors.Is(err, errNotFound) {
				return Pack{}, fmt.Errorf("%s is a %s static model but has no %s at %s: %w", h.repo, layout, name, h.revision, err)
			}
			return Pack{}, err
		}
	}
	for _, name := range optional {
		if err := fetch(name); err != nil && !errors.Is(err, errNotFound) {
			return Pack{}, err
		}
	}
	if err := finishStaticManifest(&m, layout, dirReader(staging), filepath.Join(staging, filepath.FromSlash(StaticTableFile(layout))), nil); err != nil {
		return Pack{}, err
	}
	m.Files = files
	if err := writeManifest(staging, m); err != nil {
		return Pack{}, err
	}
	if err := publishDir(staging, dest); err != nil {
		return Pack{}, fmt.Errorf("publish pack: %w", err)
	}
	return Pack{Dir: dest, Manifest: m}, nil
}

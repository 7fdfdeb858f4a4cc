package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
)

// staticLayoutOf names the static layout of a local directory, or "".
func staticLayoutOf(src string) string {
	return detectStaticLayout(func(name string) bool { return exists(filepath.Join(src, filepath.FromSlash(name))) })
}

// importStatic makes a static pack at dest from a Model2Vec or sentence-transformers
// StaticEmbedding directory, keeping the library's layout. The manifest comes from the
// source's instructd.json, else opts.Like / the known model named opts.Name when static,
// else defaults; opts overrides fields; the dimension comes from the table and
// normalize from the library's config unless opts.Normalize says otherwise.
func importStatic(src, dest, layout string, opts ImportOptions, log *slog.Logger) (Pack, error) {
	read := dirReader(src)
	var m Manifest
	if raw, err := read(ManifestFile); err == nil {
		if err := json.Unmarshal(raw, &m); err != nil {
			return Pack{}, fmt.Errorf("models: import %s: parse %s: %w", src, ManifestFile, err)
		}
	} else if !errors.Is(err, errNotFound) {
		return Pack{}, fmt.Errorf("models: import %s: %w", src, err)
	} else if k, ok := knownStaticFor(opts); ok && k.Manifest.Static.Layout == layout {
		m = k.Manifest
	} else {
		m = staticManifestBase("", layout)
	}
	if opts.Name != "" {
		m.Name = opts.Name
	}
	if m.Name == "" {
		m.Name = "local/" + filepath.Base(filepath.Clean(src))
	}
	dim := opts.Dimension
	opts.Dimension = 0 // the table decides; a different request is an error below
	applyOverrides(&m, opts)
	if dim != 0 {
		m.Dimension = dim
	}
	table := filepath.Join(src, filepath.FromSlash(StaticTableFile(layout)))
	if err := finishStaticManifest(&m, layout, read, table, opts.Normalize); err != nil {
		return Pack{}, wrap(err, "import %s", src)
	}
	if abs, err := filepath.Abs(src); err == nil {
		m.Source = "import:" + abs
	}
	required, optional := staticLayoutFiles(layout)
	copies := required
	for _, name := range optional {
		if exists(filepath.Join(src, filepath.FromSlash(name))) {
			copies = append(copies, name)
		}
	}
	files := make(map[string]string, len(copies))
	for _, name := range copies {
		files[name] = filepath.Join(src, filepath.FromSlash(name))
	}
	p, err := installPack(dest, m, files)
	if err != nil {
		return Pack{}, err
	}
	log.Info("imported static pack", "name", m.Name, "layout", layout, "dimension", m.Dimension, "normalize", m.Normalize)
	return p, nil
}

// knownStaticFor is knownFor among the static models.
func knownStaticFor(opts ImportOptions) (KnownModel, bool) {
	if opts.Like != "" {
		return knownStatic(opts.Like)
	}
	return knownStatic(opts.Name)
}

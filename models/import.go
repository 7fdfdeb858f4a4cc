package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// ImportOptions overrides what Import would otherwise take from the source directory.
// Zero fields keep the source's value.
type ImportOptions struct {
	// Name names the pack; default: the source's instructd.json name, else "local/<dir name>".
	Name string
	// Like starts from a known model's manifest (see KnownModels), e.g. "InF-IR/InF-Embed-style".
	Like string
	// Pooling overrides the pooling strategy.
	Pooling Pooling
	// QueryTemplate overrides the query template; it must contain {query}.
	QueryTemplate string
	// DocumentTemplate overrides the document template; it must contain {document}.
	DocumentTemplate string
	// DefaultInstruction overrides the instruction used when a query has none.
	DefaultInstruction string
	// InstructionMode overrides the instruction mode.
	InstructionMode InstructionMode
	// Dimension overrides the output dimension.
	Dimension int
	// MaxTokens overrides the longest input.
	MaxTokens int
	// Normalize, when set, overrides L2 normalisation.
	Normalize *bool
	// OutputName overrides the ONNX output holding token vectors.
	OutputName string
	// ModelFile is the ONNX graph to import, relative to the source directory (any *.onnx,
	// e.g. onnx/model_fp16.onnx); default model.onnx, else onnx/model.onnx. It keeps its
	// base name in the pack (recorded as model_file), and every external-data file the
	// graph names is copied beside it.
	ModelFile string
	// CheckTokenizer, when set, reports why instructd cannot use the source's tokenizer.json
	// (see PullOptions.CheckTokenizer).
	CheckTokenizer func(path string) error
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Import makes a pack at dest from a directory exported by the user, e.g. with optimum
// (`optimum-cli export onnx --model ORG/NAME DIR`): the graph (opts.ModelFile, default
// model.onnx or onnx/model.onnx) with the external-data files it names, tokenizer.json and
// optional config.json / instructd.json. The graph's inputs and outputs are checked against
// the manifest (CheckGraph) before anything is copied.
// The manifest comes from, in order: the source's instructd.json, opts.Like, the known model
// named opts.Name, the source's configs; then opts overrides fields. Files are copied into a
// staging directory, hashed, fsynced and renamed to dest, which must not exist.
func Import(src, dest string, opts ImportOptions) (Pack, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return Pack{}, fmt.Errorf("models: import: %s is not a directory", src)
	}
	if exists(dest) {
		return Pack{}, fmt.Errorf("models: import: %s already exists", dest)
	}
	if layout := staticLayoutOf(src); layout != "" {
		return importStatic(src, dest, layout, opts, log)
	}
	if _, ok := Known(opts.Like); opts.Like != "" && !ok {
		return Pack{}, fmt.Errorf("models: import: unknown preset %q (see `instructd model list`)", opts.Like)
	}
	model, err := importModelPath(src, opts.ModelFile)
	if err != nil {
		return Pack{}, err
	}
	tok := firstExisting(filepath.Join(filepath.Dir(model), TokenizerFile), filepath.Join(src, TokenizerFile))
	if tok == "" {
		return Pack{}, fmt.Errorf("models: import %s: no %s; export the tokenizer with the model (optimum does by default)", src, TokenizerFile)
	}
	if opts.CheckTokenizer != nil {
		if err := opts.CheckTokenizer(tok); err != nil {
			return Pack{}, fmt.Errorf("models: import %s: instructd cannot use %s: %w", src, tok, err)
		}
	}
	g, err := ReadGraph(model)
	if err != nil {
		return Pack{}, wrap(err, "import %s", src)
	}
	m, err := importManifest(src, model, g, opts, log)
	if err != nil {
		return Pack{}, wrap(err, "import %s", src)
	}
	if err := CheckGraph(g, m); err != nil {
		return Pack{}, wrap(err, "import %s", model)
	}

	modelName := filepath.Base(model)
	copies := map[string]string{modelName: model, TokenizerFile: tok}
	m.ModelFile = "" // the graph sits at the pack's top, whatever the source's manifest said
	if modelName != ModelFile {
		m.ModelFile = modelName
	}
	for _, loc := range g.ExternalData {
		if _, clash := copies[loc]; clash || loc == ManifestFile || loc == "config.json" {
			return Pack{}, fmt.Errorf("models: import %s: external data location %q clashes with a pack file", model, loc)
		}
		from := filepath.Join(filepath.Dir(model), filepath.FromSlash(loc))
		if firstExisting(from) == "" {
			return Pack{}, fmt.Errorf("models: import %s: the graph keeps weights in %s, which is missing", model, from)
		}
		copies[loc] = from
	}
	if cfg := firstExisting(filepath.Join(filepath.Dir(model), "config.json"), filepath.Join(src, "config.json")); cfg != "" {
		copies["config.json"] = cfg
	}
	return installPack(dest, m, copies)
}

// installPack copies files (pack name → source path) into a staging directory beside
// dest, hashing each into the manifest, writes the manifest and publishes the directory
// atomically (publishDir); a failure leaves nothing behind.
func installPack(dest string, m Manifest, copies map[string]string) (Pack, error) {
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Pack{}, fmt.Errorf("models: import: %w", err)
	}
	staging, err := os.MkdirTemp(parent, "."+filepath.Base(dest)+".import-")
	if err != nil {
		return Pack{}, fmt.Errorf("models: import: %w", err)
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(staging)
		}
	}()
	m.Files = map[string]string{}
	for name, from := range copies {
		to := filepath.Join(staging, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return Pack{}, fmt.Errorf("models: import: %w", err)
		}
		sum, err := copyFileHashed(from, to)
		if err != nil {
			return Pack{}, fmt.Errorf("models: import %s: %w", name, err)
		}
		m.Files[name] = sum
	}
	if err := writeManifest(staging, m); err != nil {
		return Pack{}, err
	}
	if err := publishDir(staging, dest); err != nil {
		return Pack{}, fmt.Errorf("models: import: %w", err)
	}
	published = true
	return Pack{Dir: dest, Manifest: m}, nil
}

// importManifest builds and validates the manifest of an imported pack.
func importManifest(src, model string, g Graph, opts ImportOptions, log *slog.Logger) (Manifest, error) {
	read := func(name string) ([]byte, error) {
		for _, dir := range []string{filepath.Dir(model), src} {
			raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err == nil || !errors.Is(err, os.ErrNotExist) {
				return raw, err
			}
		}
		return nil, errNotFound
	}
	var m Manifest
	if raw, err := read(ManifestFile); err == nil {
		if err := json.Unmarshal(raw, &m); err != nil {
			return Manifest{}, fmt.Errorf("parse %s: %w", ManifestFile, err)
		}
	} else if !errors.Is(err, errNotFound) {
		return Manifest{}, err
	} else if k, ok := knownFor(opts); ok {
		m = k.Manifest
		m.Name = ""
		if inferred, err := inferManifest(opts.Name, read, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil && inferred.Dimension > 0 && m.KindOrDefault() == KindEmbedder {
			m.Dimension = inferred.Dimension // the preset's size is a guess; config.json knows
		}
	} else {
		if m, err = inferManifest(opts.Name, read, log); err != nil {
			return Manifest{}, err
		}
		adoptGraphDimension(&m, g)
	}
	if opts.Name != "" {
		m.Name = opts.Name
	}
	if m.Name == "" {
		m.Name = "local/" + filepath.Base(filepath.Clean(src))
	}
	applyOverrides(&m, opts)
	if m.Dimension <= 0 {
		return Manifest{}, errNoDimension(m.Name)
	}
	if abs, err := filepath.Abs(src); err == nil {
		m.Source = "import:" + abs
	}
	m.Files = nil
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// knownFor returns the preset named by opts.Like, else the known model named opts.Name.
func knownFor(opts ImportOptions) (KnownModel, bool) {
	if opts.Like != "" {
		return Known(opts.Like)
	}
	return Known(opts.Name)
}

func applyOverrides(m *Manifest, o ImportOptions) {
	if o.Pooling != "" {
		m.Pooling = o.Pooling
	}
	if o.QueryTemplate != "" {
		m.QueryTemplate = o.QueryTemplate
	}
	if o.DocumentTemplate != "" {
		m.DocumentTemplate = o.DocumentTemplate
	}
	if o.DefaultInstruction != "" {
		m.DefaultInstruction = o.DefaultInstruction
	}
	if o.InstructionMode != "" {
		m.InstructionMode = o.InstructionMode
	}
	if o.Dimension != 0 {
		m.Dimension = o.Dimension
	}
	if o.MaxTokens != 0 {
		m.MaxTokens = o.MaxTokens
	}
	if o.Normalize != nil {
		m.Normalize = *o.Normalize
	}
	if o.OutputName != "" {
		m.OutputName = o.OutputName
	}
}

// importModelPath resolves the graph to import: name inside src, else the source manifest's
// model_file, else the default places.
func importModelPath(src, name string) (string, error) {
	if name == "" {
		// A pack (or an export with a manifest) names its graph.
		var own struct {
			ModelFile string `json:"model_file"`
		}
		if raw, err := os.ReadFile(filepath.Join(src, ManifestFile)); err == nil && json.Unmarshal(raw, &own) == nil {
			name = own.ModelFile
		}
	}
	if name == "" {
		model := firstExisting(filepath.Join(src, ModelFile), filepath.Join(src, "onnx", ModelFile))
		if model == "" {
			return "", fmt.Errorf("models: import %s: no %s (looked in the directory and in onnx/; name another graph with --model-file)", src, ModelFile)
		}
		return model, nil
	}
	slashed := filepath.ToSlash(name)
	if !validFileName(slashed) || !strings.HasSuffix(slashed, ".onnx") {
		return "", fmt.Errorf("models: import %s: model file %q must be a relative *.onnx path inside the directory", src, name)
	}
	model := filepath.Join(src, filepath.FromSlash(slashed))
	if firstExisting(model) == "" {
		return "", fmt.Errorf("models: import %s: no %s", src, slashed)
	}
	return model, nil
}

func firstExisting(paths ...string) string {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

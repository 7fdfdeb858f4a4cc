package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// PullOptions configures Pull. The zero value pulls "main" from $HF_ENDPOINT (or the Hub)
// with $HF_TOKEN when set.
type PullOptions struct {
	// Revision is a branch, tag or commit; "main" when empty.
	Revision string
	// Endpoint overrides $HF_ENDPOINT and DefaultEndpoint.
	Endpoint string
	// Token overrides $HF_TOKEN; it is sent as a Bearer token.
	Token string
	// Client is the HTTP client; nil uses one with connect and response-header timeouts.
	Client *http.Client
	// Progress, when set, is called as each file downloads.
	Progress func(Progress)
	// Logger receives warnings (e.g. assumed pooling); nil discards them.
	Logger *slog.Logger
	// Variant picks the export: fp32, fp16, int8 or q4 (see variantPaths). Empty means fp32
	// for a new pack (a known model's DefaultVariant, for repos without an fp32 graph) and
	// accepts whichever variant an existing pack at dest holds.
	Variant string
	// CheckTokenizer, when set, loads the downloaded tokenizer.json and reports why
	// instructd cannot use it; pull then stops before any weights move. The CLI passes
	// embed's loader (models cannot import embed).
	CheckTokenizer func(path string) error
}

var repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)

// ValidateRepo checks that repo looks like a Hugging Face "org/name".
func ValidateRepo(repo string) error {
	if !repoPattern.MatchString(repo) || strings.Contains(repo, "..") {
		return fmt.Errorf("models: %q is not a Hugging Face repo name (want org/name)", repo)
	}
	return nil
}

// Pull downloads a model pack from a Hugging Face repo into dest: config.json (when present)
// and tokenizer.json first, then the ONNX graph of the chosen variant, then every
// external-data file the graph names. Known repos get their known manifest; others get one
// inferred from their configs. Before weights move, Pull checks the tokenizer
// (opts.CheckTokenizer) and the graph's inputs and outputs (CheckGraph) and refuses what
// instructd cannot serve, naming it.
//
// Downloads resume: an interrupted pull leaves its partial files in a staging directory
// beside dest (".<dest>.pull"), and the next Pull continues them with HTTP Range requests.
// Every file is hashed while it streams and checked against the hub's SHA-256 for LFS files;
// the hashes go into the manifest. dest appears only when the pack is complete: staging,
// fsync, rename, fsync of the parent. If dest already holds a valid pack Pull returns it.
func Pull(ctx context.Context, repo, dest string, opts PullOptions) (Pack, error) {
	if err := ValidateRepo(repo); err != nil {
		return Pack{}, err
	}
	known, isKnown := Known(repo)
	if !isKnown {
		known, isKnown = knownStatic(repo)
	}
	if isKnown && !known.Pullable {
		return Pack{}, fmt.Errorf("models: %s is a preset, not a downloadable repo: %s", repo, known.Manifest.Description)
	}
	variant := opts.Variant
	if variant == "" {
		variant = known.DefaultVariant()
	}
	onnxPaths, err := variantPaths(variant, known.ONNXPaths)
	if err != nil {
		return Pack{}, err
	}
	if exists(dest) {
		p, err := Load(dest)
		if err != nil {
			return Pack{}, wrap(err, "pull %s: %s exists but is not a valid pack (remove it to pull again)", repo, dest)
		}
		if have := p.Manifest.Variant; opts.Variant != "" && have != "" && have != opts.Variant {
			return Pack{}, fmt.Errorf("models: pull %s: %s already holds the %s variant; pull %s into another directory (--dir)", repo, dest, have, opts.Variant)
		}
		return p, nil
	}
	h := newHub(repo, opts)
	if opts.Client == nil {
		defer h.client.CloseIdleConnections()
	}
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Pack{}, fmt.Errorf("models: pull %s: %w", repo, err)
	}
	lock, err := lockFile(filepath.Join(parent, "."+filepath.Base(dest)+".lock"))
	if err != nil {
		return Pack{}, wrap(err, "pull %s", repo)
	}
	defer lock.unlock()
	if exists(dest) { // a concurrent pull finished while we waited for the lock
		return Load(dest)
	}
	staging := filepath.Join(parent, "."+filepath.Base(dest)+".pull")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return Pack{}, fmt.Errorf("models: pull %s: %w", repo, err)
	}
	job := pullJob{h: h, known: known, isKnown: isKnown, onnxPaths: onnxPaths, variant: variant,
		checkTokenizer: opts.CheckTokenizer, staging: staging, dest: dest}
	p, err := job.run(ctx)
	if err != nil {
		if !errors.Is(err, errResumable) && ctx.Err() == nil {
			os.RemoveAll(staging) // nothing worth resuming
		}
		return Pack{}, wrap(err, "pull %s", repo)
	}
	return p, nil
}

func newHub(repo string, opts PullOptions) *hub {
	h := &hub{
		client:   opts.Client,
		endpoint: opts.Endpoint,
		repo:     repo,
		revision: opts.Revision,
		token:    opts.Token,
		progress: opts.Progress,
		log:      opts.Logger,
	}
	if h.client == nil {
		h.client = newDefaultClient()
	}
	if h.endpoint == "" {
		h.endpoint = os.Getenv("HF_ENDPOINT")
	}
	if h.endpoint == "" {
		h.endpoint = DefaultEndpoint
	}
	h.endpoint = strings.TrimRight(h.endpoint, "/")
	if h.revision == "" {
		h.revision = "main"
	}
	if h.token == "" {
		h.token = os.Getenv("HF_TOKEN")
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return h
}

// pullJob is one pull into a staging directory.
type pullJob struct {
	h              *hub
	known          KnownModel
	isKnown        bool
	onnxPaths      []string
	variant        string
	checkTokenizer func(string) error
	staging, dest  string
	files          map[string]string // pack file -> SHA-256
}

// fetch downloads remote into the staging directory as name (which may hold a slash) and
// records its hash.
func (j *pullJob) fetch(ctx context.Context, remote, name string) error {
	dst := filepath.Join(j.staging, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	sum, err := j.h.download(ctx, remote, dst, name)
	if err != nil {
		return err
	}
	j.files[name] = sum
	return nil
}

// fetchFirst downloads the first of remotes that the repo has; it returns which.
func (j *pullJob) fetchFirst(ctx context.Context, remotes []string, name func(remote string) string) (string, error) {
	for _, p := range remotes {
		err := j.fetch(ctx, p, name(p))
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		return p, nil
	}
	return "", nil
}

func (j *pullJob) run(ctx context.Context) (Pack, error) {
	h := j.h
	if m, layout, ok, err := staticPullPlan(ctx, h, j.known, j.isKnown); err != nil {
		return Pack{}, err
	} else if ok {
		return pullStaticInto(ctx, h, m, layout, j.staging, j.dest)
	}
	j.files = map[string]string{}
	read := func(name string) ([]byte, error) { return h.readSmall(ctx, name) }

	// Configs first: an unknown repo without one fails before the large download.
	var m Manifest
	if j.isKnown {
		m = j.known.Manifest
	} else {
		var err error
		if m, err = inferManifest(h.repo, read, h.log); err != nil {
			return Pack{}, err
		}
	}
	m.Name = h.repo
	if m.Dimension <= 0 {
		return Pack{}, errNoDimension(h.repo)
	}
	m.Source = "huggingface:" + h.repo + "@" + h.revision
	if err := m.Validate(); err != nil {
		return Pack{}, err
	}
	if err := j.fetch(ctx, "config.json", "config.json"); err != nil && !errors.Is(err, errNotFound) {
		return Pack{}, err
	}

	// The tokenizer next: instructd must be able to load it.
	tokPaths := []string{TokenizerFile}
	if dir := path.Dir(j.onnxPaths[0]); dir != "." {
		tokPaths = append(tokPaths, dir+"/"+TokenizerFile)
	}
	got, err := j.fetchFirst(ctx, tokPaths, func(string) string { return TokenizerFile })
	if err != nil {
		return Pack{}, err
	}
	if got == "" {
		return Pack{}, fmt.Errorf("no tokenizer.json in %s at %s (tried %s)", h.repo, h.revision, strings.Join(tokPaths, ", "))
	}
	if j.checkTokenizer != nil {
		if err := j.checkTokenizer(filepath.Join(j.staging, TokenizerFile)); err != nil {
			return Pack{}, fmt.Errorf("instructd cannot use the tokenizer of %s: %w", h.repo, err)
		}
	}

	// Then the graph, whose inputs and outputs are checked before its external weights move.
	remoteModel, err := j.fetchFirst(ctx, j.onnxPaths, path.Base)
	if err != nil {
		return Pack{}, err
	}
	if remoteModel == "" {
		return Pack{}, fmt.Errorf("no %s ONNX model in %s at %s (tried %s); pick another --variant, or export one with optimum and use `instructd model import`",
			j.variant, h.repo, h.revision, strings.Join(j.onnxPaths, ", "))
	}
	modelName := path.Base(remoteModel)
	g, err := ReadGraph(filepath.Join(j.staging, modelName))
	if err != nil {
		return Pack{}, fmt.Errorf("%s: %w", remoteModel, err)
	}
	if !j.isKnown {
		adoptGraphDimension(&m, g)
	}
	if err := CheckGraph(g, m); err != nil {
		return Pack{}, fmt.Errorf("%s: %w", remoteModel, err)
	}
	for _, loc := range g.ExternalData {
		if loc == modelName || loc == TokenizerFile || loc == ManifestFile || loc == "config.json" {
			return Pack{}, fmt.Errorf("%s: external data location %q clashes with a pack file", remoteModel, loc)
		}
		if err := j.fetch(ctx, path.Join(path.Dir(remoteModel), loc), loc); err != nil {
			return Pack{}, fmt.Errorf("external data of %s: %w", remoteModel, err)
		}
	}

	if modelName != ModelFile {
		m.ModelFile = modelName
	}
	m.Variant = j.variant
	m.Files = j.files
	if err := j.prune(); err != nil {
		return Pack{}, err
	}
	if err := writeManifest(j.staging, m); err != nil {
		return Pack{}, err
	}
	if err := publishDir(j.staging, j.dest); err != nil {
		return Pack{}, fmt.Errorf("publish pack: %w", err)
	}
	return Pack{Dir: j.dest, Manifest: m}, nil
}

// adoptGraphDimension takes an inferred manifest's dimension from the graph's output when the
// graph states it (a projection head makes it differ from config.json's hidden_size).
func adoptGraphDimension(m *Manifest, g Graph) {
	if out, ok := g.Output(m.OutputName); ok && len(out.Shape) > 0 {
		if d := out.Shape[len(out.Shape)-1]; d > 0 {
			m.Dimension = int(d)
		}
	}
}

// prune deletes staged files this pull did not produce: leftovers of an interrupted pull of
// another variant or revision, which must not end up in the pack.
func (j *pullJob) prune() error {
	return filepath.WalkDir(j.staging, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(j.staging, p)
		if err != nil {
			return err
		}
		if _, ok := j.files[filepath.ToSlash(rel)]; ok {
			return nil
		}
		j.h.log.Info("models: removing a leftover of an earlier pull", "file", rel)
		return os.Remove(p)
	})
}

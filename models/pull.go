package models

import (
	"context"
	"errors"
	"fmt"
	"io"
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
}

var repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)

// ValidateRepo checks that repo looks like a Hugging Face "org/name".
func ValidateRepo(repo string) error {
	if !repoPattern.MatchString(repo) || strings.Contains(repo, "..") {
		return fmt.Errorf("models: %q is not a Hugging Face repo name (want org/name)", repo)
	}
	return nil
}

// Pull downloads a model pack from a Hugging Face repo into dest: the ONNX model (and its
// external-data file when there is one), tokenizer.json and, when present, config.json.
// Known repos get their known manifest; others get one inferred from their configs.
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
	if exists(dest) {
		p, err := Load(dest)
		if err != nil {
			return Pack{}, wrap(err, "pull %s: %s exists but is not a valid pack (remove it to pull again)", repo, dest)
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
	p, err := pullInto(ctx, h, known, isKnown, staging, dest)
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

func pullInto(ctx context.Context, h *hub, known KnownModel, isKnown bool, staging, dest string) (Pack, error) {
	if m, layout, ok, err := staticPullPlan(ctx, h, known, isKnown); err != nil {
		return Pack{}, err
	} else if ok {
		return pullStaticInto(ctx, h, m, layout, staging, dest)
	}
	files := map[string]string{}
	read := func(name string) ([]byte, error) { return h.readSmall(ctx, name) }

	// Configs first: an unknown repo without one fails before the large download.
	var m Manifest
	if isKnown {
		m = known.Manifest
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
	if sum, err := h.download(ctx, "config.json", filepath.Join(staging, "config.json"), "config.json"); err == nil {
		files["config.json"] = sum
	} else if !errors.Is(err, errNotFound) {
		return Pack{}, err
	}

	onnxPaths := known.ONNXPaths
	if len(onnxPaths) == 0 {
		onnxPaths = []string{"onnx/model.onnx", "model.onnx"}
	}
	remoteModel := ""
	for _, p := range onnxPaths {
		sum, err := h.download(ctx, p, filepath.Join(staging, ModelFile), ModelFile)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return Pack{}, err
		}
		files[ModelFile], remoteModel = sum, p
		break
	}
	if remoteModel == "" {
		return Pack{}, fmt.Errorf("no ONNX model in %s at %s (tried %s); export one with optimum and use `instructd model import`",
			h.repo, h.revision, strings.Join(onnxPaths, ", "))
	}
	// Models over 2 GiB keep their weights in an external-data file next to the graph, which
	// refers to it by its base name.
	dataName := path.Base(remoteModel) + "_data"
	if sum, err := h.download(ctx, remoteModel+"_data", filepath.Join(staging, dataName), dataName); err == nil {
		files[dataName] = sum
	} else if !errors.Is(err, errNotFound) {
		return Pack{}, err
	}

	tokPaths := []string{TokenizerFile}
	if dir := path.Dir(remoteModel); dir != "." {
		tokPaths = append(tokPaths, dir+"/"+TokenizerFile)
	}
	for _, p := range tokPaths {
		sum, err := h.download(ctx, p, filepath.Join(staging, TokenizerFile), TokenizerFile)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return Pack{}, err
		}
		files[TokenizerFile] = sum
		break
	}
	if files[TokenizerFile] == "" {
		return Pack{}, fmt.Errorf("no tokenizer.json in %s at %s (tried %s)", h.repo, h.revision, strings.Join(tokPaths, ", "))
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

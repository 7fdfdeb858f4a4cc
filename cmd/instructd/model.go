package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/internal/progress"
	"github.com/instructd/instructd/models"
)

// modelUsage is `instructd model`'s help.
const modelUsage = `usage: instructd model pull ORG/NAME [flags] | import DIR [flags] | list

examples:
  instructd model pull BAAI/bge-small-en-v1.5
  instructd model pull onnx-community/Qwen3-Embedding-0.6B-ONNX --variant int8
  instructd model import ./my-export --name me/my-model --pooling mean
  instructd model list

"instructd model pull --help" (import, list) shows each command's flags.`

// runModel dispatches `instructd model pull|import|list`.
func runModel(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(modelUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Println(modelUsage)
		return flag.ErrHelp
	case "pull":
		return runModelPull(ctx, args[1:])
	case "import":
		return runModelImport(args[1:])
	case "list":
		return runModelList(args[1:])
	default:
		return fmt.Errorf("unknown model command %q (want pull, import or list)", args[0])
	}
}

// parseWithOneArg parses flags that may come before or after exactly one positional argument.
func parseWithOneArg(fs *flag.FlagSet, args []string, what string) (string, error) {
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", fmt.Errorf("missing %s (see instructd %s --help)", what, fs.Name())
	}
	if fs.NArg() > 1 {
		return "", fmt.Errorf("unexpected arguments %q (see instructd %s --help)", fs.Args()[1:], fs.Name())
	}
	return fs.Arg(0), nil
}

// runModelPull downloads a pack and prints its directory on stdout (progress goes to stderr).
func runModelPull(ctx context.Context, args []string) error {
	fs := newFlags("model pull", "model pull ORG/NAME [flags]",
		"instructd model pull BAAI/bge-small-en-v1.5",
		"instructd model pull onnx-community/Qwen3-Embedding-0.6B-ONNX --variant int8",
		"HF_ENDPOINT=https://hf-mirror.example instructd model pull BAAI/bge-m3")
	dir := fs.String("dir", "", "pack directory (default: $INSTRUCTD_MODEL_DIR/<org>--<name>, else ~/.cache/instructd/models/...)")
	revision := fs.String("revision", "main", "branch, tag or commit")
	quiet := fs.Bool("quiet", false, "no progress output")
	variant := fs.String("variant", "", "export to pull: fp32 (default; a known repo without fp32 takes its first variant), fp16, int8 or q4 (onnx/model.onnx, model_fp16.onnx, model_int8.onnx or model_quantized.onnx, model_q4.onnx)")
	repo, err := parseWithOneArg(fs, args, "Hugging Face repo (org/name)")
	if err != nil {
		return err
	}
	dest := *dir
	if dest == "" {
		reg, err := models.DefaultRegistry()
		if err != nil {
			return err
		}
		dest = reg.Dir(repo)
	}
	opts := models.PullOptions{
		Revision:       *revision,
		Variant:        *variant,
		CheckTokenizer: checkTokenizer,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if !*quiet {
		opts.Progress = progressPrinter(os.Stderr)
	}
	p, err := models.Pull(ctx, repo, dest, opts)
	if err != nil {
		return err
	}
	fmt.Println(p.Dir)
	return nil
}

// checkTokenizer loads a tokenizer.json with instructd's tokenizer, so that pull and import
// refuse one it cannot run before the weights are copied.
func checkTokenizer(path string) error {
	tok, err := embed.LoadTokenizer(path, 0)
	if err != nil {
		return err
	}
	if c, ok := tok.(io.Closer); ok {
		c.Close()
	}
	return nil
}

// progressPrinter draws one progress bar per file (internal/progress: a bar on a terminal,
// a line per tenth otherwise).
func progressPrinter(w io.Writer) func(models.Progress) {
	bars := map[string]*progress.Bar{}
	return func(p models.Progress) {
		if p.Total <= 0 {
			return
		}
		b, ok := bars[p.File]
		if !ok {
			b = progress.New(w, p.File, p.Total, "bytes")
			bars[p.File] = b
		}
		b.Set(p.Done)
		if p.Done >= p.Total {
			b.Finish()
		}
	}
}

// runModelImport makes a pack from a local export directory.
func runModelImport(args []string) error {
	fs := newFlags("model import", "model import DIR [flags]",
		"instructd model import ./my-optimum-export --name me/my-model --pooling mean",
		"instructd model import ./qwen3-export --like Qwen/Qwen3-Embedding-0.6B --model-file onnx/model_int8.onnx")
	var o models.ImportOptions
	var pooling, mode, normalize, dest string
	fs.StringVar(&o.Name, "name", "", "pack name (default: the export's instructd.json, else local/<dir name>)")
	fs.StringVar(&o.Like, "like", "", "start from a known model's manifest, e.g. InF-IR/InF-Embed-style")
	fs.StringVar(&pooling, "pooling", "", "pooling: mean, cls, last or none")
	fs.StringVar(&o.QueryTemplate, "query-template", "", "query template with {query} and optionally {instruction}")
	fs.StringVar(&o.DocumentTemplate, "document-template", "", "document template with {document}")
	fs.StringVar(&o.DefaultInstruction, "instruction", "", "default instruction for queries without one")
	fs.StringVar(&mode, "instruction-mode", "", "template or attention")
	fs.IntVar(&o.Dimension, "dimension", 0, "output dimension (default: hidden_size from config.json)")
	fs.IntVar(&o.MaxTokens, "max-tokens", 0, "longest input in tokens (default: from the configs, at most 512)")
	fs.StringVar(&normalize, "normalize", "", "L2-normalise vectors: true or false (default true)")
	fs.StringVar(&o.OutputName, "output-name", "", "ONNX output with token vectors (default last_hidden_state)")
	fs.StringVar(&dest, "dest", "", "pack directory (default: the registry directory for --name)")
	fs.StringVar(&o.ModelFile, "model-file", "", "ONNX graph inside the export, e.g. onnx/model_fp16.onnx (default model.onnx, else onnx/model.onnx)")
	src, err := parseWithOneArg(fs, args, "export directory")
	if err != nil {
		return err
	}
	o.Pooling, o.InstructionMode = models.Pooling(pooling), models.InstructionMode(mode)
	switch normalize {
	case "":
	case "true", "false":
		v := normalize == "true"
		o.Normalize = &v
	default:
		return fmt.Errorf("--normalize must be true or false, got %q", normalize)
	}
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o.CheckTokenizer = checkTokenizer
	if dest == "" {
		reg, err := models.DefaultRegistry()
		if err != nil {
			return err
		}
		name := o.Name
		if name == "" {
			name = "local/" + filepath.Base(filepath.Clean(src))
		}
		dest = reg.Dir(name)
	}
	p, err := models.Import(src, dest, o)
	if err != nil {
		return err
	}
	fmt.Println(p.Dir)
	return nil
}

// runModelList prints the known models and the packs installed in the registry.
func runModelList(args []string) error {
	fs := newFlags("model list", "model list")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noPositional(fs); err != nil {
		return err
	}
	reg, err := models.DefaultRegistry()
	if err != nil {
		return err
	}
	installed, err := reg.List()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "KNOWN MODEL\tKIND\tDIM\tPOOLING\tINSTRUCTIONS\tTOKENIZER\tVARIANTS\tPULLABLE\n")
	for _, k := range models.KnownModels() {
		m := k.Manifest
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%v\n", m.Name, m.KindOrDefault(), m.Dimension, m.Pooling, instructionSummary(m),
			m.TokenizerType, strings.Join(k.Variants, ","), k.Pullable)
	}
	fmt.Fprintf(w, "\nINSTALLED (%s)\tKIND\tDIM\tPOOLING\tINSTRUCTIONS\tDIR\n", reg.Root)
	for _, i := range installed {
		if i.Err != nil {
			fmt.Fprintf(w, "%s\t-\t-\t-\tbroken: %v\t%s\n", filepath.Base(i.Dir), i.Err, i.Dir)
			continue
		}
		m := i.Manifest
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", m.Name, m.KindOrDefault(), m.Dimension, m.Pooling, instructionSummary(m), i.Dir)
	}
	return w.Flush()
}

func instructionSummary(m models.Manifest) string {
	switch {
	case m.Mode() == models.InstructionAttention:
		return "attention"
	case m.Rerank != nil && m.Rerank.Scoring == models.ScoreYesNo && strings.Contains(m.Rerank.Prompt, models.PlaceholderInstruction):
		return "prompt"
	case strings.Contains(m.QueryTemplate, models.PlaceholderInstruction):
		return "template"
	default:
		return "none"
	}
}

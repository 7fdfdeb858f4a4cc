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

	"github.com/instructd/instructd/models"
)

// runModel dispatches `instructd model pull|import|list`.
func runModel(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: instructd model pull <hf-repo> [--dir DIR] [--revision R] | import DIR [flags] | list")
	}
	switch args[0] {
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
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", fmt.Errorf("missing %s", what)
	}
	arg := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return arg, nil
}

// runModelPull downloads a pack and prints its directory on stdout (progress goes to stderr).
func runModelPull(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("model pull", flag.ContinueOnError)
	dir := fs.String("dir", "", "pack directory (default: $INSTRUCTD_MODEL_DIR/<org>--<name>, else ~/.cache/instructd/models/...)")
	revision := fs.String("revision", "main", "branch, tag or commit")
	quiet := fs.Bool("quiet", false, "no progress output")
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
		Revision: *revision,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
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

// progressPrinter prints one line per file each time it passes another 10%.
func progressPrinter(w io.Writer) func(models.Progress) {
	last := map[string]int64{}
	return func(p models.Progress) {
		if p.Total <= 0 {
			return
		}
		step := p.Done * 10 / p.Total
		if prev, ok := last[p.File]; ok && step == prev {
			return
		}
		last[p.File] = step
		fmt.Fprintf(w, "%-16s %3d%%  %s / %s\n", p.File, step*10, mib(p.Done), mib(p.Total))
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// runModelImport makes a pack from a local export directory.
func runModelImport(args []string) error {
	fs := flag.NewFlagSet("model import", flag.ContinueOnError)
	var o models.ImportOptions
	var pooling, mode, normalize, dest string
	fs.StringVar(&o.Name, "name", "", "pack name (default: the export's instructd.json, else local/<dir name>)")
	fs.StringVar(&o.Like, "like", "", "start from a known model's manifest, e.g. InF-IR/InF-Embed-style")
	fs.StringVar(&pooling, "pooling", "", "pooling: mean, cls or last")
	fs.StringVar(&o.QueryTemplate, "query-template", "", "query template with {query} and optionally {instruction}")
	fs.StringVar(&o.DocumentTemplate, "document-template", "", "document template with {document}")
	fs.StringVar(&o.DefaultInstruction, "instruction", "", "default instruction for queries without one")
	fs.StringVar(&mode, "instruction-mode", "", "template or attention")
	fs.IntVar(&o.Dimension, "dimension", 0, "output dimension (default: hidden_size from config.json)")
	fs.IntVar(&o.MaxTokens, "max-tokens", 0, "longest input in tokens (default: from the configs, at most 512)")
	fs.StringVar(&normalize, "normalize", "", "L2-normalise vectors: true or false (default true)")
	fs.StringVar(&o.OutputName, "output-name", "", "ONNX output with token vectors (default last_hidden_state)")
	fs.StringVar(&dest, "dest", "", "pack directory (default: the registry directory for --name)")
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
	fs := flag.NewFlagSet("model list", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
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
	fmt.Fprintf(w, "KNOWN MODEL\tDIM\tPOOLING\tINSTRUCTIONS\tPULLABLE\n")
	for _, k := range models.KnownModels() {
		m := k.Manifest
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%v\n", m.Name, m.Dimension, m.Pooling, instructionSummary(m), k.Pullable)
	}
	fmt.Fprintf(w, "\nINSTALLED (%s)\tDIM\tPOOLING\tINSTRUCTIONS\tDIR\n", reg.Root)
	for _, i := range installed {
		if i.Err != nil {
			fmt.Fprintf(w, "%s\t-\t-\tbroken: %v\t%s\n", filepath.Base(i.Dir), i.Err, i.Dir)
			continue
		}
		m := i.Manifest
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", m.Name, m.Dimension, m.Pooling, instructionSummary(m), i.Dir)
	}
	return w.Flush()
}

func instructionSummary(m models.Manifest) string {
	switch {
	case m.Mode() == models.InstructionAttention:
		return "attention"
	case strings.Contains(m.QueryTemplate, models.PlaceholderInstruction):
		return "template"
	default:
		return "none"
	}
}

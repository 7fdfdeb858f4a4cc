package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/instructd/instructd/embed"
)

// Every subcommand builds its flags with newFlags and parses them with parseFlags, so that
// all of them behave alike: flags may come before or after positional arguments ("search
// --collection c zebra -k 1" honours -k), "--" ends the flags, and -h, -help, --help print
// the usage line, the flags and examples on stdout and exit 0.

// newFlags returns a flag set whose usage shows "usage: instructd USAGE", the flags, and
// the examples (each a command line).
func newFlags(name, usage string, examples ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: instructd %s\n", usage)
		if hasFlags(fs) {
			fmt.Fprintln(out, "\nflags:")
			fs.PrintDefaults()
		}
		if len(examples) > 0 {
			fmt.Fprintln(out, "\nexamples:")
			for _, e := range examples {
				fmt.Fprintf(out, "  %s\n", e)
			}
		}
	}
	return fs
}

// hasFlags reports whether fs defines any flag.
func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args with flags anywhere among the positional arguments; after it,
// fs.Args() holds the positional arguments in order. A help flag prints the usage on
// stdout and returns flag.ErrHelp (main exits 0 on it); other errors print the usage on
// stderr.
func parseFlags(fs *flag.FlagSet, args []string) error {
	return parseFlagsTo(fs, args, os.Stdout)
}

// parseFlagsTo is parseFlags with the help written to helpOut.
func parseFlagsTo(fs *flag.FlagSet, args []string, helpOut io.Writer) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(helpOut)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	fs.SetOutput(io.Discard) // errors are returned, and reported once by main
	defer fs.SetOutput(os.Stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%w (see instructd %s --help)", err, fs.Name())
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments in fs.Args(): flags already set stay set.
	return fs.Parse(append([]string{"--"}, positional...))
}

// noPositional fails when a command that takes none was given positional arguments.
func noPositional(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (flags start with --; see instructd %s --help)", strings.Join(fs.Args(), " "), fs.Name())
	}
	return nil
}

// isHelp reports whether err is the help request (exit 0).
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// engineFlags are the inference settings of the commands that run a pack in-process
// (embed, rerank).
type engineFlags struct {
	threads, workers, batchTokens *int
	ortLib                        *string
}

// addEngineFlags defines --threads, --inference-workers, --ort-lib and --max-batch-tokens.
func addEngineFlags(fs *flag.FlagSet) engineFlags {
	return engineFlags{
		threads:     fs.Int("threads", 0, "ONNX Runtime intra-op threads (default: all cores)"),
		workers:     fs.Int("inference-workers", 0, "batches run at once, each session with threads/workers intra-op threads (default: one per thread, at most 4)"),
		ortLib:      fs.String("ort-lib", "", "ONNX Runtime library (default: $INSTRUCTD_ORT_LIB, else .deps/onnxruntime)"),
		batchTokens: fs.Int("max-batch-tokens", 0, "padded-token budget per batch (default 1024)"),
	}
}

// config is the embed.Config the flags ask for.
func (f engineFlags) config() embed.Config {
	return embed.Config{LibraryPath: *f.ortLib, IntraOpThreads: *f.threads, InferenceWorkers: *f.workers, MaxBatchTokens: *f.batchTokens}
}

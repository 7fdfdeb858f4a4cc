// Command instructd is the instruction-aware embedding retrieval server and its tools.
// Each subcommand lives in its own file; main only dispatches.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/instructd/instructd/internal/errtext"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the HTTP server", runServe},
		"embed":    {"embed JSONL {id,text} from stdin to JSONL {id,embedding} on stdout", runEmbed},
		"model":    {"manage model packs: pull ORG/NAME | import DIR | list", runModel},
		"ingest":   {"stream a JSONL corpus into a collection of a running server", runIngest},
		"search":   {"search a collection of a running server", runSearch},
		"eval":     {"evaluate retrieval quality (BEIR / FollowIR datasets)", runEval},
		"rerank":   {"score JSONL {id,query,documents} from stdin with a reranker pack to JSONL {id,results}", runRerank},
		"tokenize": {"tokenize JSONL {id,text} from stdin to JSONL {id,text,ids,tokens,offsets} on stdout", runTokenize},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: instructd COMMAND [flags]   (instructd COMMAND --help for its flags and examples)\n\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nexamples:\n  instructd serve --model BAAI/bge-small-en-v1.5\n  instructd search --collection docs \"owls hunting at night\" -k 5\n  instructd --version")
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run dispatches args (without the program name) and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		// "help CMD" is "CMD --help".
		name, args = args[1], []string{args[1], "--help"}
	case "-version", "--version", "version":
		printVersion(stdout)
		return 0
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "instructd: unknown command %q\n\n", name)
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := cmd.run(ctx, args[1:])
	stop()
	switch {
	case err == nil, isHelp(err):
		return 0
	default:
		fmt.Fprintf(stderr, "instructd %s: %s%s\n", name, errtext.Clean(err.Error()), hint(err))
		return 1
	}
}

// hint adds what to do about errors that say little by themselves.
func hint(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && strings.Contains(err.Error(), "cannot reach instructd") {
		return "\n  is instructd running there? Start it with `instructd serve`, or point to it with --server URL (or INSTRUCTD_SERVER)"
	}
	return ""
}

// Command instructd is the instruction-aware embedding retrieval server and its tools.
// Each subcommand lives in its own file; main only dispatches.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":  {"run the HTTP server", runServe},
		"embed":  {"embed JSONL {id,text} from stdin to JSONL {id,embedding} on stdout", runEmbed},
		"model":  {"manage model packs: pull <hf-repo> | import DIR | list", runModel},
		"ingest": {"stream a JSONL corpus into a collection of a running server", runIngest},
		"search": {"search a collection of a running server", runSearch},
		"eval":   {"evaluate retrieval quality (BEIR / FollowIR datasets)", runEval},
		"rerank": {"score JSONL {id,query,documents} from stdin with a reranker pack to JSONL {id,results}", runRerank},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: instructd <command> [flags]\n\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, cmds[n].summary)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands()[os.Args[1]]
	if !ok {
		if os.Args[1] != "-h" && os.Args[1] != "--help" && os.Args[1] != "help" {
			fmt.Fprintf(os.Stderr, "instructd: unknown command %q\n", os.Args[1])
		}
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := cmd.run(ctx, os.Args[2:])
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "instructd %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// Command ann benchmarks instructd's vector index against its peers on identical
// vectors (scripts/bench-ann.sh drives it): instructd's HNSW engine through the Go API,
// the exact engine, and github.com/coder/hnsw; python3-hnswlib runs in peer.py and its
// JSON is merged into the table. Everything runs single-threaded.
//
// Subcommands:
//
//	ann gen     -n N -q Q -dim D -seed S -base F -queries F    clustered synthetic vectors (.fvecs)
//	ann convert -in emb.jsonl -n N -q Q -base F -queries F     `instructd embed` output → .fvecs
//	ann gt      -base F -queries F -k K -out F                 exact top-k (int32 rows) for peer.py
//	ann run     -base F -queries F -gt F -peer peer.json ...   benchmark and print a markdown table
//
// This is benchmark-only code: nothing in the product imports it or coder/hnsw.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ann gen|convert|gt|run [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = runGen(os.Args[2:])
	case "convert":
		err = runConvert(os.Args[2:])
	case "gt":
		err = runGT(os.Args[2:])
	case "run":
		err = runBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ann:", err)
		os.Exit(1)
	}
}

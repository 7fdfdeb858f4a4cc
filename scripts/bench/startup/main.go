// Command startup measures where `instructd embed` / `serve` spend their start-up on a
// pack, step by step, in one run:
//
//   - verify (cold): models.Load hashing every file the manifest lists (no record yet);
//   - verify (warm): models.Load again, the files' size+mtime matching their record;
//   - open: embed.Open (ONNX Runtime sessions, one per inference worker, warm-up);
//   - first vector: one document embedded after Open.
//
// Usage: go run ./scripts/bench/startup --pack models/test-minilm [--ort LIB] [--rounds 3]
// It prints the median of each step over the rounds and the warm/cold verify ratio.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

func main() {
	pack := flag.String("pack", "models/test-minilm", "model pack directory")
	ort := flag.String("ort", os.Getenv("INSTRUCTD_ORT_LIB"), "ONNX Runtime library")
	rounds := flag.Int("rounds", 3, "rounds (the median is printed)")
	flag.Parse()
	if err := run(*pack, *ort, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(pack, ort string, rounds int) error {
	steps := map[string][]time.Duration{}
	order := []string{"verify (cold: hash every file)", "verify (warm: size+mtime record)", "open (sessions + warm-up)", "first vector"}
	ctx := context.Background()
	for r := 0; r < rounds; r++ {
		cache, err := os.MkdirTemp("", "instructd-startup-cache")
		if err != nil {
			return err
		}
		// A fresh cache directory: no record of verified files yet.
		if err := os.Setenv("XDG_CACHE_HOME", cache); err != nil {
			return err
		}
		t := time.Now()
		if _, err := models.Load(pack); err != nil {
			return err
		}
		steps[order[0]] = append(steps[order[0]], time.Since(t))
		t = time.Now()
		if _, err := models.Load(pack); err != nil {
			return err
		}
		steps[order[1]] = append(steps[order[1]], time.Since(t))
		cfg := embed.DefaultConfig()
		cfg.LibraryPath = ort
		t = time.Now()
		e, err := embed.Open(ctx, pack, cfg)
		if err != nil {
			return err
		}
		steps[order[2]] = append(steps[order[2]], time.Since(t))
		t = time.Now()
		if _, err := e.Embed(ctx, []string{"the first document after start-up"}, embed.Options{Type: embed.Document, Wait: true}); err != nil {
			return err
		}
		steps[order[3]] = append(steps[order[3]], time.Since(t))
		_ = e.Close()
		_ = os.RemoveAll(cache)
	}
	med := map[string]time.Duration{}
	for _, name := range order {
		d := steps[name]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		med[name] = d[len(d)/2]
		fmt.Printf("startup: %-34s %8.1f ms (median of %d)\n", name, float64(med[name].Microseconds())/1000, rounds)
	}
	fmt.Printf("startup: total with a warm record %.1f ms; warm verify = %.3f× cold\n",
		float64((med[order[1]]+med[order[2]]+med[order[3]]).Microseconds())/1000,
		float64(med[order[1]])/float64(med[order[0]]))
	return nil
}

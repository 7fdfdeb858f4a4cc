// Command tokenize measures instructd's pure-Go tokenizers on one goroutine: texts per
// second (wall clock and CPU time of the whole process) for encoding each text of a JSON-lines file with special tokens, after a warm-up
// pass (the BPE word cache is then warm, as it is for the Rust tokenizer it is compared
// with in scripts/bench-tokenize.sh). It prints one JSON line.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/instructd/instructd/embed"
)

func main() {
	tokPath := flag.String("tokenizer", "", "tokenizer.json")
	textsPath := flag.String("texts", "", "JSON lines, one string each")
	name := flag.String("name", "", "label for the output")
	rounds := flag.Int("rounds", 3, "timed passes over the texts (best is reported)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed passes here")
	flag.Parse()
	if err := run(*tokPath, *textsPath, *name, *rounds, *profile); err != nil {
		slog.Error("tokenize bench", "err", err)
		os.Exit(1)
	}
}

func run(tokPath, textsPath, name string, rounds int, profile string) error {
	runtime.GOMAXPROCS(1)
	texts, err := readTexts(textsPath)
	if err != nil {
		return err
	}
	t0 := time.Now()
	tok, err := embed.LoadTokenizer(tokPath, 512)
	if err != nil {
		return err
	}
	load := time.Since(t0)
	tokens := 0
	for _, t := range texts { // warm-up
		enc, err := tok.Encode(t)
		if err != nil {
			return err
		}
		tokens += len(enc.IDs)
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	best, bestCPU := time.Duration(1<<62), time.Duration(1<<62)
	for range rounds {
		start, startCPU := time.Now(), cpuTime()
		for _, t := range texts {
			if _, err := tok.Encode(t); err != nil {
				return err
			}
		}
		best = min(best, time.Since(start))
		bestCPU = min(bestCPU, cpuTime()-startCPU)
	}
	out, err := json.Marshal(map[string]any{
		"engine": "go", "tokenizer": name, "type": fmt.Sprintf("%T", tok), "texts": len(texts), "tokens": tokens,
		"texts_per_s": float64(len(texts)) / best.Seconds(), "texts_per_cpu_s": float64(len(texts)) / bestCPU.Seconds(),
		"load_s": load.Seconds(),
	})
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

// cpuTime is the CPU time this process has used, all threads (the GC's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("texts: %w", err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var s string
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("texts: %w", err)
		}
		texts = append(texts, s)
	}
	return texts, sc.Err()
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

// runIngest streams a JSONL corpus (NDJSON documents or BEIR corpus lines) into a
// collection of a running server, with a progress bar on stderr and a failure summary.
// It exits non-zero when any line failed.
func runIngest(ctx context.Context, args []string) error {
	fs := newFlags("ingest", "ingest --collection NAME [flags] FILE.jsonl|-",
		"instructd ingest --collection docs --create corpus.jsonl",
		"instructd ingest --collection vecs --create --dimension 384 vectors.jsonl",
		"cat corpus.jsonl | instructd ingest --collection docs -")
	serverURL := fs.String("server", envOr("INSTRUCTD_SERVER", "http://127.0.0.1:8080"), "server URL (env INSTRUCTD_SERVER)")
	collection := fs.String("collection", "", "collection name (required)")
	create := fs.Bool("create", false, "create the collection first (default spec, or --model / --dimension)")
	model := fs.String("model", "", "with --create: model pack name (default: the server's default pack)")
	dimension := fs.Int("dimension", 0, "with --create and no --model: a vector-only collection of this dimension")
	apiKey := fs.String("api-key", "", "API key (default: env INSTRUCTD_API_KEY)")
	batch := fs.Int("batch", 0, "documents per server commit (0: the server's default, 256)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *collection == "" || fs.NArg() != 1 {
		return errors.New("need --collection NAME and exactly one FILE (or - for stdin) (see instructd ingest --help)")
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("INSTRUCTD_API_KEY") // not a flag default: -h would print it
	}
	cl, err := client.New(*serverURL, client.WithAPIKey(*apiKey), client.WithIngestBatch(*batch))
	if err != nil {
		return err
	}
	in, total, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	if *create {
		spec := server.CollectionSpec{Model: *model, Dimension: *dimension}
		if _, _, err := cl.CreateCollection(ctx, *collection, spec); err != nil {
			return err
		}
	}
	counted := &countingReader{r: in}
	bar := newProgressBar(os.Stderr, total)
	res, err := cl.IngestNDJSON(ctx, *collection, counted, func(p client.Progress) {
		bar.update(p, counted.committedBytes(p.ThroughLine))
	})
	bar.finish(res.Upserted)
	printFailures(os.Stderr, res)
	if err != nil {
		return err
	}
	if res.FailedCount > 0 {
		return fmt.Errorf("%d of %d lines failed", res.FailedCount, res.ThroughLine)
	}
	return nil
}

// envOr returns the environment variable, or def when unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// openInput opens FILE or stdin ("-"); total is the size when known, else 0.
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return f, 0, nil
	}
	return f, st.Size(), nil
}

// countingReader counts the bytes and lines read, for the progress estimate.
type countingReader struct {
	r     io.Reader
	n     atomic.Int64
	lines atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	c.lines.Add(int64(bytes.Count(p[:n], []byte{'\n'})))
	return n, err
}

// committedBytes estimates how far into the input the acknowledged lines reach: the
// HTTP stack reads ahead of the server's commits, so bytes read alone run early.
func (c *countingReader) committedBytes(throughLine int) int64 {
	read, lines := c.n.Load(), c.lines.Load()
	if lines == 0 {
		return 0
	}
	return min(read, int64(float64(throughLine)*float64(read)/float64(lines)))
}

// progressBar draws "[####....]  42.0%  12,345 docs  1,234 docs/s  ETA 1m02s" on a
// terminal, or a plain line every few seconds elsewhere.
type progressBar struct {
	w        io.Writer
	total    int64
	start    time.Time
	last     time.Time
	terminal bool
}

func newProgressBar(w *os.File, total int64) *progressBar {
	st, err := w.Stat()
	return &progressBar{w: w, total: total, start: time.Now(), terminal: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

func (b *progressBar) update(p client.Progress, bytesDone int64) {
	now := time.Now()
	if !b.terminal && now.Sub(b.last) < 5*time.Second {
		return
	}
	b.last = now
	elapsed := now.Sub(b.start).Seconds()
	rate := float64(p.Committed) / max(elapsed, 1e-9)
	line := fmt.Sprintf("%s docs  %s docs/s  line %d", thousands(p.Committed), thousands(int(rate)), p.ThroughLine)
	if p.FailedCount > 0 {
		line += fmt.Sprintf("  %d failed", p.FailedCount)
	}
	if b.total > 0 {
		frac := min(float64(bytesDone)/float64(b.total), 1)
		eta := ""
		if frac > 0 {
			eta = "  ETA " + time.Duration(elapsed*(1-frac)/frac*float64(time.Second)).Round(time.Second).String()
		}
		const width = 24
		filled := int(frac * width)
		line = fmt.Sprintf("[%s%s] %5.1f%%  %s%s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*frac, line, eta)
	}
	if b.terminal {
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}

func (b *progressBar) finish(upserted int) {
	elapsed := time.Since(b.start)
	if b.terminal {
		fmt.Fprint(b.w, "\r\033[K")
	}
	fmt.Fprintf(b.w, "ingested %s documents in %s (%s docs/s)\n", thousands(upserted),
		elapsed.Round(100*time.Millisecond), thousands(int(float64(upserted)/max(elapsed.Seconds(), 1e-9))))
}

// printFailures lists failed lines (at most 50) and truncated ids.
func printFailures(w io.Writer, res client.IngestResult) {
	if res.TruncatedCount > 0 {
		fmt.Fprintf(w, "%d documents were longer than the model's max tokens and embedded truncated\n", res.TruncatedCount)
	}
	if res.FailedCount == 0 {
		return
	}
	fmt.Fprintf(w, "%d lines failed:\n", res.FailedCount)
	for i, f := range res.Failed {
		if i == 50 {
			fmt.Fprintf(w, "  ... and %d more\n", res.FailedCount-50)
			break
		}
		id := ""
		if f.ID != "" {
			id = fmt.Sprintf(" (id %q)", f.ID)
		}
		fmt.Fprintf(w, "  line %d%s: %s\n", f.Line, id, f.Error)
	}
}

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/internal/progress"
	"github.com/instructd/instructd/server"
)

// runIngest streams a JSONL corpus (NDJSON documents or BEIR corpus lines) into a
// collection of a running server, with a progress bar on stderr and a failure summary.
// It exits non-zero when any line failed.
func runIngest(ctx context.Context, args []string) error {
	return ingestMain(ctx, args, os.Stderr)
}

// ingestMain is runIngest with its progress and notes written to stderr.
func ingestMain(ctx context.Context, args []string, stderr io.Writer) error {
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
	path := fs.Arg(0)
	in, lines, err := openInput(path)
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
	if lines == 0 {
		fmt.Fprintf(stderr, "warning: %s is empty: nothing to ingest\n", path)
		return nil
	}
	bar := progress.New(stderr, "ingest", lines, "lines")
	var last client.Progress
	res, err := cl.IngestNDJSON(ctx, *collection, in, func(p client.Progress) {
		last = p
		bar.Describe(fmt.Sprintf("ingest (%s stored)", thousands(p.Committed)))
		bar.Set(int64(p.ThroughLine))
	})
	if err == nil {
		bar.Set(int64(res.ThroughLine))
		bar.Finish()
	} else if res.ThroughLine > last.ThroughLine {
		last = client.Progress{Committed: res.Upserted, ThroughLine: res.ThroughLine, FailedCount: res.FailedCount}
	}
	if err != nil {
		fmt.Fprintln(stderr)
		if ctx.Err() != nil {
			fmt.Fprint(stderr, "interrupted. ")
		}
		fmt.Fprint(stderr, resumeHint(path, *collection, last))
	} else if res.ThroughLine == 0 || res.Upserted+res.FailedCount == 0 {
		fmt.Fprintf(stderr, "warning: %s holds no documents (only blank lines)\n", path)
	}
	printFailures(stderr, res)
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

// openInput opens FILE or stdin ("-"). lines is the file's line count (a last line without
// a newline counts), or -1 when unknown (stdin, pipes); 0 means an empty file.
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), -1, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return f, -1, nil
	}
	lines, err := countLines(f)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, lines, nil
}

// countLines counts newline-terminated lines plus a final unterminated one.
func countLines(r io.Reader) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	lastNL := true
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(bytes.Count(buf[:k], []byte{'\n'}))
			lastNL = buf[k-1] == '\n'
		}
		if err == io.EOF {
			if !lastNL {
				n++
			}
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// resumeHint says what an interrupted ingest committed and how to send the rest.
func resumeHint(path, collection string, last client.Progress) string {
	if last.ThroughLine == 0 {
		return "nothing was acknowledged; run the same command again.\n"
	}
	src := path
	if path == "-" {
		src = "INPUT"
	}
	return fmt.Sprintf("lines 1-%d were acknowledged (%s documents stored, %d lines rejected). Resume after them with:\n"+
		"  tail -n +%d %s | instructd ingest --collection %s -\n", last.ThroughLine, thousands(last.Committed), last.FailedCount,
		last.ThroughLine+1, src, collection)
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

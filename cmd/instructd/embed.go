package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

// embedChunk is how many input lines one Embed call carries, and embedWorkers how many
// calls are in flight at once: together they keep the batcher's queue full enough to
// sort by length and fill batches.
const (
	embedChunk   = 256
	embedWorkers = 4
)

// embedLine is one input line, kept with its line number for error messages.
type embedLine struct {
	line int
	id   json.RawMessage
	text string
}

// embedJob is a chunk of lines; its result comes back on done.
type embedJob struct {
	lines   []embedLine
	vectors [][]float32
	failed  []error // per line, set when that line could not be embedded
	done    chan struct{}
}

// runEmbed embeds JSONL {"id","text"} from stdin and writes JSONL {"id","embedding"} to
// stdout in input order. Bad lines are reported on stderr by line number and skipped;
// the command then exits non-zero.
func runEmbed(ctx context.Context, args []string) error {
	fs := newFlags("embed", "embed --model PACK [flags] < in.jsonl > out.jsonl",
		`echo '{"id":"1","text":"owls hunt at night"}' | instructd embed --model BAAI/bge-small-en-v1.5`,
		`instructd embed --model models/test-minilm --type query --instruction "find animals" < queries.jsonl`)
	model := fs.String("model", "", "model pack directory or pulled name (required)")
	typ := fs.String("type", "document", "input type: query or document")
	instruction := fs.String("instruction", "", "instruction for queries (default: the pack's; --instruction= for none)")
	mode := fs.String("mode", "", "instruction mode for queries: template or attention (default: the pack's)")
	engine := addEngineFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noPositional(fs); err != nil {
		return err
	}
	if *model == "" {
		return errors.New("--model PACK is required (a pack directory or a pulled name; see instructd embed --help)")
	}
	opts := embed.Options{Type: embed.InputType(*typ), Mode: models.InstructionMode(*mode), Wait: true}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "instruction" {
			opts.Instruction = instruction
		}
	})
	if opts.Type != embed.Query && opts.Type != embed.Document {
		return fmt.Errorf("--type must be query or document, not %q", *typ)
	}
	pack, err := resolvePack(*model)
	if err != nil {
		return err
	}
	e, err := embed.OpenModel(ctx, pack, engine.config())
	if err != nil {
		return err
	}
	defer e.Close()
	return embedStream(ctx, e, opts, os.Stdin, os.Stdout, os.Stderr)
}

// embedStream is runEmbed's pipeline: a reader goroutine parses and chunks lines, workers
// embed chunks concurrently through the shared batcher, and this goroutine writes results
// in input order.
func embedStream(parent context.Context, e embed.Model, opts embed.Options, in io.Reader, out, errOut io.Writer) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		badMu sync.Mutex
		bad   int
	)
	report := func(line int, err error) {
		badMu.Lock()
		bad++
		fmt.Fprintf(errOut, "instructd embed: line %d: %v\n", line, err)
		badMu.Unlock()
	}

	jobs := make(chan *embedJob, embedWorkers)    // to workers
	ordered := make(chan *embedJob, embedWorkers) // to the writer, in input order
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() { // reader
		defer wg.Done()
		defer close(jobs)
		defer close(ordered)
		readErr = readLines(ctx, in, report, func(lines []embedLine) bool {
			j := &embedJob{lines: lines, done: make(chan struct{})}
			select {
			case ordered <- j:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	for range embedWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				embedJobRun(ctx, e, opts, j)
				close(j.done)
			}
		}()
	}

	w := bufio.NewWriterSize(out, 1<<20)
	var writeErr error
	buf := make([]byte, 0, 8192)
	for j := range ordered {
		select {
		case <-j.done:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		for i, l := range j.lines {
			if j.failed[i] != nil {
				report(l.line, j.failed[i])
				continue
			}
			buf = appendEmbedding(buf[:0], l.id, j.vectors[i])
			if _, err := w.Write(buf); err != nil && writeErr == nil {
				writeErr = fmt.Errorf("write output: %w", err)
				cancel()
			}
		}
	}
	cancel() // unblocks the reader and workers if we stopped early
	wg.Wait()
	return finishJSONL(w, writeErr, readErr, parent.Err(), bad)
}

// finishJSONL ends a JSONL command (embed, tokenize): it flushes the output and returns the
// first of a write error, a read error, an interruption, or bad lines reported on stderr.
func finishJSONL(w *bufio.Writer, writeErr, readErr, ctxErr error, bad int) error {
	if err := w.Flush(); err != nil && writeErr == nil {
		writeErr = fmt.Errorf("write output: %w", err)
	}
	switch {
	case writeErr != nil:
		return writeErr
	case readErr != nil:
		return readErr
	case ctxErr != nil:
		return fmt.Errorf("interrupted: %w", ctxErr)
	case bad > 0:
		return fmt.Errorf("%d bad line(s), reported above", bad)
	}
	return nil
}

// readLines parses JSONL from in and passes chunks of good lines to emit until it
// returns false; bad lines go to report.
func readLines(ctx context.Context, in io.Reader, report func(int, error), emit func([]embedLine) bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	var chunk []embedLine
	n := 0
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		n++
		raw := sc.Bytes()
		if len(trimSpace(raw)) == 0 {
			continue
		}
		var rec struct {
			ID   json.RawMessage `json:"id"`
			Text *string         `json:"text"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			report(n, fmt.Errorf("invalid JSON: %w", err))
			continue
		}
		if len(rec.ID) == 0 || string(rec.ID) == "null" {
			report(n, errors.New(`missing "id"`))
			continue
		}
		if rec.Text == nil {
			report(n, errors.New(`missing "text" (a string)`))
			continue
		}
		chunk = append(chunk, embedLine{line: n, id: append(json.RawMessage(nil), rec.ID...), text: *rec.Text})
		if len(chunk) == embedChunk {
			if !emit(chunk) {
				return nil
			}
			chunk = nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input after line %d: %w", n, err)
	}
	if len(chunk) > 0 {
		emit(chunk)
	}
	return nil
}

// embedJobRun embeds a chunk in one call; if that fails it retries line by line, so an
// error names the line that caused it.
func embedJobRun(ctx context.Context, e embed.Model, opts embed.Options, j *embedJob) {
	texts := make([]string, len(j.lines))
	for i, l := range j.lines {
		texts[i] = l.text
	}
	j.failed = make([]error, len(j.lines))
	res, err := e.Embed(ctx, texts, opts)
	if err == nil {
		j.vectors = res.Vectors
		return
	}
	if ctx.Err() != nil || !errors.Is(err, embed.ErrInvalidInput) {
		for i := range j.failed {
			j.failed[i] = err
		}
		return
	}
	j.vectors = make([][]float32, len(j.lines))
	for i, t := range texts {
		r, err := e.Embed(ctx, []string{t}, opts)
		if err != nil {
			j.failed[i] = err
			continue
		}
		j.vectors[i] = r.Vectors[0]
	}
}

// appendEmbedding appends one output line: {"id":...,"embedding":[...]}.
func appendEmbedding(b []byte, id json.RawMessage, vec []float32) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"embedding":[`...)
	for i, v := range vec {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
	}
	return append(b, "]}\n"...)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

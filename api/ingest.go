package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/instructd/instructd/server"
)

// NDJSON ingest, in stages linked by bounded hand-offs (back-pressure):
//
//	reader goroutine: lines → validate each → batches of IngestBatchDocs / IngestBatchBytes
//	channel of capacity 1
//	handler goroutine: up to IngestConcurrency (2) server.Upsert calls in flight, each on
//	    its own goroutine; acknowledged strictly in order (progress line after each)
//
// so the next batch is decoded while the current one embeds, one batch embeds while the
// previous one is written and fsynced, and a slow server slows the reader, which stops
// reading the socket. Two batches in flight never share an id (the later waits), so the
// last line for an id still wins. A bad line fails alone, with its number.

// lineFailure reports one rejected line.
type lineFailure struct {
	Line  int    `json:"line"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// ingestProgress is streamed after each committed batch when the client accepts NDJSON.
type ingestProgress struct {
	Committed   int `json:"committed"`
	ThroughLine int `json:"through_line"`
	FailedCount int `json:"failed_count"`
}

// ingestSummary ends an NDJSON ingest. Done is false when the stream was aborted,
// and Error then says why; documents committed before that stay stored.
type ingestSummary struct {
	Done           bool          `json:"done"`
	Upserted       int           `json:"upserted"`
	ThroughLine    int           `json:"through_line"`
	Failed         []lineFailure `json:"failed"`
	FailedCount    int           `json:"failed_count"`
	Truncated      []string      `json:"truncated"`
	TruncatedCount int           `json:"truncated_count"`
	Error          *errorDetail  `json:"error,omitempty"`
	// reportBytes approximates the bytes of Failed and Truncated (see report.go).
	reportBytes int
}

// ingestBatch is what the reader hands to the committer.
type ingestBatch struct {
	docs        []server.Document
	lines       []int
	failures    []lineFailure // lines rejected by the reader, in order
	throughLine int           // every line up to here is in this or an earlier batch
}

// ingestNDJSON streams an NDJSON body into collection name.
func (h *handlers) ingestNDJSON(w http.ResponseWriter, r *http.Request, name string) {
	ctx := r.Context()
	info, err := h.svc.GetCollection(ctx, name)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	lim := h.svc.Limits()
	batchDocs, err := batchParam(r, h.opts.IngestBatchDocs, lim.MaxDocsPerRequest)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	maxLine := lim.MaxLineBytes
	if maxLine <= 0 {
		maxLine = 1 << 20
	}
	rc := http.NewResponseController(w)
	// Streams outlive any server-wide read/write timeout; the client's pace rules.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	streaming := acceptsNDJSON(r)
	var enc *json.Encoder
	if streaming {
		_ = rc.EnableFullDuplex() // keep reading the body after the first progress line
		w.Header().Set("Content-Type", ndjsonType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_ = rc.Flush()
		enc = json.NewEncoder(w)
	}

	batches := make(chan ingestBatch, 1)
	stop := make(chan struct{})
	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(batches)
		readErr = h.readBatches(r, &info, lim, maxLine, batchDocs, batches, stop)
	}()

	st := ingestSummary{Failed: []lineFailure{}, Truncated: []string{}}
	var fatal error
	var pending []*inflightBatch // oldest first, at most IngestConcurrency
	// finish waits for the oldest in-flight batch and acknowledges it, in order.
	finish := func() {
		f := pending[0]
		pending = pending[1:]
		out := <-f.done
		if fatal != nil {
			return
		}
		if out.err != nil {
			fatal = out.err
			close(stop)
			_ = rc.SetReadDeadline(time.Now()) // unblock a reader waiting on the socket
			return
		}
		h.mergeOutcome(&st, out)
		if streaming {
			if err := enc.Encode(ingestProgress{Committed: st.Upserted, ThroughLine: st.ThroughLine, FailedCount: st.FailedCount}); err == nil {
				_ = rc.Flush()
			}
		}
	}
	for b := range batches {
		if fatal != nil {
			continue // drain until the reader has stopped
		}
		// Keep at most IngestConcurrency upserts in flight, and never two that share an
		// id: the later one must win, so it waits for the earlier to commit.
		for len(pending) > 0 && (len(pending) >= h.opts.IngestConcurrency || conflicts(pending, b)) {
			finish()
		}
		if fatal != nil {
			continue
		}
		f := &inflightBatch{ids: batchIDs(b), done: make(chan batchOutcome, 1)}
		pending = append(pending, f)
		go func() { f.done <- h.commitBatch(ctx, name, b) }()
	}
	for len(pending) > 0 {
		finish()
	}
	wg.Wait()
	var he *httpError
	switch {
	case fatal != nil || readErr == nil:
	case errors.As(readErr, &he):
		fatal = readErr // a stream of the wrong shape: one message that says what to send
	default:
		fatal = &httpError{status: http.StatusBadRequest, code: codeInvalidInput,
			message: fmt.Sprintf("reading the NDJSON stream after line %d: %v", st.ThroughLine, readErr)}
	}
	st.Done = fatal == nil
	status := http.StatusOK
	if fatal != nil {
		var d errorDetail
		status, _, d = classify(fatal)
		if status == http.StatusInternalServerError {
			h.log.ErrorContext(ctx, "api: ingest failed", "request_id", RequestID(ctx), "collection", name, "err", fatal)
			d.Message = fmt.Sprintf("internal error (request id %s)", RequestID(ctx))
		}
		st.Error = &d
	}
	if streaming {
		_ = enc.Encode(st)
		_ = rc.Flush()
		return
	}
	writeJSON(w, status, st)
}

// batchParam reads the optional ?batch=N (documents per Upsert call), 1..max.
func batchParam(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("batch")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || (max > 0 && n > max) {
		return 0, badRequest("batch", "must be an integer between 1 and %d, got %q", max, v)
	}
	return n, nil
}

// acceptsNDJSON reports whether the client asked for streamed progress.
func acceptsNDJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, ndjsonType) {
			return true
		}
	}
	return false
}

// readBatches is the reader stage. It returns the stream's read error, if any.
func (h *handlers) readBatches(r *http.Request, info *server.CollectionInfo, lim server.Limits, maxLine, batchDocs int,
	out chan<- ingestBatch, stop <-chan struct{}) error {
	lr := newLineReader(r.Body, maxLine)
	var b ingestBatch
	bytesIn := 0
	send := func() bool {
		select {
		case out <- b:
			b, bytesIn = ingestBatch{}, 0
			return true
		case <-stop:
			return false
		}
	}
	sawContent := false
	for {
		line, num, tooLong, err := lr.next()
		if num == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if err == nil && !sawContent && !tooLong && len(bytes.TrimSpace(line)) > 0 {
			sawContent = true
			if err := checkNDJSONShape(line); err != nil {
				return err
			}
		}
		if err != nil {
			if b.throughLine > 0 || len(b.docs) > 0 || len(b.failures) > 0 {
				if !send() {
					return nil
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			select {
			case <-stop:
				return nil // we cut the stream ourselves
			default:
				return err
			}
		}
		b.throughLine = num
		switch {
		case tooLong:
			b.failures = append(b.failures, lineFailure{Line: num, Error: fmt.Sprintf("line is longer than the limit of %d bytes", maxLine)})
		case len(bytes.TrimSpace(line)) == 0:
			// blank lines are allowed and ignored
		default:
			doc, ferr := parseLine(line, info, lim)
			if ferr != nil {
				b.failures = append(b.failures, lineFailure{Line: num, ID: doc.ID, Error: ferr.Error()})
				break
			}
			b.docs = append(b.docs, doc)
			b.lines = append(b.lines, num)
			bytesIn += len(line)
		}
		if len(b.docs)+len(b.failures) >= batchDocs || bytesIn >= h.opts.IngestBatchBytes {
			if !send() {
				return nil
			}
		}
	}
}

// parseLine decodes and validates one NDJSON line; the returned document carries the id
// when it could be read, for the failure report.
func parseLine(line []byte, info *server.CollectionInfo, lim server.Limits) (server.Document, error) {
	if !utf8.Valid(line) {
		return server.Document{}, fmt.Errorf("not valid UTF-8 (first bad byte at column %d)", invalidUTF8Offset(line)+1)
	}
	var in docInput
	if err := decodeStrict(line, &in); err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return server.Document{}, errors.New(he.message)
		}
		return server.Document{}, err
	}
	doc, err := in.document()
	if err != nil {
		return doc, err
	}
	return doc, checkDocument(&doc, info, lim)
}

// batchIndexRE finds the document index in a server InputError field: "documents[3].vector".
var batchIndexRE = regexp.MustCompile(`^documents\[(\d+)\]\.?`)

// inflightBatch is one Upsert running on its own goroutine; the handler waits for it.
type inflightBatch struct {
	ids  map[string]struct{}
	done chan batchOutcome
}

// batchOutcome is what one committed batch adds to the summary.
type batchOutcome struct {
	upserted    int
	truncated   []string
	failures    []lineFailure
	throughLine int
	err         error // fatal: the stream stops
}

// batchIDs is the set of ids in b.
func batchIDs(b ingestBatch) map[string]struct{} {
	ids := make(map[string]struct{}, len(b.docs))
	for _, d := range b.docs {
		ids[d.ID] = struct{}{}
	}
	return ids
}

// conflicts reports whether b shares an id with a batch in flight.
func conflicts(pending []*inflightBatch, b ingestBatch) bool {
	for _, d := range b.docs {
		for _, p := range pending {
			if _, ok := p.ids[d.ID]; ok {
				return true
			}
		}
	}
	return false
}

// mergeOutcome adds a committed batch to the summary, capping the lists.
func (h *handlers) mergeOutcome(st *ingestSummary, out batchOutcome) {
	st.Upserted += out.upserted
	for _, id := range out.truncated {
		h.reportTruncated(st, id)
	}
	for _, f := range out.failures {
		h.reportFailure(st, f)
	}
	st.ThroughLine = out.throughLine
}

// commitBatch upserts one batch. A validation error naming one document fails that
// line and retries the rest; overload is retried with back-off; anything else is fatal.
func (h *handlers) commitBatch(ctx context.Context, name string, b ingestBatch) batchOutcome {
	out := batchOutcome{failures: b.failures, throughLine: b.throughLine}
	docs, lines := b.docs, b.lines
	backoff := 50 * time.Millisecond
	for len(docs) > 0 {
		res, err := h.svc.Upsert(ctx, name, docs)
		if err == nil {
			out.upserted = res.Upserted
			out.truncated = res.Truncated
			break
		}
		var ie *server.InputError
		if errors.As(err, &ie) {
			if m := batchIndexRE.FindStringSubmatch(ie.Field); m != nil {
				if i, _ := strconv.Atoi(m[1]); i < len(docs) {
					msg := strings.TrimPrefix(ie.Error(), m[0])
					out.failures = append(out.failures, lineFailure{Line: lines[i], ID: docs[i].ID, Error: msg})
					docs = append(docs[:i:i], docs[i+1:]...)
					lines = append(lines[:i:i], lines[i+1:]...)
					continue
				}
			}
			for i := range docs { // the server did not say which one: the batch fails
				out.failures = append(out.failures, lineFailure{Line: lines[i], ID: docs[i].ID, Error: ie.Error()})
			}
			break
		}
		if errors.Is(err, server.ErrOverloaded) {
			select {
			case <-ctx.Done():
				out.err = ctx.Err()
				return out
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		out.err = err
		return out
	}
	sortFailures(out.failures)
	return out
}

// sortFailures orders one batch's failures by line (insertion sort: batches are small
// and the reader's part is sorted already).
func sortFailures(f []lineFailure) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].Line < f[j-1].Line; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Progress is one acknowledgement of a streamed ingest: every document on lines up to
// ThroughLine has been stored durably, or reported as failed.
type Progress struct {
	Committed   int `json:"committed"`
	ThroughLine int `json:"through_line"`
	FailedCount int `json:"failed_count"`
}

// LineFailure is one rejected NDJSON line.
type LineFailure struct {
	Line  int    `json:"line"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// IngestResult is the final summary of a streamed ingest.
type IngestResult struct {
	// Done is true when the whole stream was read and committed.
	Done bool `json:"done"`
	// Upserted counts documents stored.
	Upserted int `json:"upserted"`
	// ThroughLine is the last line acknowledged.
	ThroughLine int `json:"through_line"`
	// Failed lists rejected lines (capped by the server; FailedCount is exact).
	Failed      []LineFailure `json:"failed"`
	FailedCount int           `json:"failed_count"`
	// Truncated lists ids embedded truncated (capped; TruncatedCount is exact).
	Truncated      []string `json:"truncated"`
	TruncatedCount int      `json:"truncated_count"`
	// Error is set when the server aborted the stream.
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// ErrStreamCut means the connection ended before the server's final summary line:
// only the documents acknowledged through progress are known to be stored.
var ErrStreamCut = errors.New("client: ingest stream ended before the final summary")

// IngestNDJSON streams r (NDJSON documents, or BEIR corpus lines) to
// POST /v1/collections/{name}/documents and calls progress (if non-nil) after each
// committed batch. Bad lines do not stop the stream; they are listed in the result.
// A server-side abort returns the partial result and an *Error.
func (c *Client) IngestNDJSON(ctx context.Context, collection string, r io.Reader, progress func(Progress)) (IngestResult, error) {
	path := collectionPath(collection) + "/documents"
	if c.ingestBatch > 0 {
		path += "?batch=" + strconv.Itoa(c.ingestBatch)
	}
	req, err := c.newRequest(ctx, http.MethodPost, path, nil)
	if err != nil {
		return IngestResult{}, err
	}
	req.Body = io.NopCloser(r)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := c.http.Do(req)
	if err != nil {
		return IngestResult{}, fmt.Errorf("client: ingest into %q: %w", collection, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return IngestResult{}, readError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var probe struct {
			Done *bool `json:"done"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return IngestResult{}, fmt.Errorf("client: ingest: bad progress line %q: %w", line, err)
		}
		if probe.Done == nil {
			var p Progress
			if err := json.Unmarshal(line, &p); err != nil {
				return IngestResult{}, fmt.Errorf("client: ingest: bad progress line: %w", err)
			}
			if progress != nil {
				progress(p)
			}
			continue
		}
		var res IngestResult
		if err := json.Unmarshal(line, &res); err != nil {
			return IngestResult{}, fmt.Errorf("client: ingest: bad summary line: %w", err)
		}
		if res.Error != nil {
			return res, &Error{Status: resp.StatusCode, Code: res.Error.Code, Message: res.Error.Message}
		}
		return res, nil
	}
	if err := sc.Err(); err != nil {
		return IngestResult{}, fmt.Errorf("%w: %v", ErrStreamCut, err)
	}
	return IngestResult{}, ErrStreamCut
}

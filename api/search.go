package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/instructd/instructd/server"
)

// defaultK is the number of hits when a query does not say.
const defaultK = 10

// batchConcurrency bounds how many queries of one batch run at once.
const batchConcurrency = 8

// searchQuery is one query as sent; K is a pointer so that "k":0 is an error while a
// missing k takes the default.
type searchQuery struct {
	server.SearchRequest
	K *int `json:"k,omitempty"`
}

// searchBody is POST /v1/collections/{name}/search: one query, or a batch in Queries.
type searchBody struct {
	searchQuery
	Queries []searchQuery `json:"queries,omitempty"`
}

// searchBatchResponse answers the batch form, one response per query, in order.
type searchBatchResponse struct {
	Results []server.SearchResponse `json:"results"`
}

// validModes and validIncludes are the accepted enumerations.
var (
	validModes    = map[string]bool{"": true, "dense": true, "lexical": true, "hybrid": true}
	validIncludes = map[string]bool{"text": true, "metadata": true, "vector": true, "title": true}
	validFusions  = map[string]bool{"": true, "rrf": true, "weighted": true}
)

// search answers POST /v1/collections/{name}/search.
func (h *handlers) search(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	var body searchBody
	if err := decodeSearchBody(r, &body); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	lim := h.svc.Limits()
	if body.Queries == nil {
		req, err := checkQuery(body.searchQuery, "", lim)
		if err != nil {
			writeError(w, r, h.log, err)
			return
		}
		if err := h.checkResponseSize(r.Context(), name, []server.SearchRequest{req}); err != nil {
			writeError(w, r, h.log, err)
			return
		}
		res, err := h.svc.Search(r.Context(), name, req)
		if err != nil {
			writeError(w, r, h.log, err)
			return
		}
		writeJSON(w, http.StatusOK, normaliseResponse(res))
		return
	}
	if body.Query != "" || body.Vector != nil {
		writeError(w, r, h.log, badRequest("queries", "send either one query or a \"queries\" array, not both"))
		return
	}
	if len(body.Queries) == 0 {
		writeError(w, r, h.log, badRequest("queries", "empty array"))
		return
	}
	if lim.MaxBatchQueries > 0 && len(body.Queries) > lim.MaxBatchQueries {
		writeError(w, r, h.log, badRequest("queries", "%d queries is more than the limit of %d", len(body.Queries), lim.MaxBatchQueries))
		return
	}
	reqs := make([]server.SearchRequest, len(body.Queries))
	for i, q := range body.Queries {
		// Top-level fields are defaults for every query (filter: ANDed), never dropped.
		applyBatchDefaults(body.SearchRequest, &q.SearchRequest)
		if q.K == nil {
			q.K = body.K
		}
		if reqs[i], err = checkQuery(q, fmt.Sprintf("queries[%d].", i), lim); err != nil {
			writeError(w, r, h.log, err)
			return
		}
	}
	if err := h.checkResponseSize(r.Context(), name, reqs); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	results, err := h.searchBatch(r.Context(), name, reqs)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, searchBatchResponse{Results: results})
}

// searchBatch runs the queries concurrently (so the embedder can batch them) and
// returns the first error, naming its query.
func (h *handlers) searchBatch(ctx context.Context, name string, reqs []server.SearchRequest) ([]server.SearchResponse, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	results := make([]server.SearchResponse, len(reqs))
	sem := make(chan struct{}, batchConcurrency)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			res, err := h.svc.Search(ctx, name, reqs[i])
			if err != nil {
				cancel(fmt.Errorf("queries[%d]: %w", i, err))
				return
			}
			results[i] = normaliseResponse(res)
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return results, nil
}

// checkQuery validates one query and fills the default k. prefix names it in a batch.
func checkQuery(q searchQuery, prefix string, lim server.Limits) (server.SearchRequest, error) {
	req := q.SearchRequest
	switch {
	case q.Query != "" && q.Vector != nil:
		return req, badRequest(prefix+"query", "send either query or vector, not both")
	case q.Vector == nil && strings.TrimSpace(q.Query) == "":
		if q.Query != "" {
			return req, badRequest(prefix+"query", "is only whitespace")
		}
		return req, badRequest(prefix+"query", "required (or a vector)")
	case q.Vector != nil && len(q.Vector) == 0:
		return req, badRequest(prefix+"vector", "empty")
	}
	req.K = defaultK
	if q.K != nil {
		req.K = *q.K
	}
	maxK := lim.MaxK
	if req.K <= 0 || (maxK > 0 && req.K > maxK) {
		return req, badRequest(prefix+"k", "must be between 1 and %d, got %d", maxK, req.K)
	}
	if req.Ef < 0 {
		return req, badRequest(prefix+"ef", "must not be negative, got %d", req.Ef)
	}
	if !validModes[req.Mode] {
		return req, badRequest(prefix+"mode", "must be dense, lexical or hybrid, got %q", req.Mode)
	}
	if !validFusions[req.Fusion] {
		return req, badRequest(prefix+"fusion", "must be rrf or weighted, got %q", req.Fusion)
	}
	for _, inc := range req.Include {
		if !validIncludes[inc] {
			return req, badRequest(prefix+"include", "unknown field %q (text, metadata, vector, title)", inc)
		}
	}
	if f := bytes.TrimSpace(req.Filter); len(f) > 0 {
		if string(f) == "null" {
			req.Filter = nil
		} else if f[0] != '{' {
			return req, badRequest(prefix+"filter", "must be a JSON object")
		}
	}
	return req, nil
}

// normaliseResponse makes hits an empty array rather than null.
func normaliseResponse(res server.SearchResponse) server.SearchResponse {
	if res.Hits == nil {
		res.Hits = []server.SearchHit{}
	}
	return res
}

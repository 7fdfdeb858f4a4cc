package api

import (
	"context"
	"slices"

	"github.com/instructd/instructd/server"
)

// Estimates of a search response's JSON size: a hit without text or vector, and one
// vector element.
const (
	responseHitBytes = 96
	floatJSONBytes   = 13
)

// checkResponseSize refuses a search (single or batch) whose response would exceed
// Options.MaxResponseBytes: queries × k hits, each with its vector when "vector" is
// included. It answers before any work is done, naming how to shrink the request.
func (h *handlers) checkResponseSize(ctx context.Context, name string, reqs []server.SearchRequest) error {
	var hits, vecHits int64
	for _, q := range reqs {
		hits += int64(q.K)
		if slices.Contains(q.Include, "vector") {
			vecHits += int64(q.K)
		}
	}
	limit := h.opts.MaxResponseBytes
	est := hits * responseHitBytes
	if vecHits > 0 {
		info, err := h.svc.GetCollection(ctx, name)
		if err != nil {
			return nil // the search itself reports it
		}
		est += vecHits * int64(info.Dimension) * floatJSONBytes
	}
	if est <= limit {
		return nil
	}
	field := "k"
	if vecHits > 0 {
		field = "include"
	}
	return badRequest(field, "the response would be about %d MiB, over the limit of %d MiB: lower k or the number of queries, or leave \"vector\" out of include",
		est>>20, limit>>20)
}

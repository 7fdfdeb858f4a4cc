package weaviate

import (
	"context"
	"fmt"

	"github.com/instructd/instructd/server/backend"
)

// fetchBatch is how many ids one read by ids names; maxFetch is the most objects one
// gRPC search returns (Weaviate's default QUERY_MAXIMUM_RESULTS).
const (
	fetchBatch = 1000
	maxFetch   = 10_000
)

// GetMany reads documents by id, fetchBatch ids per gRPC search at the collection's
// consistency level; for a chunked collection it then reads their passages (spans, and
// vectors when withVector). out[i] is nil where ids[i] is absent.
func (b *Backend) GetMany(ctx context.Context, name string, ids []string, withVector bool) ([]*backend.Record, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*backend.Record, len(ids))
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			found[id] = nil
			uniq = append(uniq, id)
		}
	}
	for start := 0; start < len(uniq); start += fetchBatch {
		part := uniq[start:min(start+fetchBatch, len(uniq))]
		hits, err := b.fetch(ctx, c, and(textIn("iid", part), textEq("kind", "d")), len(part), withVector)
		if err != nil {
			return nil, err
		}
		for i := range hits {
			r := hits[i].Record
			found[r.ID] = &r
		}
	}
	if err := b.attachPassages(ctx, c, found, withVector); err != nil {
		return nil, err
	}
	out := make([]*backend.Record, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}

// attachPassages fills the passages of the records of a chunked collection (a no-op
// for other collections): their spans, and their vectors when withVector.
func (b *Backend) attachPassages(ctx context.Context, c *class, recs map[string]*backend.Record, withVector bool) error {
	if c.spec.Chunking == nil {
		return nil
	}
	var parents []string
	for id, r := range recs {
		if r != nil {
			parents = append(parents, id)
		}
	}
	for start := 0; start < len(parents); start += fetchBatch {
		if err := b.passagesOf(ctx, c, recs, parents[start:min(start+fetchBatch, len(parents))], withVector); err != nil {
			return err
		}
	}
	for _, r := range recs {
		if r != nil && len(r.Passages) > 0 {
			r.Vector = nil
		}
	}
	return nil
}

// passagesOf reads the passages of the documents ids into recs; when one search may
// have been cut off at maxFetch objects, it reads each half of ids on its own.
func (b *Backend) passagesOf(ctx context.Context, c *class, recs map[string]*backend.Record, ids []string, withVector bool) error {
	hits, err := b.fetch(ctx, c, and(textIn("parent", ids), textEq("kind", "p")), maxFetch, withVector)
	if err != nil {
		return err
	}
	if len(hits) == maxFetch {
		if len(ids) == 1 {
			return fmt.Errorf("weaviate: document %q has %d passages or more, more than one read returns", ids[0], maxFetch)
		}
		half := len(ids) / 2
		if err := b.passagesOf(ctx, c, recs, ids[:half], withVector); err != nil {
			return err
		}
		return b.passagesOf(ctx, c, recs, ids[half:], withVector)
	}
	for _, h := range hits {
		r := recs[h.ID]
		if r == nil || h.Passage < 0 {
			continue
		}
		for len(r.Passages) <= h.Passage {
			r.Passages = append(r.Passages, backend.Passage{})
		}
		p := h.Passages[h.Passage]
		p.Vector = h.Vector
		r.Passages[h.Passage] = p
	}
	return nil
}

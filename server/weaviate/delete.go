package weaviate

import (
	"context"
	"fmt"

	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"

	"github.com/instructd/instructd/server/backend"
)

// DeleteMany removes documents by id with Weaviate's batch deleter at the collection's
// consistency level, fetchBatch ids per call: their passages first (a document whose
// deletion is cut short stays findable by id and can be deleted again, rather than
// leaving passages without a parent), then the document objects, which are what it
// counts.
func (b *Backend) DeleteMany(ctx context.Context, name string, ids []string) (int, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(ids))
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	removed := 0
	for start := 0; start < len(uniq); start += fetchBatch {
		part := uniq[start:min(start+fetchBatch, len(uniq))]
		if c.spec.Chunking != nil {
			if err := b.deletePassages(ctx, c, part); err != nil {
				return removed, err
			}
		}
		where := filters.Where().WithOperator(filters.And).WithOperands([]*filters.WhereBuilder{
			filters.Where().WithPath([]string{"iid"}).WithOperator(filters.ContainsAny).WithValueText(part...),
			filters.Where().WithPath([]string{"kind"}).WithOperator(filters.Equal).WithValueText("d"),
		})
		n, err := b.deleteObjects(ctx, c, where, "delete documents")
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// deleteWhereBatch is how many matching documents DeleteWhere reads and deletes at a time.
const deleteWhereBatch = 1000

// DeleteWhere removes the documents matching filter: it reads the ids of up to
// deleteWhereBatch matching documents (the filter is translated as for a search) and
// deletes them with DeleteMany, until none match. Going through ids rather than
// deleting by the filter keeps the count of documents exact and removes exactly their
// passages.
func (b *Backend) DeleteWhere(ctx context.Context, name string, filter *backend.Filter) (int, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return 0, err
	}
	f := textEq("kind", "d")
	if filter != nil {
		t, k, err := translate(filter, func(p string) bool { return b.known(ctx, c, p) })
		if err != nil {
			return 0, err
		}
		switch k {
		case alwaysFalse:
			return 0, nil
		case notConst:
			f = and(t, f)
		}
	}
	removed := 0
	for {
		hits, err := b.fetch(ctx, c, f, deleteWhereBatch, false)
		if err != nil {
			return removed, err
		}
		if len(hits) == 0 {
			return removed, nil
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		n, err := b.DeleteMany(ctx, name, ids)
		removed += n
		if err != nil || n == 0 || len(hits) < deleteWhereBatch {
			return removed, err
		}
	}
}

// deletePassages removes every passage of the documents ids.
func (b *Backend) deletePassages(ctx context.Context, c *class, ids []string) error {
	where := filters.Where().WithPath([]string{"parent"}).WithOperator(filters.ContainsAny).WithValueText(ids...)
	_, err := b.deleteObjects(ctx, c, where, "delete passages")
	return err
}

// deleteObjects runs the batch deleter until no object matches where (one call deletes
// at most Weaviate's QUERY_MAXIMUM_RESULTS objects) and returns how many it deleted.
func (b *Backend) deleteObjects(ctx context.Context, c *class, where *filters.WhereBuilder, what string) (int, error) {
	deleted := 0
	for {
		res, err := b.rest.Batch().ObjectsBatchDeleter().WithClassName(c.name).WithWhere(where).
			WithConsistencyLevel(c.restCL).WithOutput("minimal").Do(ctx)
		if err != nil {
			return deleted, clientErr(what, err)
		}
		r := res.Results
		if r == nil {
			return deleted, nil
		}
		deleted += int(r.Successful)
		if r.Failed > 0 {
			return deleted, fmt.Errorf("weaviate: %s in %s: %d of %d objects failed: %w", what, c.name, r.Failed, r.Matches, backend.ErrUnavailable)
		}
		if r.Limit <= 0 || r.Matches < r.Limit || r.Successful == 0 {
			return deleted, nil
		}
	}
}

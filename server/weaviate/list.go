package weaviate

import (
	"context"
	"encoding/hex"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
)

// listKey is the "ikey" property of a document object: its id in lower-case hex. Hex
// keeps the byte order of ids (two digits per byte, so a prefix still sorts first) and
// has no letter case, so Weaviate's two ways of sorting a text property agree on it:
// its object sorter compares strings case-insensitively, its inverted-index sorter by
// bytes. Sorting or cursoring on iid itself would put "B" and "a" in different orders
// depending on Weaviate's query plan, and neither order is the local engine's.
func listKey(id string) string { return hex.EncodeToString([]byte(id)) }

// List pages through documents in ascending byte order of id: one gRPC search sorted
// on ikey with the filter "ikey > listKey(after)", kind = "d" and the translated
// metadata filter, limit+1 objects (the extra one tells whether a page follows); then,
// with withVector in a chunked collection, the page's passages.
func (b *Backend) List(ctx context.Context, name, after string, limit int, filter *backend.Filter, withVector bool) ([]backend.Record, string, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return nil, "", err
	}
	limit = max(limit, 1)
	f := textEq("kind", "d")
	if filter != nil {
		t, k, err := translate(filter, func(p string) bool { return b.known(ctx, c, p) })
		if err != nil {
			return nil, "", err
		}
		switch k {
		case alwaysFalse:
			return []backend.Record{}, "", nil
		case notConst:
			f = and(t, f)
		}
	}
	if after != "" {
		f = and(f, &pb.Filters{Operator: pb.Filters_OPERATOR_GREATER_THAN, Target: target("ikey"),
			TestValue: &pb.Filters_ValueText{ValueText: listKey(after)}})
	}
	cl := c.consistency
	req := &pb.SearchRequest{Collection: c.name, Limit: uint32(limit + 1), Filters: f, ConsistencyLevel: &cl,
		SortBy:   []*pb.SortBy{{Ascending: true, Path: []string{"ikey"}}},
		Metadata: &pb.MetadataRequest{Uuid: true, Vector: withVector}, Properties: allProps(),
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true}
	res, err := b.search(ctx, req)
	if err != nil {
		return nil, "", b.explain(ctx, c, err)
	}
	recs := make([]backend.Record, 0, min(len(res.GetResults()), limit))
	next := ""
	for _, r := range res.GetResults() {
		if len(recs) == limit {
			next = recs[limit-1].ID
			break
		}
		h, err := hitFrom(r, true, withVector)
		if err != nil {
			return nil, "", err
		}
		recs = append(recs, h.Record)
	}
	if withVector && c.spec.Chunking != nil && len(recs) > 0 {
		byID := make(map[string]*backend.Record, len(recs))
		for i := range recs {
			byID[recs[i].ID] = &recs[i]
		}
		if err := b.attachPassages(ctx, c, byID, withVector); err != nil {
			return nil, "", err
		}
	}
	return recs, next, nil
}

package weaviate

import (
	"context"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
)

// Scan reads documents in Weaviate's object order (by UUID) with their vectors: one
// gRPC search with Weaviate's cursor (after, no filter, no sort: a walk of the objects
// bucket) for the next limit objects, ids only, then GetMany for the documents among
// them (passages are skipped: GetMany brings them with their parent). after and next
// are object UUIDs ("" = from the first; next is "" at the end). Unlike List, whose
// pages sort every document after the cursor, a whole scan reads each object about
// twice: backups use it.
func (b *Backend) Scan(ctx context.Context, name, after string, limit int) ([]backend.Record, string, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return nil, "", err
	}
	limit = max(limit, 1)
	cl := c.consistency
	req := &pb.SearchRequest{Collection: c.name, Limit: uint32(limit), After: after, ConsistencyLevel: &cl,
		Metadata: &pb.MetadataRequest{Uuid: true}, Properties: idProps(),
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true}
	res, err := b.search(ctx, req)
	if err != nil {
		return nil, "", b.explain(ctx, c, err)
	}
	var ids []string
	next := ""
	for _, r := range res.GetResults() {
		fields := r.GetProperties().GetNonRefProps().GetFields()
		if fields["kind"].GetTextValue() == "d" {
			ids = append(ids, fields["iid"].GetTextValue())
		}
		next = r.GetMetadata().GetId()
	}
	if len(res.GetResults()) < limit {
		next = ""
	}
	got, err := b.GetMany(ctx, name, ids, true)
	if err != nil {
		return nil, "", err
	}
	recs := make([]backend.Record, 0, len(got))
	for _, r := range got {
		if r != nil { // deleted since the cursor saw it
			recs = append(recs, *r)
		}
	}
	return recs, next, nil
}

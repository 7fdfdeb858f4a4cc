package weaviate

import (
	"context"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
)

// DocFreq counts, per term, the documents Weaviate's BM25 finds for it alone in title
// and text (ids only, at most limit per term), and the collection's documents. Weaviate
// tokenises words without stemming, so an analyzed (stemmed) term counts the documents
// holding that exact form.
func (b *Backend) DocFreq(ctx context.Context, name string, terms []string, limit int) (int, []int, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return 0, nil, err
	}
	n, err := b.Count(ctx, name)
	if err != nil {
		return 0, nil, err
	}
	df := make([]int, len(terms))
	cl := c.consistency
	for i, term := range terms {
		req := &pb.SearchRequest{Collection: c.name, Limit: uint32(limit), ConsistencyLevel: &cl,
			Bm25Search:  &pb.BM25{Query: term, Properties: []string{"title", "text"}},
			Filters:     textEq("kind", "d"),
			Metadata:    &pb.MetadataRequest{Uuid: true},
			Properties:  &pb.PropertiesRequest{},
			Uses_123Api: true, Uses_125Api: true, Uses_127Api: true}
		res, err := b.search(ctx, req)
		if err != nil {
			return 0, nil, b.explain(ctx, c, err)
		}
		df[i] = len(res.GetResults())
	}
	return n, df, nil
}

// Package weaviate implements backend.Backend over a Weaviate cluster (v1.35): each
// instructd collection is one Weaviate collection with vectors we bring. Schema and
// object reads and deletes go over REST (github.com/weaviate/weaviate-go-client/v5);
// batch writes and searches over gRPC.
//
// Object layout: a document is one object whose UUID derives from (collection, id),
// with properties iid (our id), kind ("d"), title, text, meta (the metadata as JSON, not
// indexed) and, per metadata field, typed filterable array properties (see props.go).
// A chunked document's passages are objects of kind "p" linked to their parent by the
// parent property (its id) and carrying pidx, pstart, pend, the parent's filterable
// metadata and the passage vector; the parent itself has no vector.
package weaviate

package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/wire"
)

// passageOverfetch multiplies the passages fetched from a chunked collection, since
// several passages of one document collapse into one hit (as in the local engine).
const passageOverfetch = 4

// fieldProps are the properties a hit carries.
var fieldProps = []string{"iid", "kind", "parent", "title", "text", "meta", "pidx", "pstart", "pend"}

func allProps() *pb.PropertiesRequest { return &pb.PropertiesRequest{NonRefProperties: fieldProps} }

// iidProp asks for the document id alone (unchunked collections, no fields wanted).
var iidProp = []string{"iid"}

func idProps() *pb.PropertiesRequest {
	return &pb.PropertiesRequest{NonRefProperties: []string{"iid", "kind", "parent", "pidx", "pstart", "pend"}}
}

// Search runs a dense (near-vector) or lexical (BM25 over title and text) query. When
// the collection is not replicated and a node holding one of its shards is down, the
// answer is an error, or Partial with the missing shards named when q.AllowPartial.
func (b *Backend) Search(ctx context.Context, name string, q backend.Query) (backend.Result, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return backend.Result{}, err
	}
	var f *pb.Filters
	if q.Filter != nil {
		var k folded
		f, k, err = translate(q.Filter, func(p string) bool { return b.known(ctx, c, p) })
		if err != nil {
			return backend.Result{}, err
		}
		if k == alwaysFalse {
			return b.checked(ctx, c, q, backend.Result{Hits: []backend.Hit{}})
		}
	}
	chunked := c.spec.Chunking != nil
	dense := q.Vector != nil
	withFields := q.WithFields && !chunked
	cl := c.consistency
	// Ask only for what the hits carry: the distance (dense) or the BM25 score, the
	// vector when wanted, and the properties that give the document id (and passage).
	req := &pb.SearchRequest{Collection: c.name, ConsistencyLevel: &cl,
		Metadata:    &pb.MetadataRequest{Distance: dense, Score: !dense, Vector: q.WithVector && !chunked},
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true}
	switch {
	case withFields:
		req.Properties = allProps()
	case chunked:
		req.Properties = idProps()
	default:
		// Every object of an unchunked collection is a document. (A fresh message: proto
		// messages are not shared between concurrent calls.)
		req.Properties = &pb.PropertiesRequest{NonRefProperties: iidProp}
	}
	fetch := q.K
	if dense {
		req.NearVector = &pb.NearVector{VectorBytes: vectorBytes(q.Vector)}
		if chunked {
			fetch = q.K * passageOverfetch
		}
		req.Filters = f
	} else {
		req.Bm25Search = &pb.BM25{Query: q.Text, Properties: []string{"title", "text"}}
		req.Filters = and(f, textEq("kind", "d"))
	}
	var hits []backend.Hit
	var seen map[string]bool // passages of one document collapse into one hit
	for {
		req.Limit = uint32(fetch)
		res, err := b.search(ctx, req)
		if err != nil {
			return backend.Result{}, b.explain(ctx, c, err)
		}
		results := res.GetResults()
		if hits == nil {
			hits = make([]backend.Hit, 0, min(len(results), q.K))
		}
		hits = hits[:0]
		if chunked {
			seen = make(map[string]bool, len(results))
		}
		for _, r := range results {
			h, err := hitFrom(r, withFields, req.Metadata.Vector)
			if err != nil {
				return backend.Result{}, err
			}
			h.Score = score(c.spec.Metric, r.GetMetadata(), dense)
			if seen != nil {
				if seen[h.ID] {
					continue
				}
				seen[h.ID] = true
			}
			hits = append(hits, h)
			if len(hits) == q.K {
				break
			}
		}
		if !chunked || !dense || len(hits) == q.K || len(results) < fetch || fetch >= 10_000 {
			break
		}
		fetch = min(fetch*passageOverfetch, 10_000)
	}
	if chunked && (q.WithFields || q.WithVector) && len(hits) > 0 {
		if err := b.fillParents(ctx, c, hits, q.WithVector); err != nil {
			return backend.Result{}, err
		}
	}
	return b.checked(ctx, c, q, backend.Result{Hits: hits})
}

// fillParents reads the parent documents of passage hits (fields for the response).
func (b *Backend) fillParents(ctx context.Context, c *class, hits []backend.Hit, withVector bool) error {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	docs, err := b.fetch(ctx, c, and(textIn("iid", ids), textEq("kind", "d")), len(ids), withVector)
	if err != nil {
		return err
	}
	byID := make(map[string]backend.Record, len(docs))
	for _, d := range docs {
		byID[d.ID] = d.Record
	}
	for i := range hits {
		d, ok := byID[hits[i].ID]
		if !ok {
			continue
		}
		ps := hits[i].Passages
		hits[i].Record = d
		hits[i].Passages = ps
	}
	return nil
}

// search sends one gRPC search; transport failures are backend.ErrUnavailable.
func (b *Backend) search(ctx context.Context, req *pb.SearchRequest) (*pb.SearchReply, error) {
	rctx, cancel := b.rpcCtx(ctx)
	defer cancel()
	res, err := b.rpc.Search(rctx, req)
	if err != nil {
		return nil, fmt.Errorf("weaviate: search %s: %v: %w", req.Collection, err, backend.ErrUnavailable)
	}
	return res, nil
}

// score converts Weaviate's distance to the local engine's score: cosine similarity
// (1 − cosine distance), dot product (Weaviate's dot distance is its negative) or
// negative squared L2; BM25 scores pass through.
func score(m wire.Metric, md *pb.MetadataResult, dense bool) float32 {
	if !dense {
		return md.GetScore()
	}
	d := md.GetDistance()
	switch m {
	case wire.Dot, wire.L2:
		return -d
	}
	return 1 - d
}

// hitFrom decodes one result. A passage object yields its parent's id with Passage set.
func hitFrom(r *pb.SearchResult, withFields, withVector bool) (backend.Hit, error) {
	fields := r.GetProperties().GetNonRefProps().GetFields()
	text := func(k string) string { return fields[k].GetTextValue() }
	num := func(k string) int {
		v := fields[k]
		if iv, ok := v.GetKind().(*pb.Value_IntValue); ok {
			return int(iv.IntValue)
		}
		return int(v.GetNumberValue())
	}
	h := backend.Hit{Passage: -1}
	if text("kind") == "p" {
		h.ID = text("parent")
		h.Passage = num("pidx")
		h.Passages = make([]backend.Passage, h.Passage+1)
		h.Passages[h.Passage] = backend.Passage{Start: num("pstart"), End: num("pend")}
	} else {
		h.ID = text("iid")
	}
	if withFields {
		h.Title, h.Text = text("title"), text("text")
		if m := text("meta"); m != "" {
			if err := json.Unmarshal([]byte(m), &h.Metadata); err != nil {
				return h, fmt.Errorf("weaviate: document %q: decode metadata: %w", h.ID, err)
			}
		}
	}
	if withVector {
		md := r.GetMetadata()
		switch {
		case len(md.GetVectorBytes()) > 0:
			h.Vector = bytesVector(md.GetVectorBytes())
		case len(md.GetVector()) > 0:
			h.Vector = md.GetVector()
		case len(md.GetVectors()) > 0:
			h.Vector = bytesVector(md.GetVectors()[0].GetVectorBytes())
		}
	}
	return h, nil
}

// checked verifies, for a collection with one replica per shard on a multi-node
// cluster, that every shard's node is healthy: Weaviate itself answers such a search
// from the shards it reaches and says nothing about the others. The check runs after the
// search (a node lost during it is caught).
func (b *Backend) checked(ctx context.Context, c *class, q backend.Query, res backend.Result) (backend.Result, error) {
	if max(c.spec.Replicas, 1) > 1 {
		return res, nil // Weaviate fails a read whose consistency level no replica set meets
	}
	if n, err := b.clusterSize(ctx); err != nil {
		return backend.Result{}, err
	} else if n <= 1 {
		return res, nil // one node: if it is down, the search itself failed
	}
	missing, err := b.missingShards(ctx, c)
	if err != nil {
		return backend.Result{}, err
	}
	if len(missing) == 0 {
		return res, nil
	}
	if !q.AllowPartial {
		return backend.Result{}, fmt.Errorf("weaviate: collection %s: shards %s are unreachable (set allow_partial to accept partial results): %w",
			c.name, strings.Join(missing, ", "), backend.ErrUnavailable)
	}
	res.Partial, res.Missing = true, missing
	return res, nil
}

// clusterSizeTTL is how long the cluster's node count is trusted.
const clusterSizeTTL = 5 * time.Second

// clusterSize is the largest number of nodes the cluster has reported (it never
// shrinks: a node that dropped out still holds shards), refreshed every clusterSizeTTL.
func (b *Backend) clusterSize(ctx context.Context) (int, error) {
	b.mu.Lock()
	n, at := b.nodes, b.nodesAt
	b.mu.Unlock()
	if n > 1 || time.Since(at) < clusterSizeTTL {
		return n, nil
	}
	st, err := b.rest.Cluster().NodesStatusGetter().Do(ctx)
	if err != nil {
		return 0, clientErr("cluster status", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes, b.nodesAt = max(b.nodes, len(st.Nodes)), time.Now()
	return b.nodes, nil
}

// explain names the unreachable shards of a failed search when that is the cause.
func (b *Backend) explain(ctx context.Context, c *class, err error) error {
	if max(c.spec.Replicas, 1) > 1 {
		return err
	}
	missing, merr := b.missingShards(ctx, c)
	if merr != nil {
		return fmt.Errorf("%w (and %v)", err, merr)
	}
	if len(missing) == 0 {
		return err
	}
	return fmt.Errorf("weaviate: collection %s: shards %s are unreachable: %w", c.name, strings.Join(missing, ", "), backend.ErrUnavailable)
}

// missingShards lists the class's shards that no healthy node reports. While the
// cluster has not yet noticed a dead node, the status call itself fails: that is an
// error too, since completeness cannot be shown.
func (b *Backend) missingShards(ctx context.Context, c *class) ([]string, error) {
	// Not filtered by class: a node without a shard of it makes a filtered call fail.
	nodes, err := b.rest.Cluster().NodesStatusGetter().WithOutput("verbose").Do(ctx)
	if err != nil {
		return nil, clientErr("cluster status (a node may be down)", err)
	}
	healthy := map[string]bool{}
	for _, n := range nodes.Nodes {
		if n.Status == nil || *n.Status != "HEALTHY" {
			continue
		}
		for _, s := range n.Shards {
			if s.Class == c.name {
				healthy[s.Name] = true
			}
		}
	}
	want := max(c.spec.Shards, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(healthy) >= want {
		if c.shards == nil {
			for s := range healthy {
				c.shards = append(c.shards, s)
			}
			sort.Strings(c.shards)
		}
		return nil, nil
	}
	var missing []string
	for _, s := range c.shards {
		if !healthy[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 { // names not learnt while every shard was up
		missing = []string{fmt.Sprintf("%d of %d shards", want-len(healthy), want)}
	}
	return missing, nil
}

package weaviate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/instructd/instructd/server/backend"
)

// Put writes records in one gRPC batch at the collection's consistency level: each
// document object and, for chunked documents, its passages (older passages of those
// ids are deleted first). errs[i] is records[i]'s error as Weaviate reported it.
func (b *Backend) Put(ctx context.Context, name string, records []backend.Record) ([]error, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return nil, err
	}
	flat := make([]flatValues, len(records))
	var names [][2]string
	seen := map[string]bool{}
	var chunked []string
	for i := range records {
		flat[i] = flatten(records[i].Metadata)
		for _, n := range flat[i].names() {
			if !seen[n[0]] {
				seen[n[0]] = true
				names = append(names, n)
			}
		}
		if len(records[i].Passages) > 0 || c.spec.Chunking != nil {
			chunked = append(chunked, records[i].ID)
		}
	}
	if err := b.ensureProps(ctx, c, names); err != nil {
		return nil, err
	}
	if len(chunked) > 0 {
		if err := b.deletePassages(ctx, c, chunked); err != nil {
			return nil, err
		}
	}
	var (
		objs  []*pb.BatchObject
		owner []int
	)
	for i := range records {
		r := &records[i]
		meta := ""
		if len(r.Metadata) > 0 {
			raw, err := json.Marshal(r.Metadata)
			if err != nil {
				return nil, fmt.Errorf("weaviate: document %q: encode metadata: %w", r.ID, err)
			}
			meta = string(raw)
		}
		props := flat[i].batchProps()
		props.NonRefProperties = mustStruct(map[string]any{"iid": r.ID, "ikey": listKey(r.ID), "kind": "d", "title": r.Title, "text": r.Text, "meta": meta})
		o := &pb.BatchObject{Uuid: b.docUUID(name, r.ID), Collection: c.name, Properties: props}
		if len(r.Passages) == 0 {
			o.VectorBytes = vectorBytes(r.Vector)
		}
		objs, owner = append(objs, o), append(owner, i)
		for j, p := range r.Passages {
			pp := flat[i].batchProps()
			pp.NonRefProperties = mustStruct(map[string]any{"iid": fmt.Sprintf("%s#%d", r.ID, j), "kind": "p", "parent": r.ID,
				"pidx": float64(j), "pstart": float64(p.Start), "pend": float64(p.End)})
			objs = append(objs, &pb.BatchObject{Uuid: b.passageUUID(name, r.ID, j), Collection: c.name, Properties: pp,
				VectorBytes: vectorBytes(p.Vector)})
			owner = append(owner, i)
		}
	}
	errs := make([]error, len(records))
	for try := 0; ; try++ {
		failed, err := b.batch(ctx, c, objs)
		if err != nil {
			return nil, err
		}
		// A collection or property created just now may not have reached every node yet
		// ("could not find index", "no bucket for prop"): those objects are sent again, a
		// few times, before they count as failed.
		var again []*pb.BatchObject
		var againOwner []int
		for i, msg := range failed {
			if try < 5 && transientSchema(msg) {
				again, againOwner = append(again, objs[i]), append(againOwner, owner[i])
				continue
			}
			if errs[owner[i]] == nil {
				errs[owner[i]] = objectError(msg)
			}
		}
		if len(again) == 0 {
			return errs, nil
		}
		objs, owner = again, againOwner
		b.reloadProps(ctx, c)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(try+1) * 100 * time.Millisecond):
		}
	}
}

// batch sends objects at the class's consistency level; it returns the error message of
// every object Weaviate rejected, by index.
func (b *Backend) batch(ctx context.Context, c *class, objs []*pb.BatchObject) (map[int]string, error) {
	cl := c.consistency
	rctx, cancel := b.rpcCtx(ctx)
	defer cancel()
	reply, err := b.rpc.BatchObjects(rctx, &pb.BatchObjectsRequest{Objects: objs, ConsistencyLevel: &cl})
	if err != nil {
		return nil, fmt.Errorf("weaviate: batch of %d objects into %s: %v: %w", len(objs), c.name, err, backend.ErrUnavailable)
	}
	failed := map[int]string{}
	for _, e := range reply.GetErrors() {
		i := int(e.GetIndex())
		if i < 0 || i >= len(objs) {
			return nil, fmt.Errorf("weaviate: batch error for object %d of %d: %s", i, len(objs), e.GetError())
		}
		failed[i] = e.GetError()
	}
	return failed, nil
}

// batchProps converts flattened metadata into typed array properties.
func (fv flatValues) batchProps() *pb.BatchObject_Properties {
	p := &pb.BatchObject_Properties{}
	for n, v := range fv.text {
		p.TextArrayProperties = append(p.TextArrayProperties, &pb.TextArrayProperties{PropName: n, Values: v})
	}
	for n, v := range fv.num {
		p.NumberArrayProperties = append(p.NumberArrayProperties, &pb.NumberArrayProperties{PropName: n, ValuesBytes: float64Bytes(v)})
	}
	for n, v := range fv.bool {
		p.BooleanArrayProperties = append(p.BooleanArrayProperties, &pb.BooleanArrayProperties{PropName: n, Values: v})
	}
	return p
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err) // only strings and float64 reach here
	}
	return s
}

// vectorBytes encodes a vector as little-endian float32s (gRPC's vector_bytes).
func vectorBytes(v []float32) []byte {
	if v == nil {
		return nil
	}
	out := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out
}

func float64Bytes(v []float64) []byte {
	out := make([]byte, 8*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(f))
	}
	return out
}

func bytesVector(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// Get reads one document by its object id over REST at the collection's consistency
// level: unlike a search, such a read compares the replicas it asks and repairs one
// that lacks an acknowledged object (a replica that missed a write while another was
// killed would otherwise answer 404 for it).
func (b *Backend) Get(ctx context.Context, name, id string, withVector bool) (backend.Record, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return backend.Record{}, err
	}
	g := b.rest.Data().ObjectsGetter().WithClassName(c.name).WithID(b.docUUID(name, id)).WithConsistencyLevel(c.restCL)
	if withVector {
		g = g.WithVector()
	}
	objs, err := g.Do(ctx)
	if statusCode(err) == 404 || err == nil && len(objs) == 0 {
		return backend.Record{}, fmt.Errorf("weaviate: document %q: %w", id, backend.ErrNotFound)
	}
	if err != nil {
		return backend.Record{}, clientErr("get document", err)
	}
	props, _ := objs[0].Properties.(map[string]any)
	str := func(k string) string { v, _ := props[k].(string); return v }
	if str("kind") != "d" || str("iid") != id {
		return backend.Record{}, fmt.Errorf("weaviate: document %q: %w", id, backend.ErrNotFound)
	}
	r := backend.Record{ID: id, Title: str("title"), Text: str("text")}
	if m := str("meta"); m != "" {
		if err := json.Unmarshal([]byte(m), &r.Metadata); err != nil {
			return backend.Record{}, fmt.Errorf("weaviate: document %q: decode metadata: %w", id, err)
		}
	}
	if withVector && len(objs[0].Vector) > 0 {
		r.Vector = []float32(objs[0].Vector)
	}
	return r, nil
}

// fetch returns up to n objects matching f with their fields.
func (b *Backend) fetch(ctx context.Context, c *class, f *pb.Filters, n int, withVector bool) ([]backend.Hit, error) {
	cl := c.consistency
	req := &pb.SearchRequest{Collection: c.name, Limit: uint32(n), Filters: f, ConsistencyLevel: &cl,
		Metadata: &pb.MetadataRequest{Uuid: true, Vector: withVector}, Properties: allProps(),
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true}
	res, err := b.search(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]backend.Hit, 0, len(res.GetResults()))
	for _, r := range res.GetResults() {
		h, err := hitFrom(r, true, withVector)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Delete removes a document and its passages; ErrNotFound when absent.
func (b *Backend) Delete(ctx context.Context, name, id string) error {
	c, err := b.class(ctx, name)
	if err != nil {
		return err
	}
	if _, err := b.Get(ctx, name, id, false); err != nil {
		return err
	}
	if err := b.rest.Data().Deleter().WithClassName(c.name).WithID(b.docUUID(name, id)).
		WithConsistencyLevel(c.restCL).Do(ctx); err != nil && statusCode(err) != 404 {
		return clientErr("delete document", err)
	}
	return b.deletePassages(ctx, c, []string{id})
}

// Count aggregates the documents (kind "d") of a collection.
func (b *Backend) Count(ctx context.Context, name string) (int, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return 0, err
	}
	where := filters.Where().WithPath([]string{"kind"}).WithOperator(filters.Equal).WithValueText("d")
	return b.aggCount(ctx, c, where)
}

// objectError classifies a rejected object: replication and connection failures (the
// consistency level not reached) are backend.ErrUnavailable, the rest are the object's
// own fault.
func objectError(msg string) error {
	low := strings.ToLower(msg)
	for _, k := range []string{"consistency", "replica", "connect", "unavailable", "broadcast", "timeout", "deadline"} {
		if strings.Contains(low, k) {
			return fmt.Errorf("weaviate could not store the object: %s: %w", msg, backend.ErrUnavailable)
		}
	}
	return fmt.Errorf("weaviate rejected the object: %s", msg)
}

// transientSchema reports a rejection caused by a schema change still propagating.
func transientSchema(msg string) bool {
	return strings.Contains(msg, "no bucket for prop") || strings.Contains(msg, "could not find index") ||
		strings.Contains(msg, "index not found")
}

package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/weaviate/weaviate/entities/models"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/wire"
)

// descPrefix starts a class description holding our collection info (JSON).
const descPrefix = "instructd:"

// schemaRefresh bounds how often a search reloads a class's properties to learn about
// metadata fields written by another instructd process.
const schemaRefresh = time.Second

// baseProps are every collection's properties.
func baseProps() []*models.Property {
	f, t := false, true
	field := func(name, dt string) *models.Property {
		return &models.Property{Name: name, DataType: []string{dt}, Tokenization: "field",
			IndexFilterable: &t, IndexSearchable: &f}
	}
	num := func(name string) *models.Property {
		return &models.Property{Name: name, DataType: []string{"int"}, IndexFilterable: &f, IndexSearchable: &f}
	}
	return []*models.Property{
		field("iid", "text"), field("ikey", "text"), field("kind", "text"), field("parent", "text"),
		{Name: "title", DataType: []string{"text"}, Tokenization: "word", IndexFilterable: &f, IndexSearchable: &t},
		{Name: "text", DataType: []string{"text"}, Tokenization: "word", IndexFilterable: &f, IndexSearchable: &t},
		{Name: "meta", DataType: []string{"text"}, IndexFilterable: &f, IndexSearchable: &f},
		num("pidx"), num("pstart"), num("pend"),
	}
}

// replicationConfig is the class's replication: the factor, and for replicated
// collections asynchronous replication (replicas that missed writes — a node killed
// mid-batch — converge in the background, so searches, which read one replica's index,
// find every acknowledged document again) with time-based resolution of delete
// conflicts (a delete a returning node missed is not undone by its stale copy).
func replicationConfig(replicas int) *models.ReplicationConfig {
	rc := &models.ReplicationConfig{Factor: int64(max(replicas, 1))}
	if replicas > 1 {
		rc.AsyncEnabled = true
		rc.DeletionStrategy = models.ReplicationConfigDeletionStrategyTimeBasedResolution
	}
	return rc
}

// distance maps our metric to Weaviate's.
func distance(m wire.Metric) string {
	switch m {
	case wire.Dot:
		return "dot"
	case wire.L2:
		return "l2-squared"
	}
	return "cosine"
}

// consistency maps "ONE", "QUORUM", "ALL" (default QUORUM) to gRPC and REST forms.
func consistency(s string) (pb.ConsistencyLevel, string) {
	switch strings.ToUpper(s) {
	case "ONE":
		return pb.ConsistencyLevel_CONSISTENCY_LEVEL_ONE, "ONE"
	case "ALL":
		return pb.ConsistencyLevel_CONSISTENCY_LEVEL_ALL, "ALL"
	}
	return pb.ConsistencyLevel_CONSISTENCY_LEVEL_QUORUM, "QUORUM"
}

// defaultTargetRecall is the local engine's default index.target_recall.
const defaultTargetRecall = 0.98

// efSteps is recall@10 against ef (k=10, Weaviate's default maxConnections 32 and
// efConstruction 128) measured by scripts/bench/cluster --sweep-ef on 20,000 random unit
// 128-d vectors, a hard case for a graph index: real embeddings reach more at each ef.
var efSteps = []struct {
	recall float64
	ef     int
}{{0.84, 100}, {0.92, 150}, {0.955, 200}, {0.985, 300}, {0.99, 400}, {0.997, 500}}

// efForRecall is the smallest measured ef whose recall reaches target (default 0.98);
// Weaviate cannot calibrate per collection as the local engine does, nor take a
// per-query ef over gRPC, so the collection's dynamic ef floor comes from this table.
func efForRecall(target float64) int {
	if target <= 0 {
		target = defaultTargetRecall
	}
	for _, s := range efSteps {
		if s.recall >= target {
			return s.ef
		}
	}
	return 512
}

// CreateCollection creates the Weaviate collection with the spec's replication factor,
// shard count and HNSW parameters (m → maxConnections, ef_construction →
// efConstruction, ef_search → a fixed ef; without ef_search, a dynamic ef whose floor
// follows index.target_recall, see efForRecall); info is kept in its description.
func (b *Backend) CreateCollection(ctx context.Context, name string, spec wire.CollectionSpec, info []byte) error {
	cls := b.className(name)
	vic := map[string]any{"distance": distance(spec.Metric)}
	if spec.Index.M > 0 {
		vic["maxConnections"] = spec.Index.M
	}
	if spec.Index.EfConstruction > 0 {
		vic["efConstruction"] = spec.Index.EfConstruction
	}
	if spec.Index.EfSearch > 0 {
		vic["ef"] = spec.Index.EfSearch
	} else {
		// Weaviate's dynamic ef: clamp(k × dynamicEfFactor, dynamicEfMin, dynamicEfMax).
		lo := efForRecall(spec.Index.TargetRecall)
		vic["ef"], vic["dynamicEfMin"], vic["dynamicEfMax"] = -1, lo, max(lo, 500)
	}
	c := &models.Class{
		Class:             cls,
		Description:       descPrefix + string(info),
		Vectorizer:        "none",
		VectorIndexType:   "hnsw",
		VectorIndexConfig: vic,
		Properties:        baseProps(),
		ReplicationConfig: replicationConfig(spec.Replicas),
		ShardingConfig:    map[string]any{"desiredCount": max(spec.Shards, 1)},
	}
	exists, err := b.rest.Schema().ClassExistenceChecker().WithClassName(cls).Do(ctx)
	if err != nil {
		return clientErr("check collection "+cls, err)
	}
	if exists {
		return fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrExists)
	}
	if err := b.rest.Schema().ClassCreator().WithClass(c).Do(ctx); err != nil {
		if sc := statusCode(err); sc == 422 && strings.Contains(strings.ToLower(err.Error()), "already exists") {
			return fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrExists)
		}
		return clientErr("create collection "+cls, err)
	}
	b.mu.Lock()
	delete(b.classes, name)
	b.mu.Unlock()
	return nil
}

// Collections lists our collections with their stored info.
func (b *Backend) Collections(ctx context.Context) (map[string][]byte, error) {
	s, err := b.rest.Schema().Getter().Do(ctx)
	if err != nil {
		return nil, clientErr("get schema", err)
	}
	out := map[string][]byte{}
	for _, c := range s.Classes {
		name, ok := b.collectionName(c.Class)
		if !ok || !strings.HasPrefix(c.Description, descPrefix) {
			continue
		}
		out[name] = []byte(strings.TrimPrefix(c.Description, descPrefix))
	}
	return out, nil
}

// DeleteCollection drops the Weaviate collection.
func (b *Backend) DeleteCollection(ctx context.Context, name string) error {
	cls := b.className(name)
	b.mu.Lock()
	delete(b.classes, name)
	b.mu.Unlock()
	if err := b.rest.Schema().ClassDeleter().WithClassName(cls).Do(ctx); err != nil {
		if statusCode(err) == 404 {
			return fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrNotFound)
		}
		return clientErr("delete collection "+cls, err)
	}
	return nil
}

// class returns the cached description of a collection, loading it on first use.
func (b *Backend) class(ctx context.Context, name string) (*class, error) {
	b.mu.Lock()
	c := b.classes[name]
	b.mu.Unlock()
	if c != nil {
		return c, nil
	}
	cls := b.className(name)
	wc, err := b.rest.Schema().ClassGetter().WithClassName(cls).Do(ctx)
	if err != nil {
		if statusCode(err) == 404 {
			return nil, fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrNotFound)
		}
		return nil, clientErr("get collection "+cls, err)
	}
	var info struct {
		Spec wire.CollectionSpec `json:"spec"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(wc.Description, descPrefix)), &info); err != nil {
		return nil, fmt.Errorf("weaviate: collection %s: description is not instructd's: %w", cls, err)
	}
	c = &class{name: cls, spec: info.Spec, props: map[string]bool{}, refreshed: time.Now()}
	c.consistency, c.restCL = consistency(info.Spec.Consistency)
	for _, p := range wc.Properties {
		c.props[p.Name] = true
	}
	b.mu.Lock()
	if old := b.classes[name]; old != nil {
		c = old
	} else {
		b.classes[name] = c
	}
	b.mu.Unlock()
	return c, nil
}

// known reports whether the class has property p, reloading the schema at most once
// per schemaRefresh when it does not (another process may have added it).
func (b *Backend) known(ctx context.Context, c *class, p string) bool {
	c.mu.Lock()
	ok := c.props[p]
	stale := !ok && time.Since(c.refreshed) > schemaRefresh
	c.mu.Unlock()
	if ok || !stale {
		return ok
	}
	b.reloadProps(ctx, c)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.props[p]
}

// reloadProps refreshes the class's property set from Weaviate.
func (b *Backend) reloadProps(ctx context.Context, c *class) {
	wc, err := b.rest.Schema().ClassGetter().WithClassName(c.name).Do(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshed = time.Now()
	if err != nil {
		return
	}
	for _, p := range wc.Properties {
		c.props[p.Name] = true
	}
}

// ensureProps adds the filterable metadata properties in names ([name, type letter])
// that the class lacks. Another process adding the same property at once is fine.
func (b *Backend) ensureProps(ctx context.Context, c *class, names [][2]string) error {
	var missing [][2]string
	c.mu.Lock()
	for _, n := range names {
		if !c.props[n[0]] {
			missing = append(missing, n)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	b.reloadProps(ctx, c)
	t, f := true, false
	for _, n := range missing {
		c.mu.Lock()
		have := c.props[n[0]]
		c.mu.Unlock()
		if have {
			continue
		}
		p := &models.Property{Name: n[0], DataType: []string{propDataType(n[1][0])}, IndexFilterable: &t, IndexSearchable: &f,
			IndexRangeFilters: &f}
		if n[1][0] == typeText {
			p.Tokenization = "field"
		}
		err := b.rest.Schema().PropertyCreator().WithClassName(c.name).WithProperty(p).Do(ctx)
		if err != nil && !strings.Contains(strings.ToLower(err.Error()), "already exist") {
			return clientErr("add property "+n[0], err)
		}
		c.mu.Lock()
		c.props[n[0]] = true
		c.mu.Unlock()
	}
	return nil
}

package weaviate

import (
	"context"
	"fmt"
	"sort"

	"github.com/weaviate/weaviate-go-client/v5/weaviate/filters"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/graphql"

	"github.com/instructd/instructd/server/backend"
)

// Stats counts the collection's documents and objects (aggregations at Weaviate's
// default consistency) and lists its shards from the verbose node status: each shard
// on each node with its vector-indexing status (READY, INDEXING, READONLY) and object
// count as that node reports them; a node that is not HEALTHY is listed once with its
// own status (UNHEALTHY, UNAVAILABLE, TIMEOUT) and no shard name.
func (b *Backend) Stats(ctx context.Context, name string) (backend.Stats, error) {
	c, err := b.class(ctx, name)
	if err != nil {
		return backend.Stats{}, err
	}
	var st backend.Stats
	kind := filters.Where().WithPath([]string{"kind"}).WithOperator(filters.Equal).WithValueText("d")
	if st.Documents, err = b.aggCount(ctx, c, kind); err != nil {
		return backend.Stats{}, err
	}
	if st.Objects, err = b.aggCount(ctx, c, nil); err != nil {
		return backend.Stats{}, err
	}
	// Not filtered by class: a node without a shard of it makes a filtered call fail.
	nodes, err := b.rest.Cluster().NodesStatusGetter().WithOutput("verbose").Do(ctx)
	if err != nil {
		return backend.Stats{}, clientErr("cluster status", err)
	}
	for _, n := range nodes.Nodes {
		status := "UNKNOWN"
		if n.Status != nil {
			status = *n.Status
		}
		if status != "HEALTHY" {
			st.Shards = append(st.Shards, backend.ShardStats{Node: n.Name, Status: status})
			continue
		}
		for _, s := range n.Shards {
			if s.Class == c.name {
				st.Shards = append(st.Shards, backend.ShardStats{Name: s.Name, Node: n.Name, Status: s.VectorIndexingStatus, Objects: int(s.ObjectCount)})
			}
		}
	}
	sort.Slice(st.Shards, func(i, j int) bool {
		a, b := st.Shards[i], st.Shards[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Node < b.Node
	})
	return st, nil
}

// aggCount counts the class's objects matching where (nil: all of them).
func (b *Backend) aggCount(ctx context.Context, c *class, where *filters.WhereBuilder) (int, error) {
	q := b.rest.GraphQL().Aggregate().WithClassName(c.name).
		WithFields(graphql.Field{Name: "meta", Fields: []graphql.Field{{Name: "count"}}})
	if where != nil {
		q = q.WithWhere(where)
	}
	res, err := q.Do(ctx)
	if err != nil {
		return 0, clientErr("count", err)
	}
	if len(res.Errors) > 0 {
		return 0, fmt.Errorf("weaviate: count %s: %s: %w", c.name, res.Errors[0].Message, backend.ErrUnavailable)
	}
	agg, _ := res.Data["Aggregate"].(map[string]any)
	list, _ := agg[c.name].([]any)
	if len(list) == 0 {
		return 0, nil
	}
	m, _ := list[0].(map[string]any)
	meta, _ := m["meta"].(map[string]any)
	n, _ := meta["count"].(float64)
	return int(n), nil
}

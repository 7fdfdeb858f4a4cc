package weaviate

import (
	"context"
	"fmt"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/wire"
)

// UpdateCollection rewrites the class's description (the info JSON) and its HNSW ef
// (mutable in Weaviate's vectorIndexConfig; -1, Weaviate's dynamic ef, when the spec
// sets none) with one class update, and drops the cached class so the next call reads
// the new spec.
func (b *Backend) UpdateCollection(ctx context.Context, name string, spec wire.CollectionSpec, info []byte) error {
	cls := b.className(name)
	defer func() {
		b.mu.Lock()
		delete(b.classes, name)
		b.mu.Unlock()
	}()
	wc, err := b.rest.Schema().ClassGetter().WithClassName(cls).Do(ctx)
	if err != nil {
		if statusCode(err) == 404 {
			return fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrNotFound)
		}
		return clientErr("get collection "+cls, err)
	}
	vic, ok := wc.VectorIndexConfig.(map[string]any)
	if !ok {
		return fmt.Errorf("weaviate: collection %s: vectorIndexConfig is %T, not an object", cls, wc.VectorIndexConfig)
	}
	ef := -1
	if spec.Index.EfSearch > 0 {
		ef = spec.Index.EfSearch
	}
	vic["ef"] = ef
	wc.VectorIndexConfig = vic
	wc.Description = descPrefix + string(info)
	if err := b.rest.Schema().ClassUpdater().WithClass(wc).Do(ctx); err != nil {
		if statusCode(err) == 404 {
			return fmt.Errorf("weaviate: collection %s: %w", cls, backend.ErrNotFound)
		}
		return clientErr("update collection "+cls, err)
	}
	return nil
}

package weaviate

import (
	"context"
	"errors"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/wire"
)

// errTodo marks the document operations being built this round.
var errTodo = errors.New("weaviate: not implemented yet")

// GetMany implements backend.Backend.
func (b *Backend) GetMany(ctx context.Context, name string, ids []string, withVector bool) ([]*backend.Record, error) {
	return nil, errTodo
}

// List implements backend.Backend.
func (b *Backend) List(ctx context.Context, name, after string, limit int, filter *backend.Filter, withVector bool) ([]backend.Record, string, error) {
	return nil, "", errTodo
}

// DeleteMany implements backend.Backend.
func (b *Backend) DeleteMany(ctx context.Context, name string, ids []string) (int, error) {
	return 0, errTodo
}

// DeleteWhere implements backend.Backend.
func (b *Backend) DeleteWhere(ctx context.Context, name string, filter *backend.Filter) (int, error) {
	return 0, errTodo
}

// UpdateCollection implements backend.Backend.
func (b *Backend) UpdateCollection(ctx context.Context, name string, spec wire.CollectionSpec, info []byte) error {
	return errTodo
}

// Stats implements backend.Backend.
func (b *Backend) Stats(ctx context.Context, name string) (backend.Stats, error) {
	return backend.Stats{}, errTodo
}

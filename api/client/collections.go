package client

import (
	"context"
	"net/http"

	"github.com/instructd/instructd/wire"
)

// CreateCollection calls PUT /v1/collections/{name}. created is false when an identical
// collection already existed; a different one is an *Error with status 409.
func (c *Client) CreateCollection(ctx context.Context, name string, spec wire.CollectionSpec) (info wire.CollectionInfo, created bool, err error) {
	status, err := c.do(ctx, http.MethodPut, collectionPath(name), spec, &info)
	return info, status == http.StatusCreated, err
}

// GetCollection calls GET /v1/collections/{name}.
func (c *Client) GetCollection(ctx context.Context, name string) (wire.CollectionInfo, error) {
	var info wire.CollectionInfo
	_, err := c.do(ctx, http.MethodGet, collectionPath(name), nil, &info)
	return info, err
}

// ListCollections calls GET /v1/collections.
func (c *Client) ListCollections(ctx context.Context) ([]wire.CollectionInfo, error) {
	var out struct {
		Collections []wire.CollectionInfo `json:"collections"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/collections", nil, &out)
	return out.Collections, err
}

// DeleteCollection calls DELETE /v1/collections/{name}.
func (c *Client) DeleteCollection(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, collectionPath(name), nil, nil)
	return err
}

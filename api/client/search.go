package client

import (
	"context"
	"net/http"

	"github.com/instructd/instructd/wire"
)

// Search calls POST /v1/collections/{name}/search with one query (K 0 → the server's default 10).
func (c *Client) Search(ctx context.Context, collection string, req wire.SearchRequest) (wire.SearchResponse, error) {
	var res wire.SearchResponse
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/search", req, &res)
	return res, err
}

// SearchBatch sends several queries in one request; results come back in order.
func (c *Client) SearchBatch(ctx context.Context, collection string, reqs []wire.SearchRequest) ([]wire.SearchResponse, error) {
	body := struct {
		Queries []wire.SearchRequest `json:"queries"`
	}{reqs}
	var out struct {
		Results []wire.SearchResponse `json:"results"`
	}
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/search", body, &out)
	return out.Results, err
}

package client

import (
	"context"
	"net/http"

	"github.com/instructd/instructd/server"
)

// Search calls POST /v1/collections/{name}/search with one query (K 0 → the server's default 10).
func (c *Client) Search(ctx context.Context, collection string, req server.SearchRequest) (server.SearchResponse, error) {
	var res server.SearchResponse
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/search", req, &res)
	return res, err
}

// SearchBatch sends several queries in one request; results come back in order.
func (c *Client) SearchBatch(ctx context.Context, collection string, reqs []server.SearchRequest) ([]server.SearchResponse, error) {
	body := struct {
		Queries []server.SearchRequest `json:"queries"`
	}{reqs}
	var out struct {
		Results []server.SearchResponse `json:"results"`
	}
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/search", body, &out)
	return out.Results, err
}

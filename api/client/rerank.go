package client

import (
	"context"
	"net/http"

	"github.com/instructd/instructd/wire"
)

// Rerank calls POST /v1/rerank: the documents scored against the query by a reranker
// pack (req.Model, "" for the server's first), results best first.
func (c *Client) Rerank(ctx context.Context, req wire.RerankRequest) (wire.RerankResponse, error) {
	var res wire.RerankResponse
	_, err := c.do(ctx, http.MethodPost, "/v1/rerank", req, &res)
	return res, err
}

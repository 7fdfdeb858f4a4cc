package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/instructd/instructd/wire"
)

// Ping checks GET /healthz: nil when the process is up.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, "/healthz", nil, nil)
	return err
}

// Ready reports GET /readyz: true once models are loaded and collections recovered.
// A 503 is (false, nil); other failures are errors.
func (c *Client) Ready(ctx context.Context) (bool, error) {
	_, err := c.do(ctx, http.MethodGet, "/readyz", nil, nil)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusServiceUnavailable {
		return false, nil
	}
	return err == nil, err
}

// Models lists the loaded model packs (GET /v1/models), default first.
func (c *Client) Models(ctx context.Context) ([]wire.ModelInfo, error) {
	var out struct {
		Data []wire.ModelInfo `json:"data"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/models", nil, &out)
	return out.Data, err
}

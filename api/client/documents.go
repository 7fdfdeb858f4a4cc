package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/instructd/instructd/wire"
)

// documentPath escapes id fully ('/' becomes %2F).
func documentPath(collection, id string) string {
	return collectionPath(collection) + "/documents/" + url.PathEscape(id)
}

// Upsert calls POST /v1/collections/{name}/documents with a JSON body: all documents
// are stored, or none (the error names the first bad one).
func (c *Client) Upsert(ctx context.Context, collection string, docs []wire.Document) (wire.UpsertResult, error) {
	var res wire.UpsertResult
	body := struct {
		Documents []wire.Document `json:"documents"`
	}{docs}
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/documents", body, &res)
	return res, err
}

// GetDocument calls GET /v1/collections/{name}/documents/{id}.
func (c *Client) GetDocument(ctx context.Context, collection, id string) (wire.Document, error) {
	var doc wire.Document
	_, err := c.do(ctx, http.MethodGet, documentPath(collection, id), nil, &doc)
	return doc, err
}

// DeleteDocument calls DELETE /v1/collections/{name}/documents/{id}.
func (c *Client) DeleteDocument(ctx context.Context, collection, id string) error {
	_, err := c.do(ctx, http.MethodDelete, documentPath(collection, id), nil, nil)
	return err
}

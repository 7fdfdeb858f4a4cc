package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/instructd/instructd/wire"
)

// ListOptions pages through documents (GET /v1/collections/{name}/documents).
type ListOptions struct {
	// Limit is the page size (0: the server's default of 100; at most 1000).
	Limit int
	// Cursor is the previous page's NextCursor ("" for the first page).
	Cursor string
	// Filter is a metadata filter as in search (nil: every document).
	Filter json.RawMessage
}

// ListDocuments fetches one page of documents in id order, without vectors.
func (c *Client) ListDocuments(ctx context.Context, collection string, opts ListOptions) (wire.DocumentPage, error) {
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	if len(opts.Filter) > 0 {
		q.Set("filter", string(opts.Filter))
	}
	path := collectionPath(collection) + "/documents"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page wire.DocumentPage
	_, err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// PatchDocument changes a document's title and/or metadata without re-embedding it.
func (c *Client) PatchDocument(ctx context.Context, collection, id string, patch wire.DocumentPatch) (wire.Document, error) {
	var doc wire.Document
	_, err := c.do(ctx, http.MethodPatch, documentPath(collection, id), patch, &doc)
	return doc, err
}

// DeleteDocuments deletes by ids or by filter (POST /v1/collections/{name}/delete).
func (c *Client) DeleteDocuments(ctx context.Context, collection string, req wire.DeleteDocumentsRequest) (int, error) {
	var res wire.DeleteDocumentsResult
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/delete", req, &res)
	return res.Deleted, err
}

// PatchCollection changes a collection's default ef_search.
func (c *Client) PatchCollection(ctx context.Context, collection string, patch wire.CollectionPatch) (wire.CollectionInfo, error) {
	var info wire.CollectionInfo
	_, err := c.do(ctx, http.MethodPatch, collectionPath(collection), patch, &info)
	return info, err
}

// Stats calls GET /v1/collections/{name}/stats.
func (c *Client) Stats(ctx context.Context, collection string) (wire.CollectionStats, error) {
	var st wire.CollectionStats
	_, err := c.do(ctx, http.MethodGet, collectionPath(collection)+"/stats", nil, &st)
	return st, err
}

// Compact starts a background rebuild of the collection's index without tombstones;
// it reports false when one was already running.
func (c *Client) Compact(ctx context.Context, collection string) (bool, error) {
	var res wire.CompactResult
	_, err := c.do(ctx, http.MethodPost, collectionPath(collection)+"/compact", nil, &res)
	return res.Started, err
}

// Backup streams a consistent copy of the collection (NDJSON) into w.
func (c *Client) Backup(ctx context.Context, collection string, w io.Writer) error {
	path := collectionPath(collection) + "/backup"
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readError(resp)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("client: GET %s: %w", path, err)
	}
	return nil
}

// Restore creates collection from a backup stream read from r; it must not exist.
func (c *Client) Restore(ctx context.Context, collection string, r io.Reader) (int, error) {
	path := collectionPath(collection) + "/restore"
	req, err := c.newRequest(ctx, http.MethodPost, path, nil)
	if err != nil {
		return 0, err
	}
	req.Body = io.NopCloser(r)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("client: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return 0, readError(resp)
	}
	var res wire.RestoreResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return 0, fmt.Errorf("client: decoding POST %s: %w", path, err)
	}
	return res.Restored, nil
}

// Package client is a Go client for instructd's HTTP API. It speaks the server's
// domain types (wire.Document, wire.SearchRequest, ...) and returns *Error for
// every non-2xx answer, carrying the status and the API's error code.
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithAPIKey(key))
//	_, _, err = c.CreateCollection(ctx, "docs", wire.CollectionSpec{})
//	res, err := c.IngestNDJSON(ctx, "docs", file, func(p client.Progress) { ... })
//	hits, err := c.Search(ctx, "docs", wire.SearchRequest{Query: "...", K: 5})
//
// A Client holds no goroutines; it is safe for concurrent use.
package client

package main

import (
	"context"
	"io"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// SearchResponse implements eval.ResponseSearcher: the constraint report needs the
// response's constraints field.
func (b *evalHTTPBackend) SearchResponse(ctx context.Context, name string, req server.SearchRequest) (server.SearchResponse, error) {
	var resp server.SearchResponse
	err := retryBusy(ctx, func() error {
		var err error
		resp, err = b.c.Search(ctx, name, req)
		return err
	})
	return resp, err
}

// evalConstraints is `instructd eval --constraints`: it loads the fixture, runs it
// and prints the table and, as the last line, the JSON summary.
func evalConstraints(ctx context.Context, backend eval.Backend, path string, cfg eval.Config, stdout io.Writer) error {
	set, err := eval.LoadConstraints(path)
	if err != nil {
		return err
	}
	rep, err := eval.RunConstraints(ctx, backend, set, cfg)
	if err != nil {
		return err
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	return rep.WriteSummary(stdout)
}

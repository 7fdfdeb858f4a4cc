package eval

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/instructd/instructd/server"
)

// fakeService is a Service whose first calls answer ErrOverloaded.
type fakeService struct {
	mu         sync.Mutex
	overloaded int // calls left that fail with ErrOverloaded
	created    []server.CollectionSpec
	upserts    [][]server.Document
}

func (f *fakeService) busy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.overloaded > 0 {
		f.overloaded--
		return true
	}
	return false
}

func (f *fakeService) CreateCollection(_ context.Context, name string, spec server.CollectionSpec) (server.CollectionInfo, bool, error) {
	switch name {
	case "other-spec":
		return server.CollectionInfo{}, false, server.ErrConflict
	case "bad":
		return server.CollectionInfo{}, false, server.ErrInvalidInput
	}
	f.created = append(f.created, spec)
	return server.CollectionInfo{Name: name}, true, nil
}

func (f *fakeService) Upsert(_ context.Context, _ string, docs []server.Document) (server.UpsertResult, error) {
	if f.busy() {
		return server.UpsertResult{}, server.ErrOverloaded
	}
	f.upserts = append(f.upserts, docs)
	return server.UpsertResult{Upserted: len(docs)}, nil
}

func (f *fakeService) Search(_ context.Context, coll string, req server.SearchRequest) (server.SearchResponse, error) {
	if f.busy() {
		return server.SearchResponse{}, server.ErrOverloaded
	}
	if req.Query == "" {
		return server.SearchResponse{}, server.ErrInvalidInput
	}
	return server.SearchResponse{Hits: []server.SearchHit{{ID: coll + ":" + req.Query, Score: 1}}}, nil
}

func TestServerBackend(t *testing.T) {
	ctx := context.Background()
	svc := &fakeService{overloaded: 2}
	b := NewServerBackend(svc, 2)
	if err := b.EnsureCollection(ctx, "c"); err != nil || len(svc.created) != 1 {
		t.Fatalf("EnsureCollection: %v", err)
	}
	if err := b.EnsureCollection(ctx, "bad"); !errors.Is(err, server.ErrInvalidInput) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("bad name: %v", err)
	}
	// An existing collection with another spec is evaluated as it is.
	if err := b.EnsureCollection(ctx, "other-spec"); err != nil {
		t.Errorf("conflict: %v", err)
	}
	docs := []server.Document{{ID: "1"}, {ID: "2"}, {ID: "3"}, {ID: "4"}, {ID: "5"}}
	var seen []int
	// The first two upserts are refused as overloaded and retried.
	if err := b.Ingest(ctx, "c", docs, func(n int) { seen = append(seen, n) }); err != nil {
		t.Fatal(err)
	}
	if len(svc.upserts) != 3 || len(svc.upserts[2]) != 1 || len(seen) != 3 || seen[2] != 5 {
		t.Errorf("batches %v, progress %v", svc.upserts, seen)
	}
	svc.overloaded = 1
	hits, err := b.Search(ctx, "c", server.SearchRequest{Query: "q"})
	if err != nil || len(hits) != 1 || hits[0].ID != "c:q" {
		t.Errorf("Search = %v, %v", hits, err)
	}
	if _, err := b.Search(ctx, "c", server.SearchRequest{}); !errors.Is(err, server.ErrInvalidInput) {
		t.Errorf("invalid search: %v", err)
	}
	svc.overloaded = 100
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Search(cancelled, "c", server.SearchRequest{Query: "q"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while overloaded: %v", err)
	}
}

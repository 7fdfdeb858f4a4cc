package eval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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

func TestProgressBar(t *testing.T) {
	var sb strings.Builder
	p := NewProgressBar(&sb, "ingest", 4)
	for _, n := range []int{1, 1, 2, 4} {
		p.Update(n)
	}
	out := sb.String()
	if strings.Count(out, "\r") != 3 || !strings.HasSuffix(out, "ingest 4/4 [==============================] 100%\n") {
		t.Errorf("progress output %q", out)
	}
	NewProgressBar(nil, "x", 3).Update(1) // draws nothing, must not panic
	var nilBar *ProgressBar
	nilBar.Update(1)
}

func TestProgressBarPlainOnFiles(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	p := NewProgressBar(f, "search", 20)
	for i := 1; i <= 20; i++ {
		p.Update(i)
	}
	f.Close()
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	// One line per 10% step (the first update, 1/20, is 5% → step 0).
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 11 || lines[0] != "search 1/20 0%" || lines[10] != "search 20/20 100%" || strings.Contains(string(data), "\r") {
		t.Errorf("plain progress:\n%s", data)
	}
}

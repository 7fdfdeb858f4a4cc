package eval

import (
	"context"
	"fmt"
	"sync"

	"github.com/instructd/instructd/server"
)

// fakeBackend serves fixed rankings. A ranking is looked up by "mode|instruction|query",
// then by "mode||query" (an instruction-blind mode); unknown queries return no hits. Hits
// get descending scores 1, 0.9, 0.8, ... so Rank keeps the listed order.
type fakeBackend struct {
	rankings map[string][]string
	failOn   string // a query text whose search fails

	mu       sync.Mutex
	ensured  []string
	ingested []server.Document
	batches  int
	searches []server.SearchRequest
}

func (f *fakeBackend) EnsureCollection(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ensured = append(f.ensured, name)
	return nil
}

func (f *fakeBackend) Ingest(ctx context.Context, _ string, docs []server.Document, progress func(int)) error {
	return InBatches(ctx, docs, 2, progress, func(_ context.Context, batch []server.Document) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.batches++
		f.ingested = append(f.ingested, batch...)
		return nil
	})
}

func (f *fakeBackend) Search(_ context.Context, _ string, req server.SearchRequest) ([]server.SearchHit, error) {
	f.mu.Lock()
	f.searches = append(f.searches, req)
	f.mu.Unlock()
	if req.Query == f.failOn {
		return nil, fmt.Errorf("fake: boom")
	}
	instr := ""
	if req.Instruction != nil {
		instr = *req.Instruction
	}
	ids, ok := f.rankings[req.Mode+"|"+instr+"|"+req.Query]
	if !ok {
		ids = f.rankings[req.Mode+"||"+req.Query]
	}
	hits := make([]server.SearchHit, len(ids))
	for i, id := range ids {
		hits[i] = server.SearchHit{ID: id, Score: 1 - float32(i)/10}
	}
	return hits, nil
}

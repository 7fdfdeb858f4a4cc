package api

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/instructd/instructd/server"
)

// fakeDim is the fake model's dimension.
const fakeDim = 8

// fakeService is an in-memory Service with the server's validation rules, so the
// HTTP layer can be tested without ONNX Runtime.
type fakeService struct {
	reg    *prometheus.Registry
	limits server.Limits
	ready  bool

	mu    sync.Mutex
	colls map[string]*fakeCollection
	// upsertCalls counts Upsert calls (tests check batching).
	upsertCalls int
	// panicOn makes Search panic when the query equals it.
	panicOn string
	// upsertWaits makes Upsert wait for its context to end (deadline tests).
	upsertWaits atomic.Bool
}

type fakeCollection struct {
	info server.CollectionInfo
	docs map[string]server.Document
}

func newFakeService() *fakeService {
	return &fakeService{reg: prometheus.NewRegistry(), limits: server.DefaultLimits(), ready: true,
		colls: map[string]*fakeCollection{}}
}

var fakeNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$`)

func (f *fakeService) Ready() bool                    { return f.ready }
func (f *fakeService) Registry() *prometheus.Registry { return f.reg }
func (f *fakeService) Limits() server.Limits          { return f.limits }
func (f *fakeService) Logger() *slog.Logger           { return slog.New(slog.DiscardHandler) }

func (f *fakeService) Models() []server.ModelInfo {
	return []server.ModelInfo{{ID: "fake", Object: "model", Dimension: fakeDim, MaxTokens: 16, Pooling: "mean", Default: true}}
}

// fakeVector hashes text into a unit vector.
func fakeVector(text string) []float32 {
	v := make([]float32, fakeDim)
	var norm float64
	for i := range v {
		h := fnv.New32a()
		fmt.Fprintf(h, "%d:%s", i, text)
		v[i] = float32(h.Sum32()%1000)/500 - 1
		norm += float64(v[i] * v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(norm))
	}
	return v
}

func (f *fakeService) Embed(ctx context.Context, req server.EmbedRequest) (server.EmbedResponse, error) {
	if req.Model != "" && req.Model != "fake" {
		return server.EmbedResponse{}, fmt.Errorf("model %q: %w", req.Model, server.ErrNotFound)
	}
	res := server.EmbedResponse{Model: "fake"}
	for _, in := range req.Inputs {
		v := fakeVector(in)
		if req.Dimensions > 0 && req.Dimensions < len(v) {
			v = v[:req.Dimensions]
		}
		res.Vectors = append(res.Vectors, v)
		res.Tokens += len(strings.Fields(in)) + 2
	}
	return res, nil
}

func (f *fakeService) ListCollections(ctx context.Context) ([]server.CollectionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []server.CollectionInfo
	for _, c := range f.colls {
		info := c.info
		info.Count = len(c.docs)
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeService) CreateCollection(ctx context.Context, name string, spec server.CollectionSpec) (server.CollectionInfo, bool, error) {
	if !fakeNameRE.MatchString(name) {
		return server.CollectionInfo{}, false, &server.InputError{Field: "name", Message: fmt.Sprintf("invalid collection name %q", name)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.colls[name]; ok {
		if fmt.Sprint(c.info.Spec) != fmt.Sprint(spec) {
			return server.CollectionInfo{}, false, fmt.Errorf("collection %q exists with another spec: %w", name, server.ErrConflict)
		}
		return c.info, false, nil
	}
	info := server.CollectionInfo{Name: name, Spec: spec, Dimension: fakeDim, Model: "fake"}
	if spec.Dimension > 0 && spec.Model == "" {
		info.Dimension, info.Model = spec.Dimension, ""
	}
	f.colls[name] = &fakeCollection{info: info, docs: map[string]server.Document{}}
	return info, true, nil
}

func (f *fakeService) coll(name string) (*fakeCollection, error) {
	if !fakeNameRE.MatchString(name) {
		return nil, &server.InputError{Field: "name", Message: fmt.Sprintf("invalid collection name %q", name)}
	}
	c, ok := f.colls[name]
	if !ok {
		return nil, fmt.Errorf("collection %q: %w", name, server.ErrNotFound)
	}
	return c, nil
}

func (f *fakeService) GetCollection(ctx context.Context, name string) (server.CollectionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(name)
	if err != nil {
		return server.CollectionInfo{}, err
	}
	info := c.info
	info.Count = len(c.docs)
	return info, nil
}

func (f *fakeService) DeleteCollection(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.coll(name); err != nil {
		return err
	}
	delete(f.colls, name)
	return nil
}

func (f *fakeService) Upsert(ctx context.Context, collection string, docs []server.Document) (server.UpsertResult, error) {
	if f.upsertWaits.Load() {
		<-ctx.Done()
		return server.UpsertResult{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.upsertCalls++
	c, err := f.coll(collection)
	if err != nil {
		return server.UpsertResult{}, err
	}
	var res server.UpsertResult
	for i, d := range docs {
		field := fmt.Sprintf("documents[%d]", i)
		switch {
		case d.ID == "":
			return server.UpsertResult{}, &server.InputError{Field: field + ".id", Message: "empty"}
		case d.Vector != nil && len(d.Vector) != c.info.Dimension:
			return server.UpsertResult{}, &server.InputError{Field: field + ".vector", Message: "wrong dimension"}
		case d.Text == "" && d.Title == "" && d.Vector == nil:
			return server.UpsertResult{}, &server.InputError{Field: field + ".text", Message: "text or vector required"}
		case d.Text == "server-rejects":
			return server.UpsertResult{}, &server.InputError{Field: field + ".text", Message: "rejected by the server"}
		}
	}
	for _, d := range docs {
		if d.Vector == nil {
			d.Vector = fakeVector(d.Title + d.Text)
		}
		if len(d.Text) > 200 {
			res.Truncated = append(res.Truncated, d.ID)
		}
		c.docs[d.ID] = d
		res.Upserted++
	}
	return res, nil
}

func (f *fakeService) GetDocument(ctx context.Context, collection, id string) (server.Document, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(collection)
	if err != nil {
		return server.Document{}, err
	}
	d, ok := c.docs[id]
	if !ok {
		return server.Document{}, fmt.Errorf("document %q: %w", id, server.ErrNotFound)
	}
	return d, nil
}

func (f *fakeService) DeleteDocument(ctx context.Context, collection, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(collection)
	if err != nil {
		return err
	}
	if _, ok := c.docs[id]; !ok {
		return fmt.Errorf("document %q: %w", id, server.ErrNotFound)
	}
	delete(c.docs, id)
	return nil
}

func (f *fakeService) Search(ctx context.Context, collection string, req server.SearchRequest) (server.SearchResponse, error) {
	if f.panicOn != "" && req.Query == f.panicOn {
		panic("fake: asked to panic")
	}
	if req.Query == "block until the deadline" {
		<-ctx.Done()
		return server.SearchResponse{}, fmt.Errorf("fake: %w", ctx.Err())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.coll(collection)
	if err != nil {
		return server.SearchResponse{}, err
	}
	q := req.Vector
	if q == nil {
		q = fakeVector(req.Query)
	}
	if len(q) != c.info.Dimension {
		return server.SearchResponse{}, &server.InputError{Field: "vector", Message: "wrong dimension"}
	}
	var hits []server.SearchHit
	for _, d := range c.docs {
		var s float32
		for i := range q {
			s += q[i] * d.Vector[i]
		}
		h := server.SearchHit{ID: d.ID, Score: s}
		for _, inc := range req.Include {
			switch inc {
			case "text":
				h.Text = d.Text
			case "title":
				h.Title = d.Title
			case "metadata":
				h.Metadata = d.Metadata
			case "vector":
				h.Vector = d.Vector
			}
		}
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > req.K {
		hits = hits[:req.K]
	}
	return server.SearchResponse{Hits: hits, Mode: "dense"}, nil
}

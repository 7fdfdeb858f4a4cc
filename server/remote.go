package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/server/store"
	"github.com/instructd/instructd/wire"
)

// remoteTier serves collections whose storage and search live in a backend.Backend
// (Config.Backend, e.g. Weaviate) instead of the local store and indexes. Everything
// above storage is shared with the local path: spec validation, instructions and
// embedding, modes and fusion, constraints, limits. The collection values it caches
// carry spec and pack only (no store, no indexes); the backend holds the truth, so
// several instructd processes can serve the same collections.
type remoteTier struct {
	s *Server
	b backend.Backend

	mu    sync.Mutex
	colls map[string]*collection
}

// maxReplicas bounds a spec's replicas and shards.
const maxReplicas = 64

// remoteErr maps backend sentinels to server's.
func remoteErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, backend.ErrNotFound):
		return fmt.Errorf("server: %v: %w", err, ErrNotFound)
	case errors.Is(err, backend.ErrUnavailable):
		return fmt.Errorf("server: %v: %w", err, ErrUnavailable)
	}
	return fmt.Errorf("server: %w", err)
}

// checkRemoteSpec validates the backend-only fields of a normalised spec.
func checkRemoteSpec(spec *CollectionSpec, remote bool) error {
	if !remote {
		if spec.Replicas != 0 || spec.Shards != 0 || spec.Consistency != "" {
			return invalid("replicas", "replicas, shards and consistency need serve --backend weaviate")
		}
		return nil
	}
	if spec.Replicas < 0 || spec.Replicas > maxReplicas || spec.Shards < 0 || spec.Shards > maxReplicas {
		return invalid("replicas", "replicas and shards must be in [1, %d]", maxReplicas)
	}
	spec.Replicas, spec.Shards = max(spec.Replicas, 1), max(spec.Shards, 1)
	switch strings.ToUpper(spec.Consistency) {
	case "":
		spec.Consistency = "QUORUM"
	case "ONE", "QUORUM", "ALL":
		spec.Consistency = strings.ToUpper(spec.Consistency)
	default:
		return invalid("consistency", "must be ONE, QUORUM or ALL, got %q", spec.Consistency)
	}
	return nil
}

// bind turns stored info into a collection value bound to its pack (if loaded).
func (s *Server) remoteBind(name string, raw []byte) (*collection, error) {
	var info storedInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("server: collection %q: stored spec: %w", name, err)
	}
	var p *pack
	if info.Spec.Model != "" {
		p = s.packByName[info.Spec.Model]
	}
	return newCollection(name, info, p, nil, nil), nil
}

// remoteLoad reloads every collection from the backend.
func (s *Server) remoteLoad(ctx context.Context) (map[string]*collection, error) {
	all, err := s.remote.b.Collections(ctx)
	if err != nil {
		return nil, remoteErr(err)
	}
	out := make(map[string]*collection, len(all))
	for name, raw := range all {
		c, err := s.remoteBind(name, raw)
		if err != nil {
			s.log.Warn("skipping collection with an unreadable spec", "collection", name, "err", err)
			continue
		}
		out[name] = c
	}
	s.remote.mu.Lock()
	s.remote.colls = out
	s.remote.mu.Unlock()
	return out, nil
}

// remoteCollection returns a collection, reloading from the backend on a miss (another
// instructd process may have created it).
func (s *Server) remoteCollection(ctx context.Context, name string) (*collection, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("server: shutting down: %w", ErrUnavailable)
	}
	s.remote.mu.Lock()
	c := s.remote.colls[name]
	s.remote.mu.Unlock()
	if c != nil {
		return c, nil
	}
	all, err := s.remoteLoad(ctx)
	if err != nil {
		return nil, err
	}
	if c = all[name]; c == nil {
		return nil, fmt.Errorf("server: collection %q %w", name, ErrNotFound)
	}
	return c, nil
}

// remoteForget drops a cached collection the backend no longer has.
func (s *Server) remoteForget(name string, err error) error {
	if errors.Is(err, backend.ErrNotFound) && !strings.Contains(err.Error(), "document") {
		s.remote.mu.Lock()
		delete(s.remote.colls, name)
		s.remote.mu.Unlock()
	}
	return remoteErr(err)
}

func (s *Server) remoteInfo(ctx context.Context, c *collection) (CollectionInfo, error) {
	n, err := s.remote.b.Count(ctx, c.name)
	if err != nil {
		return CollectionInfo{}, s.remoteForget(c.name, err)
	}
	return CollectionInfo{Name: c.name, Spec: c.spec, Count: n, Dimension: c.spec.Dimension, Model: c.spec.Model,
		CreatedAt: c.created, Index: remoteIndexStats(s.remote.b.Name(), c.spec, n)}, nil
}

func (t *remoteTier) createCollection(ctx context.Context, name string, spec CollectionSpec) (CollectionInfo, bool, error) {
	s := t.s
	if err := validateName(name); err != nil {
		return CollectionInfo{}, false, err
	}
	norm, p, err := s.normalizeSpec(spec)
	if err != nil {
		return CollectionInfo{}, false, err
	}
	if err := checkRemoteSpec(&norm, true); err != nil {
		return CollectionInfo{}, false, err
	}
	info := storedInfo{Spec: norm, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	raw, err := json.Marshal(info)
	if err != nil {
		return CollectionInfo{}, false, fmt.Errorf("server: encode spec: %w", err)
	}
	err = s.remote.b.CreateCollection(ctx, name, norm, raw)
	if errors.Is(err, backend.ErrExists) {
		c, err := s.remoteCollection(ctx, name)
		if err != nil {
			return CollectionInfo{}, false, err
		}
		if !reflect.DeepEqual(c.spec, norm) {
			return CollectionInfo{}, false, fmt.Errorf("collection %q exists with another spec (%s): %w; delete it first, or use another name",
				name, specDiff(c.spec, norm), ErrConflict)
		}
		ci, err := s.remoteInfo(ctx, c)
		return ci, false, err
	}
	if err != nil {
		return CollectionInfo{}, false, remoteErr(err)
	}
	c := newCollection(name, info, p, nil, nil)
	s.remote.mu.Lock()
	s.remote.colls[name] = c
	s.remote.mu.Unlock()
	s.log.Info("collection created", "collection", name, "backend", s.remote.b.Name(), "replicas", norm.Replicas, "shards", norm.Shards)
	return CollectionInfo{Name: name, Spec: norm, Dimension: norm.Dimension, Model: norm.Model, CreatedAt: info.CreatedAt,
		Index: remoteIndexStats(s.remote.b.Name(), norm, 0)}, true, nil
}

func (t *remoteTier) getCollection(ctx context.Context, name string) (CollectionInfo, error) {
	s := t.s
	// Reload (another process may have deleted or replaced it); a failed reload falls back
	// to the cached spec, and the count below still asks the backend.
	if _, err := s.remoteLoad(ctx); err != nil {
		s.remote.mu.Lock()
		c := s.remote.colls[name]
		s.remote.mu.Unlock()
		if c == nil {
			return CollectionInfo{}, err
		}
		s.log.Warn("collection list failed; using the cached spec", "collection", name, "err", err)
	}
	c, err := s.remoteCollection(ctx, name)
	if err != nil {
		return CollectionInfo{}, err
	}
	return s.remoteInfo(ctx, c)
}

func (t *remoteTier) listCollections(ctx context.Context) ([]CollectionInfo, error) {
	s := t.s
	all, err := s.remoteLoad(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]CollectionInfo, 0, len(names))
	for _, n := range names {
		ci, err := s.remoteInfo(ctx, all[n])
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ci)
	}
	return out, nil
}

func (t *remoteTier) deleteCollection(ctx context.Context, name string) error {
	s := t.s
	if s.closed.Load() {
		return fmt.Errorf("server: shutting down: %w", ErrUnavailable)
	}
	err := s.remote.b.DeleteCollection(ctx, name)
	s.remote.mu.Lock()
	delete(s.remote.colls, name)
	s.remote.mu.Unlock()
	if err != nil {
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("server: collection %q %w", name, ErrNotFound)
		}
		return remoteErr(err)
	}
	s.log.Info("collection deleted", "collection", name, "backend", s.remote.b.Name())
	return nil
}

// upsert validates and embeds like Upsert, then writes through the backend, which
// returns once the storage acknowledged the batch at the collection's consistency
// level. A call is all or nothing: the previous versions of its ids are read first
// (with vectors), and when the storage rejects any document, they are written back and
// the ids that did not exist are deleted before the call fails as documents[i].storage
// (i indexes the request; the NDJSON ingest drops that line and sends the rest again).
func (t *remoteTier) upsert(ctx context.Context, name string, docs []Document) (UpsertResult, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, name)
	if err != nil {
		return UpsertResult{}, err
	}
	if err := s.validateDocuments(c, docs); err != nil {
		return UpsertResult{}, err
	}
	at := make(map[string]int, len(docs)) // id → its last index in the request
	for i := range docs {
		at[docs[i].ID] = i
	}
	docs = dedupe(docs)
	if len(docs) == 0 {
		return UpsertResult{}, nil
	}
	recs, truncated, err := s.remoteRecords(ctx, c, docs)
	if err != nil {
		return UpsertResult{}, err
	}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	prev, err := s.remote.b.GetMany(ctx, c.name, ids, true)
	if err != nil {
		return UpsertResult{}, s.remoteForget(c.name, err)
	}
	errs, err := s.remote.b.Put(ctx, c.name, recs)
	if err != nil {
		return UpsertResult{}, s.remoteForget(c.name, err)
	}
	bad := -1
	for i, e := range errs {
		if e != nil && (bad < 0 || errors.Is(e, backend.ErrUnavailable)) {
			bad = i
		}
	}
	if bad < 0 {
		s.metrics.ingested.WithLabelValues(c.name).Add(float64(len(recs)))
		return UpsertResult{Upserted: len(recs), Truncated: truncated}, nil
	}
	if rerr := s.remoteUndo(ctx, c, prev, ids); rerr != nil {
		s.log.Error("upsert rollback failed: the call's documents may be partly stored", "collection", c.name, "err", rerr)
		return UpsertResult{}, fmt.Errorf("server: document %q rejected (%v), and undoing the call's other writes failed: %v: %w",
			ids[bad], errs[bad], rerr, ErrUnavailable)
	}
	if errors.Is(errs[bad], backend.ErrUnavailable) {
		return UpsertResult{}, remoteErr(errs[bad]) // not the document's fault: 503, nothing stored
	}
	return UpsertResult{}, invalid(fmt.Sprintf("documents[%d].storage", at[ids[bad]]), "%v", errs[bad])
}

// remoteRecords embeds documents (reusing embedDocuments) into backend records.
func (s *Server) remoteRecords(ctx context.Context, c *collection, docs []Document) ([]backend.Record, []string, error) {
	srecs := make([]store.Record, len(docs))
	for i := range docs {
		d := &docs[i]
		srecs[i] = store.Record{ID: d.ID, Title: d.Title, Text: d.Text, Vector: d.Vector}
	}
	truncated, err := s.embedDocuments(ctx, c, srecs)
	if err != nil {
		return nil, nil, err
	}
	out := make([]backend.Record, len(docs))
	for i := range docs {
		r := &srecs[i]
		out[i] = backend.Record{ID: r.ID, Title: r.Title, Text: r.Text, Metadata: docs[i].Metadata, Vector: r.Vector}
		for _, p := range r.Passages {
			out[i].Passages = append(out[i].Passages, backend.Passage{Start: p.Start, End: p.End, Vector: p.Vector})
		}
		if len(out[i].Passages) > 0 {
			out[i].Vector = nil
		}
	}
	return out, truncated, nil
}

func (t *remoteTier) getDocument(ctx context.Context, name, id string) (Document, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, name)
	if err != nil {
		return Document{}, err
	}
	r, err := s.remote.b.Get(ctx, c.name, id, true)
	if err != nil {
		if errors.Is(err, backend.ErrNotFound) {
			return Document{}, fmt.Errorf("server: document %q in collection %q %w", id, name, ErrNotFound)
		}
		return Document{}, s.remoteForget(c.name, err)
	}
	return Document{ID: r.ID, Title: r.Title, Text: r.Text, Metadata: r.Metadata, Vector: r.Vector}, nil
}

func (t *remoteTier) deleteDocument(ctx context.Context, name, id string) error {
	s := t.s
	c, err := s.remoteCollection(ctx, name)
	if err != nil {
		return err
	}
	if err := s.remote.b.Delete(ctx, c.name, id); err != nil {
		if errors.Is(err, backend.ErrNotFound) {
			return fmt.Errorf("server: document %q in collection %q %w", id, name, ErrNotFound)
		}
		return s.remoteForget(c.name, err)
	}
	return nil
}

// compactStrings removes adjacent duplicates of a sorted slice.
func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// backendFilter converts a parsed filter to the backend's form.
func backendFilter(n filterNode) *backend.Filter {
	switch f := n.(type) {
	case andFilter:
		out := &backend.Filter{Op: "$and"}
		for _, c := range f {
			out.Children = append(out.Children, backendFilter(c))
		}
		return out
	case orFilter:
		out := &backend.Filter{Op: "$or"}
		for _, c := range f {
			out.Children = append(out.Children, backendFilter(c))
		}
		return out
	case *cmpFilter:
		return &backend.Filter{Op: f.op, Path: f.path, Arg: f.arg, Set: f.set}
	}
	panic(fmt.Sprintf("server: unknown filter node %T", n))
}

// openRemote is Open for a server whose collections live in cfg.Backend: it loads the
// model packs, then lists the backend's collections (which proves it answers).
func (s *Server) openRemote(ctx context.Context) (err error) {
	s.remote = &remoteTier{s: s, b: s.cfg.Backend, colls: map[string]*collection{}}
	s.tier = s.remote
	defer func() {
		if err != nil {
			s.closeResources()
		}
	}()
	if err := s.loadPacks(ctx, s.deps); err != nil {
		return err
	}
	if err := s.checkAliases(); err != nil {
		return err
	}
	all, err := s.remoteLoad(ctx)
	if err != nil {
		return fmt.Errorf("server: %s backend: %w", s.remote.b.Name(), err)
	}
	close(s.recoverDone) // nothing to recover: WaitRecovered returns at once
	s.ready.Store(true)
	s.log.Info("server ready", "backend", s.remote.b.Name(), "collections", len(all), "packs", len(s.packs))
	return nil
}

// remoteIndexStats describes a backend's index as far as the spec knows it.
func remoteIndexStats(name string, spec CollectionSpec, n int) wire.IndexStats {
	return wire.IndexStats{Engine: name + "-hnsw", Metric: spec.Metric, Dimension: spec.Dimension, Count: n,
		M: spec.Index.M, EfConstruction: spec.Index.EfConstruction, EfSearch: spec.Index.EfSearch}
}

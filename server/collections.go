package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/server/store"
	"github.com/instructd/instructd/wire"
)

// collectionName is the only shape of name accepted; it is safe as a file name.
var collectionName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$`)

// maxDimension bounds a vector-only collection's dimension.
const maxDimension = 65_536

// collection is one collection's live state. Lock order: Server.mu → writeMu → mu.
type collection struct {
	name    string
	spec    CollectionSpec // normalised: Model resolved, Metric and Dimension set
	created time.Time
	pack    *pack // nil for vector-only collections or when the pack is not loaded

	// loading is set while start-up recovery fills the collection: requests other than
	// describing it answer ErrLoading, and nothing but the recovery touches its state.
	loading atomic.Bool
	// snapMu serialises snapshots of the collection, compaction and its deletion's
	// file removal.
	snapMu sync.Mutex
	// ef is the default ef_search of searches that set none (0: the index's own).
	ef atomic.Int64
	// compacting is set while a compaction runs.
	compacting atomic.Bool
	// calibration is the last ef calibration (nil: none yet); calibrating is set while
	// one runs.
	calibration atomic.Pointer[index.Calibration]
	calibrating atomic.Bool

	// writeMu serialises writers (store commit + index updates) so that two upserts of
	// one id reach the indexes in commit order, and excludes snapshots during a write.
	writeMu sync.Mutex
	gen     uint64 // generation of the last committed write (under writeMu)
	snapGen uint64 // generation of the last snapshot (under writeMu)
	// indexBroken marks an index that failed an update after commit: it is never
	// snapshotted, so the next start rebuilds it from the store (under writeMu).
	indexBroken bool

	// mu guards the maps and deleted; searches hold it for reading while they use the
	// indexes, so that DeleteCollection cannot close an index under them.
	mu      sync.RWMutex
	docs    map[string]*docEntry
	keys    map[uint64]keyRef    // vector-index key → document (and passage)
	docKeys map[uint64]*docEntry // document key → document (lexical index keys)
	vec     index.Index
	text    textIndex // nil when no lexical index is wired in
	deleted bool
}

// docEntry is a document's in-memory footprint: what filters and key mapping need.
type docEntry struct {
	id       string
	key      uint64
	meta     map[string]any
	passages []passageRef // non-empty for chunked documents
}

// passageRef is one window of a chunked document.
type passageRef struct {
	key        uint64
	start, end int
}

// keyRef maps a vector-index key to its document; passage is -1 for a whole document.
type keyRef struct {
	doc     *docEntry
	passage int
}

// storedInfo is what the store keeps per collection (JSON).
type storedInfo struct {
	Spec      CollectionSpec `json:"spec"`
	CreatedAt time.Time      `json:"created_at"`
}

// close releases the collection's indexes; the caller holds no locks.
func (c *collection) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleted = true
	if c.vec != nil {
		_ = c.vec.Close()
	}
}

// validateName rejects names that are not ^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$.
func validateName(name string) error {
	if !collectionName.MatchString(name) {
		return invalid("name", "collection name %q must match %s", name, collectionName)
	}
	return nil
}

// normalizeSpec validates spec and resolves its defaults, so that equal requests
// compare equal: the model is named, the metric and dimension are set.
func (s *Server) normalizeSpec(spec CollectionSpec) (CollectionSpec, *pack, error) {
	var p *pack
	switch {
	case spec.Model != "":
		var err error
		if p, err = s.pack(spec.Model); err != nil {
			return spec, nil, invalid("model", "model %q is not loaded (loaded: %v)", spec.Model, s.packNames())
		}
	case spec.Dimension == 0:
		if len(s.packs) == 0 {
			return spec, nil, invalid("dimension", "no model pack is loaded: set dimension for a vector-only collection")
		}
		p = s.packs[0]
	}
	if p != nil {
		spec.Model = p.name
		d := p.emb.Manifest().Dimension
		if spec.Dimension == 0 {
			spec.Dimension = d
		}
		// A shorter dimension needs a Matryoshka-trained model: vectors are truncated to it.
		if ms := p.emb.Manifest().MatryoshkaDimensions; spec.Dimension != d && !slices.Contains(ms, spec.Dimension) {
			return spec, nil, invalid("dimension", "%d differs from model %q's dimension %d (and from its matryoshka_dimensions %v)", spec.Dimension, p.name, d, ms)
		}
	} else if spec.Dimension < 1 || spec.Dimension > maxDimension {
		return spec, nil, invalid("dimension", "must be in [1, %d], got %d", maxDimension, spec.Dimension)
	}
	switch spec.Metric {
	case "":
		spec.Metric = wire.Cosine
	case wire.Cosine, wire.Dot, wire.L2:
	default:
		return spec, nil, invalid("metric", "must be cosine, dot or l2, got %q", spec.Metric)
	}
	if r := spec.Index.TargetRecall; r < 0 || r > 1 {
		return spec, nil, invalid("index.target_recall", "must be in (0, 1], got %g", r)
	}
	if spec.Index.M < 0 || spec.Index.M > 256 || spec.Index.EfConstruction < 0 || spec.Index.EfConstruction > 10_000 ||
		spec.Index.EfSearch < 0 || spec.Index.EfSearch > 10_000 {
		return spec, nil, invalid("index", "m must be in [0, 256], ef_construction and ef_search in [0, 10000]")
	}
	switch spec.DefaultMode {
	case "", ModeDense:
		spec.DefaultMode = ModeDense
	case ModeLexical, ModeHybrid:
		if p == nil {
			return spec, nil, invalid("default_mode", "a vector-only collection supports only dense search")
		}
	default:
		return spec, nil, invalid("default_mode", "must be dense, lexical or hybrid, got %q", spec.DefaultMode)
	}
	if spec.DefaultInstruction != nil && p == nil {
		return spec, nil, invalid("default_instruction", "a vector-only collection has no model to instruct")
	}
	if err := s.checkInstruction("default_instruction", spec.DefaultInstruction); err != nil {
		return spec, nil, err
	}
	if ch := spec.Chunking; ch != nil {
		if p == nil {
			return spec, nil, invalid("chunking", "a vector-only collection cannot chunk (it has no model)")
		}
		maxWindow := p.emb.Manifest().MaxTokens - 2
		if ch.WindowTokens < 1 || ch.WindowTokens > maxWindow {
			return spec, nil, invalid("chunking.window_tokens", "must be in [1, %d] (the model's max tokens less 2 special tokens), got %d", maxWindow, ch.WindowTokens)
		}
		if ch.OverlapTokens < 0 || ch.OverlapTokens >= ch.WindowTokens {
			return spec, nil, invalid("chunking.overlap_tokens", "must be in [0, window_tokens), got %d", ch.OverlapTokens)
		}
	}
	if spec.Rerank != nil {
		if _, err := s.validateRerankStage(spec.Rerank, "rerank"); err != nil {
			return spec, nil, err
		}
		if p == nil {
			return spec, nil, invalid("rerank", "a vector-only collection has no text queries to rerank")
		}
	}
	return spec, p, nil
}

func (s *Server) packNames() []string {
	names := make([]string, len(s.packs))
	for i, p := range s.packs {
		names[i] = p.name
	}
	return names
}

// createCollection is CreateCollection on the local engine.
func (t localTier) createCollection(ctx context.Context, name string, spec CollectionSpec) (CollectionInfo, bool, error) {
	s := t.s
	if err := checkRemoteSpec(&spec, false); err != nil {
		return CollectionInfo{}, false, err
	}
	if err := validateName(name); err != nil {
		return CollectionInfo{}, false, err
	}
	norm, p, err := s.normalizeSpec(spec)
	if err != nil {
		return CollectionInfo{}, false, err
	}
	if s.closed.Load() {
		return CollectionInfo{}, false, fmt.Errorf("server: shutting down: %w", ErrUnavailable)
	}
	// The server-wide lock is held only to read and to publish the map, never across
	// the store's fsync: a racing create of the same name loses in the store.
	existing := func() (CollectionInfo, bool, error) {
		s.mu.RLock()
		c, ok := s.colls[name]
		s.mu.RUnlock()
		if !ok {
			return CollectionInfo{}, false, nil
		}
		if c.isDeleted() {
			return CollectionInfo{}, true, fmt.Errorf("server: collection %q is being deleted, retry: %w", name, ErrUnavailable)
		}
		if !reflect.DeepEqual(c.spec, norm) {
			return CollectionInfo{}, true, fmt.Errorf("collection %q exists with another spec (%s): %w; delete it first, or use another name",
				name, specDiff(c.spec, norm), ErrConflict)
		}
		return c.info(), true, nil
	}
	if ci, ok, err := existing(); ok {
		return ci, false, err
	}
	info := storedInfo{Spec: norm, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	raw, err := json.Marshal(info)
	if err != nil {
		return CollectionInfo{}, false, fmt.Errorf("server: encode spec: %w", err)
	}
	vec, err := s.deps.newIndex(norm.Dimension, index.Metric(norm.Metric), norm.Index)
	if err != nil {
		return CollectionInfo{}, false, fmt.Errorf("server: new index for %q: %w", name, err)
	}
	gen, err := s.store.CreateCollection(name, raw)
	if err != nil {
		_ = vec.Close()
		if errors.Is(err, store.ErrExists) {
			if ci, ok, err := existing(); ok {
				return ci, false, err
			}
			return CollectionInfo{}, false, fmt.Errorf("server: collection %q is being created or deleted, retry: %w", name, ErrUnavailable)
		}
		return CollectionInfo{}, false, fmt.Errorf("server: %w", err)
	}
	c := newCollection(name, info, p, vec, s.newText())
	c.gen = gen
	s.mu.Lock()
	s.colls[name] = c
	s.mu.Unlock()
	s.metrics.documents.WithLabelValues(name).Set(0)
	s.log.Info("collection created", "collection", name, "model", norm.Model, "dimension", norm.Dimension)
	return c.info(), true, nil
}

// newText returns an empty lexical index, or nil when none is wired in.
func (s *Server) newText() textIndex {
	if s.deps.newText == nil {
		return nil
	}
	return s.deps.newText()
}

func newCollection(name string, info storedInfo, p *pack, vec index.Index, text textIndex) *collection {
	c := &collection{
		name:    name,
		spec:    info.Spec,
		created: info.CreatedAt,
		pack:    p,
		docs:    map[string]*docEntry{},
		keys:    map[uint64]keyRef{},
		docKeys: map[uint64]*docEntry{},
		vec:     vec,
		text:    text,
	}
	c.ef.Store(int64(info.Spec.Index.EfSearch))
	return c
}

// collection returns a live, recovered collection; ErrNotFound, or ErrLoading while it
// recovers at start-up.
func (s *Server) collection(name string) (*collection, error) {
	c, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if c.loading.Load() {
		return nil, fmt.Errorf("server: collection %q: %w", name, ErrLoading)
	}
	return c, nil
}

// lookup returns a collection, recovered or still loading, or ErrNotFound.
func (s *Server) lookup(name string) (*collection, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("server: shutting down: %w", ErrUnavailable)
	}
	s.mu.RLock()
	c, ok := s.colls[name]
	s.mu.RUnlock()
	if !ok || c.isDeleted() {
		return nil, fmt.Errorf("server: collection %q %w", name, ErrNotFound)
	}
	return c, nil
}

// count is the number of documents; the caller holds no lock.
func (c *collection) count() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.docs)
}

// info describes the collection.
func (c *collection) info() CollectionInfo {
	if c.loading.Load() {
		// Recovery owns the maps and indexes until it is done.
		return CollectionInfo{Name: c.name, Spec: c.spec, Dimension: c.spec.Dimension, Model: c.spec.Model,
			CreatedAt: c.created, Status: StatusLoading}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci := CollectionInfo{
		Name:      c.name,
		Spec:      c.spec,
		Count:     len(c.docs),
		Dimension: c.spec.Dimension,
		Model:     c.spec.Model,
		CreatedAt: c.created,
		Status:    StatusReady,
	}
	if c.vec != nil && !c.deleted {
		ci.Index = indexStats(c.vec.Stats())
	}
	return ci
}

// getCollection is GetCollection on the local engine.
func (t localTier) getCollection(ctx context.Context, name string) (CollectionInfo, error) {
	s := t.s
	c, err := s.lookup(name)
	if err != nil {
		return CollectionInfo{}, err
	}
	return c.info(), nil
}

// listCollections is ListCollections on the local engine.
func (t localTier) listCollections(ctx context.Context) ([]CollectionInfo, error) {
	s := t.s
	if s.closed.Load() {
		return nil, fmt.Errorf("server: shutting down: %w", ErrUnavailable)
	}
	s.mu.RLock()
	cs := make([]*collection, 0, len(s.colls))
	for _, c := range s.colls {
		cs = append(cs, c)
	}
	s.mu.RUnlock()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	out := make([]CollectionInfo, len(cs))
	for i, c := range cs {
		out[i] = c.info()
	}
	return out, nil
}

// deleteCollection is DeleteCollection on the local engine.
func (t localTier) deleteCollection(ctx context.Context, name string) error {
	s := t.s
	c, err := s.collection(name)
	if err != nil {
		return err
	}
	// Wait for the in-flight write; later ones find the collection deleted.
	c.writeMu.Lock()
	if c.isDeleted() {
		c.writeMu.Unlock()
		return fmt.Errorf("server: collection %q %w", name, ErrNotFound)
	}
	if s.deps.hooks.deleting != nil {
		s.deps.hooks.deleting(name)
	}
	err = s.store.DeleteCollection(name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.writeMu.Unlock()
		return fmt.Errorf("server: %w", err)
	}
	c.close() // marks it deleted: searches and snapshots stop using it
	c.writeMu.Unlock()
	s.mu.Lock()
	if s.colls[name] == c {
		delete(s.colls, name)
	}
	s.mu.Unlock()
	c.snapMu.Lock() // an in-flight snapshot finishes before its files go
	for _, p := range snapshotPaths(s.cfg.DataDir, name) {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove snapshot file", "path", p, "err", err)
		}
	}
	c.snapMu.Unlock()
	s.metrics.documents.DeleteLabelValues(name)
	s.metrics.ingested.DeleteLabelValues(name)
	s.metrics.searchLatency.DeletePartialMatch(prometheus.Labels{"collection": name})
	s.log.Info("collection deleted", "collection", name)
	return nil
}

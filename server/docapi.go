package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/server/store"
	"github.com/instructd/instructd/wire"
)

// Document API types.
type (
	DocumentPage           = wire.DocumentPage
	DocumentPatch          = wire.DocumentPatch
	DeleteDocumentsRequest = wire.DeleteDocumentsRequest
	CollectionPatch        = wire.CollectionPatch
	CollectionStats        = wire.CollectionStats
)

// Listing bounds: a page holds at most maxPageSize documents, and one page scans at
// most pageScanBudget stored documents looking for filter matches (the cursor then
// continues where it stopped, so a selective filter pages through, never stalls).
const (
	defaultPageSize = 100
	maxPageSize     = 1000
	pageScanBudget  = 20_000
)

// Automatic compaction starts after a delete when the graph holds at least
// autoCompactMin tombstones and they are at least autoCompactRatio of its nodes.
const (
	autoCompactMin   = 1000
	autoCompactRatio = 0.3
)

// listDocuments is ListDocuments on the local engine.
func (t localTier) listDocuments(ctx context.Context, collection, cursor string, limit int, filter json.RawMessage) (DocumentPage, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return DocumentPage{}, err
	}
	limit, f, err := listParams(limit, filter)
	if err != nil {
		return DocumentPage{}, err
	}
	page := DocumentPage{Documents: []Document{}}
	scanned, last := 0, ""
	_, err = s.store.ScanFrom(c.name, cursor, false, func(r store.Record) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		scanned++
		last = r.ID
		d, err := documentFromRecord(&r, false)
		if err != nil {
			return false, err
		}
		if f == nil || f.match(d.Metadata) {
			page.Documents = append(page.Documents, d)
		}
		if len(page.Documents) == limit || scanned == pageScanBudget {
			page.NextCursor = last
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return DocumentPage{}, fmt.Errorf("server: list %q: %w", collection, err)
	}
	return page, nil
}

// listParams validates a listing's page size (0: the default) and filter.
func listParams(limit int, filter json.RawMessage) (int, filterNode, error) {
	switch {
	case limit == 0:
		limit = defaultPageSize
	case limit < 0 || limit > maxPageSize:
		return 0, nil, invalid("limit", "must be in [1, %d], got %d", maxPageSize, limit)
	}
	f, err := parseFilter(filter)
	if err != nil {
		return 0, nil, err
	}
	return limit, f, nil
}

// checkDocumentPatch is PatchDocument's validation.
func (s *Server) checkDocumentPatch(patch DocumentPatch) error {
	if patch.Title == nil && patch.Metadata == nil {
		return invalid("", "nothing to change: send title and/or metadata")
	}
	if patch.Title != nil && len(*patch.Title) > s.cfg.Limits.MaxTextBytes {
		return invalid("title", "%d bytes exceed the limit of %d", len(*patch.Title), s.cfg.Limits.MaxTextBytes)
	}
	for k, v := range patch.Metadata {
		if err := validateMetadata(v, 0); err != nil {
			return invalid("metadata."+k, "%v", err)
		}
	}
	return nil
}

// patchDocument is PatchDocument on the local engine.
func (t localTier) patchDocument(ctx context.Context, collection, id string, patch DocumentPatch) (Document, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return Document{}, err
	}
	if err := s.checkDocumentPatch(patch); err != nil {
		return Document{}, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	r, err := s.store.Get(c.name, id)
	if errors.Is(err, store.ErrNotFound) {
		return Document{}, fmt.Errorf("server: document %q in collection %q %w", id, collection, ErrNotFound)
	}
	if err != nil {
		return Document{}, fmt.Errorf("server: %w", err)
	}
	if patch.Title != nil {
		r.Title = *patch.Title
	}
	if patch.Metadata != nil {
		var meta map[string]any
		if len(r.Metadata) > 0 {
			if err := json.Unmarshal(r.Metadata, &meta); err != nil {
				return Document{}, fmt.Errorf("server: document %q: decode metadata: %w", id, err)
			}
		}
		meta = mergePatch(meta, patch.Metadata)
		r.Metadata = nil
		if len(meta) > 0 {
			if r.Metadata, err = json.Marshal(meta); err != nil {
				return Document{}, invalid("metadata", "not JSON-encodable: %v", err)
			}
		}
	}
	recs := []store.Record{r}
	if err := s.commitLocked(c, recs); err != nil {
		return Document{}, err
	}
	return documentFromRecord(&recs[0], false)
}

// mergePatch applies an RFC 7396 merge patch to dst.
func mergePatch(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			sub, _ := dst[k].(map[string]any)
			dst[k] = mergePatch(sub, pv)
		default:
			dst[k] = v
		}
	}
	return dst
}

// deleteDocuments is DeleteDocuments on the local engine.
func (t localTier) deleteDocuments(ctx context.Context, collection string, req DeleteDocumentsRequest) (int, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return 0, err
	}
	hasFilter := len(req.Filter) > 0 && string(req.Filter) != "null"
	switch {
	case req.IDs != nil && hasFilter:
		return 0, invalid("ids", "send ids or filter, not both")
	case req.IDs == nil && !hasFilter:
		return 0, invalid("ids", "send ids (a list) or filter (an object)")
	case len(req.IDs) > s.cfg.Limits.MaxDocsPerRequest && s.cfg.Limits.MaxDocsPerRequest > 0:
		return 0, invalid("ids", "%d ids is more than the limit of %d per request", len(req.IDs), s.cfg.Limits.MaxDocsPerRequest)
	}
	ids := req.IDs
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.isDeleted() {
		return 0, fmt.Errorf("server: collection %q %w", collection, ErrNotFound)
	}
	if hasFilter {
		f, err := parseFilter(req.Filter)
		if err != nil {
			return 0, err
		}
		c.mu.RLock()
		for id, e := range c.docs {
			if f.match(e.meta) {
				ids = append(ids, id)
			}
		}
		c.mu.RUnlock()
	}
	if len(ids) == 0 {
		return 0, nil
	}
	removed, gen, err := s.store.DeleteMany(c.name, ids)
	if err != nil {
		return 0, fmt.Errorf("server: %w", err)
	}
	if len(removed) == 0 {
		return 0, nil
	}
	c.gen = gen
	var keys []uint64
	c.mu.Lock()
	for _, r := range removed {
		if e := c.docs[r.ID]; e != nil {
			c.removeEntry(e)
		}
		keys = append(keys, r.Key)
		for _, p := range r.Passages {
			keys = append(keys, p.Key)
		}
	}
	n := len(c.docs)
	c.mu.Unlock()
	if err := c.vec.Delete(keys...); err != nil {
		c.indexBroken = true
		return 0, fmt.Errorf("server: collection %q: index delete after commit: %w", c.name, err)
	}
	if c.text != nil {
		for _, r := range removed {
			c.text.Delete(r.Key)
		}
	}
	s.metrics.documents.WithLabelValues(c.name).Set(float64(n))
	s.maybeCompact(c)
	return len(removed), nil
}

// checkCollectionPatch validates a collection patch: ef_search is all it may change.
func checkCollectionPatch(patch CollectionPatch) error {
	if patch.EfSearch == nil {
		return invalid("ef_search", "nothing to change: send ef_search")
	}
	if ef := *patch.EfSearch; ef < 1 || ef > maxEf {
		return invalid("ef_search", "must be in [1, %d], got %d", maxEf, ef)
	}
	return nil
}

// patchCollection is PatchCollection on the local engine.
func (t localTier) patchCollection(ctx context.Context, collection string, patch CollectionPatch) (CollectionInfo, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return CollectionInfo{}, err
	}
	if err := checkCollectionPatch(patch); err != nil {
		return CollectionInfo{}, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	spec := c.spec
	spec.Index.EfSearch = *patch.EfSearch
	raw, err := json.Marshal(storedInfo{Spec: spec, CreatedAt: c.created})
	if err == nil {
		err = s.store.SetInfo(c.name, raw)
	}
	if err == nil {
		c.spec = spec
		c.ef.Store(int64(spec.Index.EfSearch))
	}
	c.mu.Unlock()
	if err != nil {
		return CollectionInfo{}, fmt.Errorf("server: %w", err)
	}
	s.log.Info("collection changed", "collection", c.name, "ef_search", spec.Index.EfSearch)
	return c.info(), nil
}

// defaultEf is the ef a search uses when it sets none: the collection's ef_search as
// set at creation or by PATCH, else the ef calibrated for its target recall, else 0
// (the index's own default).
func (c *collection) defaultEf() int {
	if ef := int(c.ef.Load()); ef > 0 {
		return ef
	}
	if cal := c.calibration.Load(); cal != nil {
		return cal.Ef
	}
	return 0
}

// stats is Stats on the local engine.
func (t localTier) stats(ctx context.Context, collection string) (CollectionStats, error) {
	s := t.s
	c, err := s.lookup(collection)
	if err != nil {
		return CollectionStats{}, err
	}
	st := CollectionStats{Name: c.name, Status: StatusLoading, Compacting: c.compacting.Load()}
	if c.loading.Load() {
		return st, nil
	}
	st.Status = StatusReady
	c.writeMu.Lock()
	st.Generation, st.SnapshotGeneration = c.gen, c.snapGen
	c.writeMu.Unlock()
	c.mu.RLock()
	st.Documents = len(c.docs)
	if !c.deleted {
		is := c.vec.Stats()
		st.LiveVectors, st.DeletedVectors, st.Engine, st.EfSearch = is.Count, is.Deleted, is.Engine, is.EfSearch
	}
	c.mu.RUnlock()
	if ef := c.defaultEf(); ef > 0 {
		st.EfSearch = ef
	}
	if cal := c.calibration.Load(); cal != nil {
		st.CalibratedEf, st.CalibratedRecall, st.CalibratedVectors = cal.Ef, cal.Recall, cal.Vectors
	}
	if st.StoreBytes, err = s.store.Bytes(c.name); err != nil {
		return CollectionStats{}, fmt.Errorf("server: %w", err)
	}
	for i, p := range snapshotPaths(s.cfg.DataDir, c.name) {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		st.SnapshotBytes += fi.Size()
		if i == 2 {
			age := time.Since(fi.ModTime()).Seconds()
			st.SnapshotAgeSeconds = &age
		}
	}
	if ch, ok, err := s.store.ChangesSince(c.name, st.SnapshotGeneration); err == nil && ok {
		st.LoggedWrites = ch.Writes
	}
	return st, nil
}

// compact is Compact on the local engine.
func (t localTier) compact(ctx context.Context, collection string) (bool, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return false, err
	}
	if !c.compacting.CompareAndSwap(false, true) {
		return false, nil
	}
	go s.compact(c)
	return true, nil
}

// maybeCompact starts a compaction when tombstones pass the automatic threshold.
func (s *Server) maybeCompact(c *collection) {
	st := c.vec.Stats()
	if st.Deleted < autoCompactMin || float64(st.Deleted) < autoCompactRatio*float64(st.Deleted+st.Count) {
		return
	}
	if c.compacting.CompareAndSwap(false, true) {
		s.log.Info("automatic compaction", "collection", c.name, "deleted_vectors", st.Deleted, "live_vectors", st.Count)
		go s.compact(c)
	}
}

// compact builds a fresh index from the store while writes go on, catches up with the
// writes made meanwhile from the change log (snapshots, which trim it, wait), then
// swaps the index in under the collection's write lock.
func (s *Server) compact(c *collection) {
	defer c.compacting.Store(false)
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	start := time.Now()
	fresh, err := s.deps.newIndex(c.spec.Dimension, index.Metric(c.spec.Metric), c.spec.Index)
	if err != nil {
		s.log.Error("compaction failed", "collection", c.name, "err", err)
		return
	}
	var (
		keys []uint64
		vecs [][]float32
	)
	flush := func() error {
		var err error
		if len(keys) > 0 {
			err = fresh.Upsert(keys, vecs)
		}
		keys, vecs = keys[:0], vecs[:0]
		return err
	}
	scanGen, err := s.store.Scan(c.name, true, func(r store.Record) error {
		if len(r.Passages) == 0 {
			keys, vecs = append(keys, r.Key), append(vecs, r.Vector)
		}
		for _, p := range r.Passages {
			keys, vecs = append(keys, p.Key), append(vecs, p.Vector)
		}
		if len(keys) >= rebuildBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = index.WaitBuild(fresh)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err == nil && c.isDeleted() {
		err = fmt.Errorf("collection deleted")
	}
	if err == nil {
		var ch store.Changes
		var ok bool
		if ch, ok, err = s.store.ChangesSince(c.name, scanGen); err == nil && !ok {
			err = fmt.Errorf("change log does not cover generation %d", scanGen)
		}
		if err == nil {
			err = s.replayInto(c.name, fresh, nil, ch)
		}
	}
	if err != nil {
		_ = fresh.Close()
		s.log.Error("compaction failed", "collection", c.name, "err", err)
		return
	}
	c.mu.Lock()
	old := c.vec
	c.vec = fresh
	c.mu.Unlock()
	_ = old.Close()
	c.snapGen = 0 // the snapshot on disk holds the old graph: write the new one next time
	c.indexBroken = false
	c.calibration.Store(nil) // a new graph: measure again
	s.maybeCalibrate(c)
	s.log.Info("collection compacted", "collection", c.name, "vectors", fresh.Len(), "elapsed", time.Since(start))
}

// backup is Backup on the local engine.
func (t localTier) backup(ctx context.Context, collection string, head func(wire.BackupHeader) error, rec func(wire.BackupRecord) error) error {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return err
	}
	c.mu.RLock()
	spec := c.spec
	c.mu.RUnlock()
	err = s.store.Export(c.name, func(gen uint64, n int) error {
		return head(wire.BackupHeader{Format: wire.BackupFormat, Collection: c.name, Spec: spec, Generation: gen, Documents: n})
	}, func(r store.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		br := wire.BackupRecord{ID: r.ID, Title: r.Title, Text: r.Text, Metadata: r.Metadata, Vector: r.Vector}
		for _, p := range r.Passages {
			br.Passages = append(br.Passages, wire.BackupPassage{Start: p.Start, End: p.End, Vector: p.Vector})
		}
		return rec(br)
	})
	if err != nil {
		return fmt.Errorf("server: backup %q: %w", collection, err)
	}
	return nil
}

// restoreBatch is how many backup records one restore transaction writes.
const restoreBatch = 1000

// restore is Restore on the local engine.
func (t localTier) restore(ctx context.Context, collection string, head wire.BackupHeader, next func() (wire.BackupRecord, error)) (int, error) {
	s := t.s
	if head.Format != wire.BackupFormat {
		return 0, invalid("format", "not an instructd backup (format %q, want %q)", head.Format, wire.BackupFormat)
	}
	if _, err := s.lookup(collection); err == nil {
		return 0, fmt.Errorf("server: collection %q exists: delete it first or restore under another name: %w", collection, ErrConflict)
	}
	// A backup made on a backend carries its storage-tier fields; they mean nothing here.
	spec := head.Spec
	spec.Replicas, spec.Shards, spec.Consistency = 0, 0, ""
	if _, _, err := s.CreateCollection(ctx, collection, spec); err != nil {
		return 0, err
	}
	c, err := s.collection(collection)
	if err != nil {
		return 0, err
	}
	return s.restoreRecords(c, next, func(recs []store.Record, _ int) error { return s.commit(c, recs) })
}

// restoreRecords reads a backup's records with next until errEndOfBackup, checks each
// against c (checkRestored) and hands them to write restoreBatch at a time (first is
// the backup index of recs[0]); it returns how many records write took.
func (s *Server) restoreRecords(c *collection, next func() (wire.BackupRecord, error), write func(recs []store.Record, first int) error) (int, error) {
	restored, first := 0, 0
	var recs []store.Record
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		if err := write(recs, first); err != nil {
			return err
		}
		restored += len(recs)
		recs = nil
		return nil
	}
	for i := 0; ; i++ {
		br, err := next()
		if errors.Is(err, errEndOfBackup) {
			break
		}
		if err != nil {
			return restored, err
		}
		r := store.Record{ID: br.ID, Title: br.Title, Text: br.Text, Metadata: br.Metadata, Vector: br.Vector}
		if err := s.checkRestored(c, &r, br, i); err != nil {
			return restored, err
		}
		if len(recs) == 0 {
			first = i
		}
		recs = append(recs, r)
		if len(recs) == restoreBatch {
			if err := flush(); err != nil {
				return restored, err
			}
		}
	}
	return restored, flush()
}

// errEndOfBackup ends Restore's records; next returns it (wrapped or not) at the end.
var errEndOfBackup = errors.New("end of backup")

// EndOfBackup is what Restore's next returns after the last record.
func EndOfBackup() error { return errEndOfBackup }

// checkRestored validates one backup record and fills its passages.
func (s *Server) checkRestored(c *collection, r *store.Record, br wire.BackupRecord, i int) error {
	field := fmt.Sprintf("records[%d]", i)
	if r.ID == "" || len(r.ID) > maxIDBytes {
		return invalid(field+".id", "must be 1 to %d bytes", maxIDBytes)
	}
	if len(br.Metadata) > 0 {
		var m map[string]any
		if err := json.Unmarshal(br.Metadata, &m); err != nil {
			return invalid(field+".metadata", "not a JSON object: %v", err)
		}
	}
	switch {
	case len(br.Passages) > 0:
		for _, p := range br.Passages {
			if err := validateVector(p.Vector, c.spec.Dimension, c.spec.Metric); err != nil {
				return invalid(field+".passages", "%v", err)
			}
			if p.Start < 0 || p.End < p.Start || p.End > len(r.Text) {
				return invalid(field+".passages", "span [%d, %d) outside the text", p.Start, p.End)
			}
			r.Passages = append(r.Passages, store.Passage{Start: p.Start, End: p.End, Vector: p.Vector})
		}
		r.Vector = nil
	default:
		if err := validateVector(r.Vector, c.spec.Dimension, c.spec.Metric); err != nil {
			return invalid(field+".vector", "%v", err)
		}
	}
	return nil
}

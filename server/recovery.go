package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/internal/atomicfile"
	"github.com/instructd/instructd/server/store"
)

// indexDir is the snapshot directory inside DataDir.
const indexDir = "indexes"

// rebuildBatch is how many vectors a rebuild hands the index per Upsert.
const rebuildBatch = 4096

// snapshotPaths returns a collection's vector snapshot, lexical snapshot and
// generation sidecar. Names are validated ([a-zA-Z0-9_-]), so they are safe here.
func snapshotPaths(dataDir, name string) [3]string {
	base := filepath.Join(dataDir, indexDir, name)
	return [3]string{base + ".idx", base + ".lex", base + ".gen"}
}

// removeTempFiles deletes leftovers of interrupted snapshot writes.
func removeTempFiles(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			p := filepath.Join(dir, e.Name())
			log.Info("removing interrupted snapshot file", "path", p)
			_ = os.Remove(p)
		}
	}
}

// registerStored adds every stored collection to s.colls, marked loading; the caller
// then recovers them with recoverLoading. Only the specs are read here.
func (s *Server) registerStored() ([]*collection, error) {
	cols, err := s.store.Collections()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	out := make([]*collection, 0, len(cols))
	for _, sc := range cols {
		var info storedInfo
		if err := json.Unmarshal(sc.Info, &info); err != nil {
			return nil, fmt.Errorf("server: collection %q: decode spec: %w", sc.Name, err)
		}
		var p *pack
		if info.Spec.Model != "" {
			if p = s.packByName[info.Spec.Model]; p == nil {
				s.log.Warn("collection's model pack is not loaded: documents without vectors and text queries will be refused",
					"collection", sc.Name, "model", info.Spec.Model)
			}
		}
		c := newCollection(sc.Name, info, p, nil, nil)
		c.loading.Store(true)
		s.colls[sc.Name] = c
		out = append(out, c)
	}
	return out, nil
}

// recoverLoading recovers collections one by one (they answer 503 until theirs is
// done), then marks the server ready. A failure leaves that collection loading
// (its requests keep answering 503) and is logged; the others go on.
func (s *Server) recoverLoading(ctx context.Context, cs []*collection) {
	defer close(s.recoverDone)
	start := time.Now()
	failed := 0
	for _, c := range cs {
		if err := ctx.Err(); err != nil {
			s.recoverErr = fmt.Errorf("server: recovery cancelled: %w", err)
			return
		}
		if s.deps.hooks.recovering != nil {
			s.deps.hooks.recovering(c.name)
		}
		if err := s.recoverCollection(ctx, c); err != nil {
			failed++
			s.recoverErr = errors.Join(s.recoverErr, err)
			s.log.Error("collection recovery failed: it stays unavailable", "collection", c.name, "err", err)
			continue
		}
		c.loading.Store(false)
		s.metrics.documents.WithLabelValues(c.name).Set(float64(c.count()))
		c.writeMu.Lock()
		s.maybeCalibrate(c)
		c.writeMu.Unlock()
	}
	if failed == 0 && ctx.Err() == nil {
		s.ready.Store(!s.closed.Load())
	}
	s.log.Info("collections recovered", "collections", len(cs), "failed", failed, "elapsed", time.Since(start))
}

// WaitRecovered blocks until start-up recovery has finished (or ctx ends) and returns
// the errors of collections that failed to recover (they stay unavailable).
func (s *Server) WaitRecovered(ctx context.Context) error {
	select {
	case <-s.recoverDone:
		return s.recoverErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recoverCollection fills c's maps from the store and loads its snapshots. A snapshot
// whose generation equals the store's is used as is; an older one is used when the
// store's change log covers every write after it, and those writes alone are replayed
// on top (a WAL tail over a checkpoint). Otherwise the indexes are rebuilt from the
// stored vectors and text.
func (s *Server) recoverCollection(ctx context.Context, c *collection) error {
	start := time.Now()
	paths := snapshotPaths(s.cfg.DataDir, c.name)
	gen, err := s.store.Generation(c.name)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	snapGen, ok := readGeneration(paths[2])
	var changes store.Changes
	fresh, reason := false, "missing"
	switch {
	case ok && snapGen == gen:
		fresh, reason = true, "fresh"
	case ok && snapGen < gen:
		var covered bool
		if changes, covered, err = s.store.ChangesSince(c.name, snapGen); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		fresh, reason = covered, "replay"
		if !covered {
			reason = "stale"
		}
	case ok:
		reason = "stale"
	}
	if fresh {
		if c.vec, err = s.deps.loadIndex(paths[0]); err != nil {
			s.log.Warn("index snapshot unusable, rebuilding from the store", "collection", c.name, "err", err)
			fresh, reason = false, "corrupt"
		}
	}
	textFresh := fresh && s.deps.loadText != nil
	if textFresh {
		if c.text, err = s.deps.loadText(paths[1]); err != nil {
			s.log.Warn("lexical snapshot unusable, rebuilding from the store", "collection", c.name, "err", err)
			textFresh = false
		}
	}
	if !fresh {
		if c.vec, err = s.deps.newIndex(c.spec.Dimension, index.Metric(c.spec.Metric), c.spec.Index); err != nil {
			return fmt.Errorf("server: collection %q: new index: %w", c.name, err)
		}
	}
	if !textFresh {
		c.text = s.newText()
	}
	var (
		keys    []uint64
		vecs    [][]float32
		vectors int
		upErr   error
	)
	flush := func() {
		if len(keys) > 0 && upErr == nil {
			upErr = c.vec.Upsert(keys, vecs)
		}
		keys, vecs = keys[:0], vecs[:0]
	}
	scanGen, err := s.store.Scan(c.name, !fresh, func(r store.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := entryFromRecord(&r)
		if err != nil {
			return err
		}
		c.addEntry(e)
		if c.text != nil && !textFresh {
			c.text.Upsert(e.key, lexicalText(r.Title, r.Text))
		}
		if len(r.Passages) == 0 {
			vectors++
		}
		vectors += len(r.Passages)
		if !fresh {
			if len(r.Passages) == 0 {
				keys, vecs = append(keys, r.Key), append(vecs, r.Vector)
			}
			for _, p := range r.Passages {
				keys, vecs = append(keys, p.Key), append(vecs, p.Vector)
			}
			if len(keys) >= rebuildBatch {
				flush()
			}
		}
		return upErr
	})
	flush()
	if err == nil {
		err = upErr
	}
	overlay := false
	if err == nil && fresh && changes.Writes > 0 {
		// The replayed writes go to a small exact side index, folded into the graph in
		// the background once the collection is up (see index.BeginOverlay).
		overlay = index.BeginOverlay(c.vec)
		err = s.replay(c, changes, textFresh)
	}
	if err != nil {
		return fmt.Errorf("server: recover collection %q: %w", c.name, err)
	}
	if fresh && c.vec.Len() != vectors {
		// A snapshot plus its replayed writes must hold exactly the stored vectors.
		s.log.Warn("index snapshot disagrees with the store, rebuilding", "collection", c.name,
			"snapshot", c.vec.Len(), "store", vectors)
		_ = c.vec.Close()
		c.vec = nil
		c.docs, c.keys, c.docKeys = map[string]*docEntry{}, map[uint64]keyRef{}, map[uint64]*docEntry{}
		if err := os.Remove(paths[2]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("server: collection %q: remove sidecar: %w", c.name, err)
		}
		return s.recoverCollection(ctx, c)
	}
	// An index that crossed the exact threshold while being filled (or a snapshot saved
	// mid-build) builds its graph in the background; recovery waits for it, so that the
	// collection comes back on HNSW.
	engine := c.vec.Stats().Engine
	if err := index.WaitBuild(c.vec); err != nil {
		s.log.Warn("HNSW graph build failed: the collection stays on exact search", "collection", c.name, "err", err)
	}
	if overlay {
		index.StartFold(c.vec)
		go func(vec index.Index, start time.Time) {
			if err := index.WaitBuild(vec); err != nil {
				s.log.Warn("folding replayed writes into the graph failed: they stay in the exact side index",
					"collection", c.name, "err", err)
				return
			}
			c.mu.RLock()
			current := c.vec == vec // not closed by a compaction or a deletion meanwhile
			c.mu.RUnlock()
			if current && !c.isDeleted() && !s.closed.Load() {
				s.log.Info("replayed writes folded into the graph", "collection", c.name, "elapsed", time.Since(start))
			}
		}(c.vec, time.Now())
	}
	c.gen = scanGen
	if fresh {
		c.snapGen = snapGen
		if c.vec.Stats().Engine != engine {
			c.snapGen = 0 // the snapshot holds the exact engine: write the graph next time
		}
	} else {
		s.metrics.rebuilds.WithLabelValues(reason).Inc()
	}
	s.log.Info("collection recovered", "collection", c.name, "documents", len(c.docs), "vectors", c.vec.Len(),
		"snapshot", fresh, "reason", reason, "replayed_writes", changes.Writes, "elapsed", time.Since(start))
	return nil
}

// replay applies the logged writes after a snapshot to its loaded indexes: it drops
// every key those writes dropped, then upserts the current vectors (and text) of every
// document they touched. Writes already in the snapshot are applied again harmlessly.
func (s *Server) replay(c *collection, ch store.Changes, text bool) error {
	var ti textIndex
	if text {
		ti = c.text
	}
	return s.replayInto(c.name, c.vec, ti, ch)
}

// replayInto applies logged writes to vec and, when not nil, to text.
func (s *Server) replayInto(coll string, vec index.Index, text textIndex, ch store.Changes) error {
	if len(ch.Dropped) > 0 {
		if err := vec.Delete(ch.Dropped...); err != nil {
			return fmt.Errorf("replay deletes: %w", err)
		}
		if text != nil {
			for _, k := range ch.Dropped {
				text.Delete(k)
			}
		}
	}
	for lo := 0; lo < len(ch.IDs); lo += rebuildBatch {
		ids := ch.IDs[lo:min(lo+rebuildBatch, len(ch.IDs))]
		recs, err := s.store.GetMany(coll, ids, true)
		if err != nil {
			return err
		}
		var (
			keys []uint64
			vecs [][]float32
		)
		for _, r := range recs {
			if r == nil {
				continue // deleted since: its keys were dropped above
			}
			if len(r.Passages) == 0 {
				keys, vecs = append(keys, r.Key), append(vecs, r.Vector)
			}
			for _, p := range r.Passages {
				keys, vecs = append(keys, p.Key), append(vecs, p.Vector)
			}
			if text != nil {
				text.Upsert(r.Key, lexicalText(r.Title, r.Text))
			}
		}
		if len(keys) > 0 {
			if err := vec.Upsert(keys, vecs); err != nil {
				return fmt.Errorf("replay upserts: %w", err)
			}
		}
	}
	return nil
}

// entryFromRecord builds the in-memory entry of a stored record.
func entryFromRecord(r *store.Record) (*docEntry, error) {
	e := &docEntry{id: r.ID, key: r.Key}
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &e.meta); err != nil {
			return nil, fmt.Errorf("document %q: decode metadata: %w", r.ID, err)
		}
	}
	for _, p := range r.Passages {
		e.passages = append(e.passages, passageRef{key: p.Key, start: p.Start, end: p.End})
	}
	return e, nil
}

// addEntry maps a document and its vector keys; the caller holds c.mu or owns c.
func (c *collection) addEntry(e *docEntry) {
	c.docs[e.id] = e
	c.docKeys[e.key] = e
	if len(e.passages) == 0 {
		c.keys[e.key] = keyRef{doc: e, passage: -1}
	}
	for i, p := range e.passages {
		c.keys[p.key] = keyRef{doc: e, passage: i}
	}
}

// removeEntry unmaps a document; the caller holds c.mu.
func (c *collection) removeEntry(e *docEntry) {
	delete(c.docs, e.id)
	delete(c.docKeys, e.key)
	delete(c.keys, e.key)
	for _, p := range e.passages {
		delete(c.keys, p.key)
	}
}

// lexicalText is what the lexical index sees of a document.
func lexicalText(title, text string) string {
	if title == "" {
		return text
	}
	return title + "\n" + text
}

// readGeneration reads a snapshot sidecar; ok is false when it is missing or unreadable.
func readGeneration(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	g, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return g, err == nil
}

// snapshotAll snapshots every collection changed since its last snapshot.
func (s *Server) snapshotAll(ctx context.Context) error {
	s.mu.RLock()
	cs := make([]*collection, 0, len(s.colls))
	for _, c := range s.colls {
		cs = append(cs, c)
	}
	s.mu.RUnlock()
	var errs []error
	for _, c := range cs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := s.snapshot(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// snapshot writes c's indexes and then its generation sidecar, unless nothing changed,
// and trims the store's change log up to that generation. Writers wait only while the
// generation is read: the indexes copy themselves out under their own read locks, so a
// snapshot may hold writes newer than its generation, which recovery replays again
// harmlessly from the change log. Searches go on throughout.
func (s *Server) snapshot(c *collection) error {
	if c.loading.Load() {
		return nil
	}
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	c.writeMu.Lock()
	gen, skip := c.gen, c.indexBroken || c.gen == c.snapGen
	c.writeMu.Unlock()
	if skip || c.isDeleted() {
		return nil
	}
	if s.deps.hooks.snapshotting != nil {
		s.deps.hooks.snapshotting(c.name)
	}
	start := time.Now()
	paths := snapshotPaths(s.cfg.DataDir, c.name)
	c.mu.RLock()
	err := c.vec.Save(paths[0])
	if err == nil && c.text != nil {
		err = c.text.Save(paths[1])
	}
	c.mu.RUnlock()
	if err == nil && s.deps.hooks.snapshotWritten != nil {
		s.deps.hooks.snapshotWritten(c.name)
	}
	if err == nil {
		err = atomicfile.Write(paths[2], []byte(strconv.FormatUint(gen, 10)+"\n"))
	}
	if err != nil {
		if c.isDeleted() {
			return nil
		}
		s.metrics.snapshots.WithLabelValues("error").Inc()
		return fmt.Errorf("server: snapshot %q: %w", c.name, err)
	}
	c.writeMu.Lock()
	c.snapGen = gen
	c.writeMu.Unlock()
	if err := s.store.TrimLog(c.name, gen); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("trim change log", "collection", c.name, "err", err)
	}
	s.metrics.snapshots.WithLabelValues("ok").Inc()
	s.log.Info("snapshot written", "collection", c.name, "generation", gen, "elapsed", time.Since(start))
	return nil
}

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

// recoverCollections loads every stored collection, with fresh snapshots or rebuilt indexes.
func (s *Server) recoverCollections(ctx context.Context) error {
	cols, err := s.store.Collections()
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	for _, sc := range cols {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("server: recovery cancelled: %w", err)
		}
		var info storedInfo
		if err := json.Unmarshal(sc.Info, &info); err != nil {
			return fmt.Errorf("server: collection %q: decode spec: %w", sc.Name, err)
		}
		var p *pack
		if info.Spec.Model != "" {
			if p = s.packByName[info.Spec.Model]; p == nil {
				s.log.Warn("collection's model pack is not loaded: documents without vectors and text queries will be refused",
					"collection", sc.Name, "model", info.Spec.Model)
			}
		}
		c := newCollection(sc.Name, info, p, nil, nil)
		if err := s.recoverCollection(c); err != nil {
			c.close()
			return err
		}
		s.colls[sc.Name] = c
		s.metrics.documents.WithLabelValues(sc.Name).Set(float64(len(c.docs)))
	}
	return nil
}

// recoverCollection fills c's maps from the store and loads its snapshots when their
// generation equals the store's, else rebuilds the indexes from stored vectors and text.
func (s *Server) recoverCollection(c *collection) error {
	start := time.Now()
	paths := snapshotPaths(s.cfg.DataDir, c.name)
	gen, err := s.store.Generation(c.name)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	snapGen, ok := readGeneration(paths[2])
	fresh := ok && snapGen == gen
	reason := "missing"
	if ok && !fresh {
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
	if err != nil {
		return fmt.Errorf("server: recover collection %q: %w", c.name, err)
	}
	if fresh && c.vec.Len() != vectors {
		// A snapshot whose generation matches must hold exactly the stored vectors.
		s.log.Warn("index snapshot disagrees with the store, rebuilding", "collection", c.name,
			"snapshot", c.vec.Len(), "store", vectors)
		_ = c.vec.Close()
		c.vec = nil
		c.docs, c.keys, c.docKeys = map[string]*docEntry{}, map[uint64]keyRef{}, map[uint64]*docEntry{}
		if err := os.Remove(paths[2]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("server: collection %q: remove sidecar: %w", c.name, err)
		}
		return s.recoverCollection(c)
	}
	c.gen = scanGen
	if fresh {
		c.snapGen = scanGen
	} else {
		s.metrics.rebuilds.WithLabelValues(reason).Inc()
	}
	s.log.Info("collection recovered", "collection", c.name, "documents", len(c.docs), "vectors", c.vec.Len(),
		"snapshot", fresh, "reason", map[bool]string{true: "fresh", false: reason}[fresh], "elapsed", time.Since(start))
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

// writeFileAtomic writes data to path through a synced temp file, a rename and a
// directory sync.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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

// snapshot writes c's indexes and then its generation sidecar, unless nothing changed.
// Writers wait meanwhile; searches go on.
func (s *Server) snapshot(c *collection) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.RLock()
	deleted := c.deleted
	c.mu.RUnlock()
	if deleted || c.indexBroken || c.gen == c.snapGen {
		return nil
	}
	start := time.Now()
	paths := snapshotPaths(s.cfg.DataDir, c.name)
	err := c.vec.Save(paths[0])
	if err == nil && c.text != nil {
		err = c.text.Save(paths[1])
	}
	if err == nil {
		err = writeFileAtomic(paths[2], []byte(strconv.FormatUint(c.gen, 10)+"\n"))
	}
	if err != nil {
		s.metrics.snapshots.WithLabelValues("error").Inc()
		return fmt.Errorf("server: snapshot %q: %w", c.name, err)
	}
	c.snapGen = c.gen
	s.metrics.snapshots.WithLabelValues("ok").Inc()
	s.log.Info("snapshot written", "collection", c.name, "generation", c.gen, "elapsed", time.Since(start))
	return nil
}

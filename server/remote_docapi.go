package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/server/store"
	"github.com/instructd/instructd/wire"
)

// The document-maintenance API (listing, patches, bulk delete, stats, compaction,
// backup and restore) on a backend: same validation, answers and wire shapes as the
// local engine's in docapi.go. Differences, all documented in docs/weaviate.md: no
// write lock spans a read-modify-write (two concurrent patches of one document may lose
// one), a backup is a paged read (not one snapshot), compaction is the backend's own.

// backupPage is how many documents (with vectors) one backend read of a backup holds.
const backupPage = 500

// backupScanner is a backend that reads a whole collection in an order of its own
// faster than List pages through it in id order (Weaviate: its object cursor, linear,
// where sorted pages are quadratic). after and next are the backend's own cursors.
type backupScanner interface {
	Scan(ctx context.Context, name, after string, limit int) (recs []backend.Record, next string, err error)
}

func (t *remoteTier) listDocuments(ctx context.Context, collection, cursor string, limit int, filter json.RawMessage) (DocumentPage, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return DocumentPage{}, err
	}
	limit, f, err := listParams(limit, filter)
	if err != nil {
		return DocumentPage{}, err
	}
	var bf *backend.Filter
	if f != nil {
		bf = backendFilter(f)
	}
	recs, next, err := s.remote.b.List(ctx, c.name, cursor, limit, bf, false)
	if err != nil {
		return DocumentPage{}, s.remoteForget(c.name, err)
	}
	page := DocumentPage{Documents: make([]Document, 0, len(recs)), NextCursor: next}
	for i := range recs {
		r := &recs[i]
		page.Documents = append(page.Documents, Document{ID: r.ID, Title: r.Title, Text: r.Text, Metadata: r.Metadata})
	}
	// As the local engine: a full page has a cursor, even when nothing follows it.
	if len(recs) == limit {
		page.NextCursor = recs[len(recs)-1].ID
	}
	return page, nil
}

// patchDocument reads the document with its vectors (passages' for a chunked
// one), applies the patch and writes the whole record back: nothing is re-embedded.
func (t *remoteTier) patchDocument(ctx context.Context, collection, id string, patch DocumentPatch) (Document, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return Document{}, err
	}
	if err := s.checkDocumentPatch(patch); err != nil {
		return Document{}, err
	}
	got, err := s.remote.b.GetMany(ctx, c.name, []string{id}, true)
	if err != nil {
		return Document{}, s.remoteForget(c.name, err)
	}
	if got[0] == nil {
		return Document{}, fmt.Errorf("server: document %q in collection %q %w", id, collection, ErrNotFound)
	}
	r := *got[0]
	if patch.Title != nil {
		r.Title = *patch.Title
	}
	if patch.Metadata != nil {
		r.Metadata = mergePatch(r.Metadata, patch.Metadata)
		if len(r.Metadata) == 0 {
			r.Metadata = nil
		} else if _, err := json.Marshal(r.Metadata); err != nil {
			return Document{}, invalid("metadata", "not JSON-encodable: %v", err)
		}
	}
	errs, err := s.remote.b.Put(ctx, c.name, []backend.Record{r})
	if err != nil {
		return Document{}, s.remoteForget(c.name, err)
	}
	if e := errs[0]; e != nil {
		if errors.Is(e, backend.ErrUnavailable) {
			return Document{}, remoteErr(e)
		}
		return Document{}, invalid("metadata", "%v", e)
	}
	// The answer is what a read returns: metadata through JSON, as stored.
	d := Document{ID: r.ID, Title: r.Title, Text: r.Text}
	if r.Metadata != nil {
		raw, _ := json.Marshal(r.Metadata)
		if err := json.Unmarshal(raw, &d.Metadata); err != nil {
			return Document{}, fmt.Errorf("server: document %q: decode metadata: %w", id, err)
		}
	}
	return d, nil
}

// checkDeleteRequest is DeleteDocuments' validation; hasFilter says which form it is.
func (s *Server) checkDeleteRequest(req DeleteDocumentsRequest) (hasFilter bool, err error) {
	hasFilter = len(req.Filter) > 0 && string(req.Filter) != "null"
	switch {
	case req.IDs != nil && hasFilter:
		return false, invalid("ids", "send ids or filter, not both")
	case req.IDs == nil && !hasFilter:
		return false, invalid("ids", "send ids (a list) or filter (an object)")
	case len(req.IDs) > s.cfg.Limits.MaxDocsPerRequest && s.cfg.Limits.MaxDocsPerRequest > 0:
		return false, invalid("ids", "%d ids is more than the limit of %d per request", len(req.IDs), s.cfg.Limits.MaxDocsPerRequest)
	}
	return hasFilter, nil
}

func (t *remoteTier) deleteDocuments(ctx context.Context, collection string, req DeleteDocumentsRequest) (int, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return 0, err
	}
	hasFilter, err := s.checkDeleteRequest(req)
	if err != nil {
		return 0, err
	}
	var n int
	if hasFilter {
		f, err := parseFilter(req.Filter)
		if err != nil {
			return 0, err
		}
		var bf *backend.Filter
		if f != nil {
			bf = backendFilter(f)
		}
		n, err = s.remote.b.DeleteWhere(ctx, c.name, bf)
		if err != nil {
			return 0, s.remoteForget(c.name, err)
		}
		return n, nil
	}
	if len(req.IDs) == 0 {
		return 0, nil
	}
	if n, err = s.remote.b.DeleteMany(ctx, c.name, req.IDs); err != nil {
		return 0, s.remoteForget(c.name, err)
	}
	return n, nil
}

// patchCollection stores the new ef_search in the backend (spec and stored info,
// as remoteCreateCollection writes them) and replaces the cached collection value, so
// that this process's searches use it at once; other processes see it when they next
// reload the collection list.
func (t *remoteTier) patchCollection(ctx context.Context, collection string, patch CollectionPatch) (CollectionInfo, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return CollectionInfo{}, err
	}
	if err := checkCollectionPatch(patch); err != nil {
		return CollectionInfo{}, err
	}
	info := storedInfo{Spec: c.spec, CreatedAt: c.created}
	info.Spec.Index.EfSearch = *patch.EfSearch
	raw, err := json.Marshal(info)
	if err != nil {
		return CollectionInfo{}, fmt.Errorf("server: encode spec: %w", err)
	}
	if err := s.remote.b.UpdateCollection(ctx, c.name, info.Spec, raw); err != nil {
		return CollectionInfo{}, s.remoteForget(c.name, err)
	}
	nc := newCollection(c.name, info, c.pack, nil, nil)
	s.remote.mu.Lock()
	s.remote.colls[c.name] = nc
	s.remote.mu.Unlock()
	s.log.Info("collection changed", "collection", c.name, "backend", s.remote.b.Name(), "ef_search", info.Spec.Index.EfSearch)
	return s.remoteInfo(ctx, nc)
}

// stats reports what the backend knows: documents, stored objects (documents and
// passages: the vectors in its index) and the default ef. Store, snapshot, generation,
// tombstone and calibration fields describe the local engine and stay zero.
func (t *remoteTier) stats(ctx context.Context, collection string) (CollectionStats, error) {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return CollectionStats{}, err
	}
	bs, err := s.remote.b.Stats(ctx, c.name)
	if err != nil {
		return CollectionStats{}, s.remoteForget(c.name, err)
	}
	return CollectionStats{Name: c.name, Status: StatusReady, Documents: bs.Documents, LiveVectors: bs.Objects,
		Engine: s.remote.b.Name() + "-hnsw", EfSearch: c.defaultEf()}, nil
}

// compact starts nothing: the backend compacts its own storage and index
// (Weaviate: LSM segment compaction and HNSW tombstone cleanup run in the background).
func (t *remoteTier) compact(ctx context.Context, collection string) (bool, error) {
	s := t.s
	if _, err := s.remoteCollection(ctx, collection); err != nil {
		return false, err
	}
	return false, nil
}

// backup writes the local engine's backup stream from backend pages of
// backupPage documents with their vectors: from Scan, in the backend's order, when it
// has one, else from List in id order (restores take any order). It is not one snapshot:
// writes made while it runs may or may not be in it. The header's document count is
// the count when it starts; its generation is 0 (backends have none).
func (t *remoteTier) backup(ctx context.Context, collection string, head func(wire.BackupHeader) error, rec func(wire.BackupRecord) error) error {
	s := t.s
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return err
	}
	n, err := s.remote.b.Count(ctx, c.name)
	if err != nil {
		return s.remoteForget(c.name, err)
	}
	if err := head(wire.BackupHeader{Format: wire.BackupFormat, Collection: c.name, Spec: c.spec, Documents: n}); err != nil {
		return fmt.Errorf("server: backup %q: %w", collection, err)
	}
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("server: backup %q: %w", collection, err)
		}
		var (
			recs []backend.Record
			next string
		)
		if sc, ok := s.remote.b.(backupScanner); ok {
			recs, next, err = sc.Scan(ctx, c.name, after, backupPage)
		} else {
			recs, next, err = s.remote.b.List(ctx, c.name, after, backupPage, nil, true)
		}
		if err != nil {
			return s.remoteForget(c.name, err)
		}
		for i := range recs {
			r := &recs[i]
			br := wire.BackupRecord{ID: r.ID, Title: r.Title, Text: r.Text, Vector: r.Vector}
			if len(r.Metadata) > 0 {
				if br.Metadata, err = json.Marshal(r.Metadata); err != nil {
					return fmt.Errorf("server: backup %q: document %q: encode metadata: %w", collection, r.ID, err)
				}
			}
			for _, p := range r.Passages {
				br.Passages = append(br.Passages, wire.BackupPassage{Start: p.Start, End: p.End, Vector: p.Vector})
			}
			if err := rec(br); err != nil {
				return fmt.Errorf("server: backup %q: %w", collection, err)
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// restore is Restore on a backend: the same checks, the collection created
// through the remote path, then batches of restoreBatch records written without
// re-embedding. A bad record fails the restore, naming it; what was written stays.
func (t *remoteTier) restore(ctx context.Context, collection string, head wire.BackupHeader, next func() (wire.BackupRecord, error)) (int, error) {
	s := t.s
	if head.Format != wire.BackupFormat {
		return 0, invalid("format", "not an instructd backup (format %q, want %q)", head.Format, wire.BackupFormat)
	}
	if _, err := s.remoteCollection(ctx, collection); err == nil {
		return 0, fmt.Errorf("server: collection %q exists: delete it first or restore under another name: %w", collection, ErrConflict)
	} else if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	_, created, err := s.remote.createCollection(ctx, collection, head.Spec)
	if err != nil {
		return 0, err
	}
	if !created { // created by another process meanwhile
		return 0, fmt.Errorf("server: collection %q exists: delete it first or restore under another name: %w", collection, ErrConflict)
	}
	c, err := s.remoteCollection(ctx, collection)
	if err != nil {
		return 0, err
	}
	return s.restoreRecords(c, next, func(recs []store.Record, first int) error {
		out := make([]backend.Record, len(recs))
		for i, sr := range recs {
			r := backend.Record{ID: sr.ID, Title: sr.Title, Text: sr.Text, Vector: sr.Vector}
			if len(sr.Metadata) > 0 {
				if err := json.Unmarshal(sr.Metadata, &r.Metadata); err != nil {
					return invalid(fmt.Sprintf("records[%d].metadata", first+i), "not a JSON object: %v", err)
				}
			}
			for _, p := range sr.Passages {
				r.Passages = append(r.Passages, backend.Passage{Start: p.Start, End: p.End, Vector: p.Vector})
			}
			out[i] = r
		}
		errs, err := s.remote.b.Put(ctx, c.name, out)
		if err != nil {
			return s.remoteForget(c.name, err)
		}
		for i, e := range errs {
			if e == nil {
				continue
			}
			if errors.Is(e, backend.ErrUnavailable) {
				return remoteErr(e)
			}
			return invalid(fmt.Sprintf("records[%d]", first+i), "%v", e)
		}
		return nil
	})
}

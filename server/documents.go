package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/instructd/instructd/server/store"
	"github.com/instructd/instructd/wire"
)

// maxIDBytes bounds a document id.
const maxIDBytes = 512

// maxMetadataDepth bounds metadata nesting.
const maxMetadataDepth = 32

// upsert is Upsert on the local engine.
func (t localTier) upsert(ctx context.Context, collection string, docs []Document) (UpsertResult, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return UpsertResult{}, err
	}
	if err := s.validateDocuments(c, docs); err != nil {
		return UpsertResult{}, err
	}
	docs = dedupe(docs)
	if len(docs) == 0 {
		return UpsertResult{}, nil
	}
	recs := make([]store.Record, len(docs))
	for i := range docs {
		d := &docs[i]
		recs[i] = store.Record{ID: d.ID, Title: d.Title, Text: d.Text, Vector: d.Vector}
		if len(d.Metadata) > 0 {
			if recs[i].Metadata, err = json.Marshal(d.Metadata); err != nil {
				return UpsertResult{}, invalid(fmt.Sprintf("documents[%d].metadata", i), "not JSON-encodable: %v", err)
			}
		}
	}
	truncated, err := s.embedDocuments(ctx, c, recs)
	if err != nil {
		return UpsertResult{}, err
	}
	if err := s.commit(c, recs); err != nil {
		return UpsertResult{}, err
	}
	return UpsertResult{Upserted: len(recs), Truncated: truncated}, nil
}

// dedupe keeps the last document of every id, in order of those last occurrences.
func dedupe(docs []Document) []Document {
	last := make(map[string]int, len(docs))
	for i, d := range docs {
		last[d.ID] = i
	}
	if len(last) == len(docs) {
		return docs
	}
	out := make([]Document, 0, len(last))
	for i, d := range docs {
		if last[d.ID] == i {
			out = append(out, d)
		}
	}
	return out
}

// validateDocuments validates every document of a call (all or nothing); an
// *InputError names the failing field as documents[i].field.
func (s *Server) validateDocuments(c *collection, docs []Document) error {
	for i := range docs {
		if err := s.validateDocument(c, &docs[i]); err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				ie.Field = fmt.Sprintf("documents[%d].%s", i, ie.Field)
			}
			return err
		}
	}
	return nil
}

// validateDocument checks one document against c; field names are relative to it.
func (s *Server) validateDocument(c *collection, d *Document) error {
	switch {
	case d.ID == "":
		return invalid("id", "must not be empty")
	case len(d.ID) > maxIDBytes:
		return invalid("id", "longer than %d bytes", maxIDBytes)
	case !utf8.ValidString(d.ID):
		return invalid("id", "not valid UTF-8")
	case !utf8.ValidString(d.Text):
		return invalid("text", "not valid UTF-8")
	case !utf8.ValidString(d.Title):
		return invalid("title", "not valid UTF-8")
	case len(d.Text) > s.cfg.Limits.MaxTextBytes:
		return invalid("text", "%d bytes exceed the limit of %d", len(d.Text), s.cfg.Limits.MaxTextBytes)
	case len(d.Title) > s.cfg.Limits.MaxTextBytes:
		return invalid("title", "%d bytes exceed the limit of %d", len(d.Title), s.cfg.Limits.MaxTextBytes)
	}
	if d.Vector != nil {
		if err := validateVector(d.Vector, c.spec.Dimension, c.spec.Metric); err != nil {
			return err
		}
	} else {
		switch {
		case c.spec.Model == "":
			return invalid("vector", "required: collection %q holds pre-computed vectors only (it has no model)", c.name)
		case d.Text == "" && d.Title == "":
			return invalid("text", "a document needs text, a title or a vector")
		case c.pack == nil:
			return fmt.Errorf("server: collection %q: model %q is not loaded: %w", c.name, c.spec.Model, ErrUnavailable)
		}
	}
	for k, v := range d.Metadata {
		if err := validateMetadata(v, 0); err != nil {
			return invalid("metadata."+k, "%v", err)
		}
	}
	return nil
}

// validateVector checks dimension and finiteness (and non-zero length under cosine).
func validateVector(v []float32, dim int, metric wire.Metric) error {
	if len(v) != dim {
		return invalid("vector", "has %d dimensions, the collection has %d", len(v), dim)
	}
	var norm float64
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return invalid("vector", "element %d is not finite", i)
		}
		norm += float64(f) * float64(f)
	}
	if metric == wire.Cosine && norm == 0 {
		return invalid("vector", "all zeros: cosine similarity is undefined")
	}
	return nil
}

// validateMetadata accepts JSON values: strings, finite numbers, bools, null, arrays
// and objects of those.
func validateMetadata(v any, depth int) error {
	if depth > maxMetadataDepth {
		return fmt.Errorf("nested deeper than %d levels", maxMetadataDepth)
	}
	switch x := v.(type) {
	case nil, string, bool, json.Number,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if s, ok := x.(string); ok && !utf8.ValidString(s) {
			return errors.New("string is not valid UTF-8")
		}
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return errors.New("number is not finite")
		}
		return nil
	case float32:
		return validateMetadata(float64(x), depth)
	case []any:
		for _, e := range x {
			if err := validateMetadata(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range x {
			if err := validateMetadata(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("unsupported value of type %T", v)
	}
}

// embedDocuments fills the vectors (or passages) of records that have none and
// returns the ids whose text was truncated.
func (s *Server) embedDocuments(ctx context.Context, c *collection, recs []store.Record) ([]string, error) {
	var (
		texts []string
		owner []int // record index of each text
		spans []span
	)
	chunking := c.spec.Chunking != nil && s.deps.chunk != nil
	for i := range recs {
		r := &recs[i]
		if r.Vector != nil {
			continue
		}
		if chunking && r.Text != "" {
			sp, err := s.deps.chunk(c.pack.emb.Tokenizer(), r.Text, c.spec.Chunking.WindowTokens, c.spec.Chunking.OverlapTokens)
			if err != nil {
				return nil, fmt.Errorf("server: chunk document %q: %w", r.ID, err)
			}
			if len(sp) > 0 {
				for _, p := range sp {
					r.Passages = append(r.Passages, store.Passage{Start: p.Start, End: p.End})
					// The window alone: a title prefix could push it past the model's
					// max tokens and make the reported offsets lie.
					texts = append(texts, r.Text[p.Start:p.End])
					owner = append(owner, i)
					spans = append(spans, p)
				}
				continue
			}
		}
		texts = append(texts, lexicalText(r.Title, r.Text))
		owner = append(owner, i)
		spans = append(spans, span{Start: -1})
	}
	if len(texts) == 0 {
		return nil, nil
	}
	res, err := c.pack.emb.Embed(ctx, texts, embedOptions{Wait: true, Dimensions: c.spec.Dimension})
	if err != nil {
		return nil, fmt.Errorf("server: embed %d documents for %q: %w", len(texts), c.name, err)
	}
	if len(res.Vectors) != len(texts) {
		return nil, fmt.Errorf("server: embedder returned %d vectors for %d texts", len(res.Vectors), len(texts))
	}
	var truncated []string
	seen := map[int]bool{}
	next := map[int]int{} // next passage to fill per record
	for j, v := range res.Vectors {
		i := owner[j]
		r := &recs[i]
		if spans[j].Start < 0 {
			r.Vector = v
		} else {
			r.Passages[next[i]].Vector = v
			next[i]++
		}
		if j < len(res.Truncated) && res.Truncated[j] && !seen[i] {
			seen[i] = true
			truncated = append(truncated, r.ID)
		}
	}
	return truncated, nil
}

// commit writes recs durably, then updates the maps and indexes, all under writeMu so
// that concurrent upserts of one id reach the indexes in commit order.
func (s *Server) commit(c *collection, recs []store.Record) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return s.commitLocked(c, recs)
}

// commitLocked is commit with c.writeMu held by the caller.
func (s *Server) commitLocked(c *collection, recs []store.Record) error {
	if c.isDeleted() {
		return fmt.Errorf("server: collection %q %w", c.name, ErrNotFound)
	}
	res, err := s.store.Put(c.name, recs)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	c.gen = res.Generation
	keys := make([]uint64, 0, len(recs))
	vecs := make([][]float32, 0, len(recs))
	entries := make([]*docEntry, len(recs))
	for i := range recs {
		e, err := entryFromRecord(&recs[i])
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		entries[i] = e
		if len(recs[i].Passages) == 0 {
			keys, vecs = append(keys, recs[i].Key), append(vecs, recs[i].Vector)
		}
		for _, p := range recs[i].Passages {
			keys, vecs = append(keys, p.Key), append(vecs, p.Vector)
		}
	}
	c.mu.Lock()
	for _, e := range entries {
		if old := c.docs[e.id]; old != nil {
			c.removeEntry(old)
		}
		c.addEntry(e)
	}
	n := len(c.docs)
	c.mu.Unlock()
	if len(res.Stale) > 0 {
		err = c.vec.Delete(res.Stale...)
	}
	if err == nil {
		err = c.vec.Upsert(keys, vecs)
	}
	if err != nil {
		// The store holds the documents; the index does not. Never snapshot this index:
		// the next start rebuilds it from the store.
		c.indexBroken = true
		return fmt.Errorf("server: collection %q: index update after commit: %w", c.name, err)
	}
	if c.text != nil {
		for i := range recs {
			c.text.Upsert(recs[i].Key, lexicalText(recs[i].Title, recs[i].Text))
		}
	}
	s.metrics.ingested.WithLabelValues(c.name).Add(float64(len(recs)))
	s.metrics.documents.WithLabelValues(c.name).Set(float64(n))
	s.maybeCalibrate(c)
	return nil
}

// isDeleted reports whether DeleteCollection removed c.
func (c *collection) isDeleted() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.deleted
}

// getDocument is GetDocument on the local engine.
func (t localTier) getDocument(ctx context.Context, collection, id string) (Document, error) {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return Document{}, err
	}
	r, err := s.store.Get(c.name, id)
	if errors.Is(err, store.ErrNotFound) {
		return Document{}, fmt.Errorf("server: document %q in collection %q %w", id, collection, ErrNotFound)
	}
	if err != nil {
		return Document{}, fmt.Errorf("server: %w", err)
	}
	return documentFromRecord(&r, true)
}

// documentFromRecord converts a stored record.
func documentFromRecord(r *store.Record, withVector bool) (Document, error) {
	d := Document{ID: r.ID, Text: r.Text, Title: r.Title}
	if withVector {
		d.Vector = r.Vector
	}
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &d.Metadata); err != nil {
			return Document{}, fmt.Errorf("server: document %q: decode metadata: %w", r.ID, err)
		}
	}
	return d, nil
}

// deleteDocument is DeleteDocument on the local engine.
func (t localTier) deleteDocument(ctx context.Context, collection, id string) error {
	s := t.s
	c, err := s.collection(collection)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.isDeleted() {
		return fmt.Errorf("server: collection %q %w", collection, ErrNotFound)
	}
	prev, gen, err := s.store.Delete(c.name, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("server: document %q in collection %q %w", id, collection, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	c.gen = gen
	c.mu.Lock()
	if e := c.docs[id]; e != nil {
		c.removeEntry(e)
	}
	n := len(c.docs)
	c.mu.Unlock()
	keys := []uint64{prev.Key}
	for _, p := range prev.Passages {
		keys = append(keys, p.Key)
	}
	if err := c.vec.Delete(keys...); err != nil {
		c.indexBroken = true
		return fmt.Errorf("server: collection %q: index delete after commit: %w", c.name, err)
	}
	if c.text != nil {
		c.text.Delete(prev.Key)
	}
	s.metrics.documents.WithLabelValues(c.name).Set(float64(n))
	s.maybeCompact(c)
	return nil
}

package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/instructd/instructd/server/constraints"
	"github.com/instructd/instructd/server/store"
)

// searchSource is the storage and search tier one search runs on: the local engine
// (localSource: the collection's vector and BM25 indexes, and the store) or a
// backend.Backend (remoteSource, remote_search.go). Everything else a search does —
// plan, query embedding, fusion, negative constraints, the rerank stage, min_score and
// include — is the same code on both (search.go, negative.go, search_rerank.go).
type searchSource interface {
	// dense returns up to n documents nearest to qvec, best first, filtered by p.filter;
	// in a chunked collection each document once, with its best passage.
	dense(ctx context.Context, qvec []float32, n int, p *searchPlan) ([]candidate, error)
	// lexical returns up to n documents by BM25 of query, best first, filtered.
	lexical(ctx context.Context, query string, n int, p *searchPlan) ([]candidate, error)
	// docs reads the candidates' stored documents (nil where deleted since), with
	// vectors when withVector. allPassages asks for every passage of a chunked document
	// (the rerank stage scores them); otherwise the span of the candidate's own passage
	// is enough.
	docs(ctx context.Context, cands []candidate, withVector, allPassages bool) ([]*storedDoc, error)
	// termStats returns the document frequencies negative constraints weigh their
	// terms by (nil: every term weighs the same).
	termStats(ctx context.Context, cs []constraints.Constraint) (constraints.Stats, error)
	// missingShards names the shards a search could not reach (allow_partial).
	missingShards() []string
}

// storedDoc is what a search reads of a stored document.
type storedDoc struct {
	title, text string
	// metaJSON (local) or meta (remote) holds the metadata; see metadata.
	metaJSON []byte
	meta     map[string]any
	vector   []float32
	passages []store.Passage
}

// metadata returns the decoded metadata (nil when there is none).
func (d *storedDoc) metadata(id string) (map[string]any, error) {
	if d.meta != nil || len(d.metaJSON) == 0 {
		return d.meta, nil
	}
	var m map[string]any
	if err := json.Unmarshal(d.metaJSON, &m); err != nil {
		return nil, fmt.Errorf("server: document %q: decode metadata: %w", id, err)
	}
	return m, nil
}

// vectors returns the document's vector, or its passages' vectors.
func (d *storedDoc) vectors() [][]float32 {
	var out [][]float32
	if d.vector != nil {
		out = append(out, d.vector)
	}
	for _, ps := range d.passages {
		if ps.Vector != nil {
			out = append(out, ps.Vector)
		}
	}
	return out
}

// localSource searches a collection of the local engine. dense and lexical expect the
// caller to hold c.mu for reading (Server.candidates does).
type localSource struct {
	s *Server
	c *collection
}

func (l localSource) dense(ctx context.Context, qvec []float32, n int, p *searchPlan) ([]candidate, error) {
	return l.c.dense(ctx, qvec, n, p)
}

func (l localSource) lexical(_ context.Context, query string, n int, p *searchPlan) ([]candidate, error) {
	return l.c.lexical(query, n, p), nil
}

func (l localSource) docs(_ context.Context, cands []candidate, withVector, _ bool) ([]*storedDoc, error) {
	ids := make([]string, len(cands))
	for i, cd := range cands {
		ids[i] = cd.doc.id
	}
	recs, err := l.s.store.GetMany(l.c.name, ids, withVector)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("server: collection %q %w", l.c.name, ErrNotFound) // deleted meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("server: read %d documents of %q: %w", len(ids), l.c.name, err)
	}
	out := make([]*storedDoc, len(recs))
	for i, r := range recs {
		if r != nil {
			out[i] = &storedDoc{title: r.Title, text: r.Text, metaJSON: r.Metadata, vector: r.Vector, passages: r.Passages}
		}
	}
	return out, nil
}

func (localSource) missingShards() []string { return nil }

func (l localSource) termStats(context.Context, []constraints.Constraint) (constraints.Stats, error) {
	if l.c.text == nil {
		return nil, nil
	}
	return l.c.text, nil
}

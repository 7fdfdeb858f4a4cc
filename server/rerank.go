package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
	"github.com/instructd/instructd/wire"
)

// Rerank wire shapes (POST /v1/rerank).
type (
	RerankRequest  = wire.RerankRequest
	RerankResponse = wire.RerankResponse
	RerankResult   = wire.RerankResult
	RerankDocument = wire.RerankDocument
	RerankStage    = wire.RerankStage
)

// reranker is what server needs from one loaded reranker pack (embed.Reranker, adapted
// below). Like embedder, it returns ErrOverloaded on a full queue and ErrUnavailable once closed.
type reranker interface {
	Rerank(ctx context.Context, query string, documents []string, opts rerankOptions) (rerankResult, error)
	Manifest() models.Manifest
	Close() error
}

// rerankOptions shape one reranker call.
type rerankOptions struct {
	// Instruction overrides the pack's default instruction; nil keeps it.
	Instruction *string
}

// rerankResult holds one score per document, in order.
type rerankResult struct {
	Scores []float32
	Tokens int
}

// rerankPack is one loaded reranker pack.
type rerankPack struct {
	name string
	dir  string
	rr   reranker
}

// packReranker adapts an embed.Reranker to the reranker interface, translating its errors
// into server's sentinels.
type packReranker struct {
	r *embed.Reranker
}

// openPackReranker loads a reranker pack with the server's batching settings (the
// embedding ones: both run the same batcher) and wires embed's hooks to the metrics.
func openPackReranker(ctx context.Context, packDir string, cfg Config, m *metrics) (reranker, error) {
	ec, err := engineConfig(packDir, cfg, m)
	if err != nil {
		return nil, err
	}
	if cfg.Embedding.MaxBatchTokens <= 0 {
		ec.MaxBatchTokens = embed.DefaultRerankMaxBatchTokens
	}
	r, err := embed.OpenReranker(ctx, packDir, ec)
	if err != nil {
		return nil, err
	}
	return &packReranker{r: r}, nil
}

func (p *packReranker) Rerank(ctx context.Context, query string, documents []string, opts rerankOptions) (rerankResult, error) {
	res, err := p.r.Rerank(ctx, query, documents, embed.RerankOptions{Instruction: opts.Instruction})
	switch {
	case err == nil:
		return rerankResult{Scores: res.Scores, Tokens: res.Tokens}, nil
	case errors.Is(err, embed.ErrOverloaded):
		return rerankResult{}, fmt.Errorf("%w: %w", ErrOverloaded, err)
	case errors.Is(err, embed.ErrClosed):
		return rerankResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case errors.Is(err, embed.ErrInvalidInput):
		return rerankResult{}, &InputError{Field: "documents", Message: err.Error()}
	}
	return rerankResult{}, err
}

func (p *packReranker) Manifest() models.Manifest { return p.r.Manifest() }
func (p *packReranker) Close() error              { return p.r.Close() }

// addReranker registers a loaded reranker pack under its manifest name.
func (s *Server) addReranker(dir string, rr reranker) error {
	p := &rerankPack{name: rr.Manifest().Name, dir: dir, rr: rr}
	if _, dup := s.packByName[p.name]; dup {
		return fmt.Errorf("server: pack %q loaded twice (%s)", p.name, dir)
	}
	if _, dup := s.rerankerByName[p.name]; dup {
		return fmt.Errorf("server: pack %q loaded twice (%s)", p.name, dir)
	}
	if s.rerankerByName == nil {
		s.rerankerByName = map[string]*rerankPack{}
	}
	s.rerankers = append(s.rerankers, p)
	s.rerankerByName[p.name] = p
	s.log.Info("reranker pack loaded", "model", p.name, "dir", dir, "scoring", rr.Manifest().Rerank.Scoring)
	return nil
}

// rerankerPack resolves a reranker name; "" is the first reranker loaded.
func (s *Server) rerankerPack(name string) (*rerankPack, error) {
	if name == "" {
		if len(s.rerankers) == 0 {
			return nil, fmt.Errorf("server: no reranker pack is loaded (start the server with --model PACK for a pack of kind reranker): %w", ErrNotFound)
		}
		return s.rerankers[0], nil
	}
	if p := s.rerankerByName[name]; p != nil {
		return p, nil
	}
	if p := s.rerankerByName[s.cfg.ModelAliases[name]]; p != nil {
		return p, nil
	}
	names := make([]string, len(s.rerankers))
	for i, p := range s.rerankers {
		names[i] = p.name
	}
	if _, isEmbedder := s.packByName[name]; isEmbedder {
		return nil, fmt.Errorf("server: model %q is an embedder, not a reranker (rerankers loaded: %v): %w", name, names, ErrNotFound)
	}
	return nil, fmt.Errorf("server: reranker %q %w (rerankers loaded: %v)", name, ErrNotFound, names)
}

// rerankerInfo describes a reranker pack for GET /v1/models.
func rerankerInfo(p *rerankPack) ModelInfo {
	m := p.rr.Manifest()
	return ModelInfo{
		ID: p.name, Object: "model", Created: packCreated(p.dir), OwnedBy: modelOwner(m.Name),
		Kind: string(models.KindReranker), Dimension: m.Dimension, MaxTokens: m.MaxTokens,
		Pooling: string(m.Pooling), InstructionMode: string(m.Mode()), QueryTemplate: m.QueryTemplate,
		DefaultInstruction: m.DefaultInstruction, Semantic: m.Semantic, Description: m.Description,
	}
}

// Rerank scores documents against a query with a reranker pack (POST /v1/rerank) and
// returns them best first (ties keep request order), cut to top_n. It does not wait on a
// full queue: ErrOverloaded (429) instead.
func (s *Server) Rerank(ctx context.Context, req RerankRequest) (RerankResponse, error) {
	docs, err := s.rerankInputs(req)
	if err != nil {
		return RerankResponse{}, err
	}
	p, err := s.rerankerPack(req.Model)
	if err != nil {
		return RerankResponse{}, err
	}
	res, err := p.rr.Rerank(ctx, req.Query, docs, rerankOptions{Instruction: req.Instruction})
	if err != nil {
		return RerankResponse{}, fmt.Errorf("server: rerank %d documents: %w", len(docs), err)
	}
	out := RerankResponse{Model: p.name, Results: make([]RerankResult, len(docs))}
	out.Usage.TotalTokens = res.Tokens
	for i, sc := range res.Scores {
		out.Results[i] = RerankResult{Index: i, RelevanceScore: float64(sc)}
	}
	slices.SortStableFunc(out.Results, func(a, b RerankResult) int { return cmp.Compare(b.RelevanceScore, a.RelevanceScore) })
	if req.TopN > 0 && req.TopN < len(out.Results) {
		out.Results = out.Results[:req.TopN]
	}
	if req.ReturnDocuments {
		for i := range out.Results {
			out.Results[i].Document = &RerankDocument{Text: docs[out.Results[i].Index]}
		}
	}
	return out, nil
}

// rerankInputs validates a rerank request and returns its documents.
func (s *Server) rerankInputs(req RerankRequest) ([]string, error) {
	lim := s.cfg.Limits
	switch {
	case req.Query == "":
		return nil, invalid("query", "required: the text the documents are judged against")
	case !utf8.ValidString(req.Query):
		return nil, invalid("query", "not valid UTF-8")
	case len(req.Query) > lim.MaxTextBytes:
		return nil, invalid("query", "%d bytes exceed the limit of %d", len(req.Query), lim.MaxTextBytes)
	case len(req.Documents) > 0 && len(req.Texts) > 0:
		return nil, invalid("documents", "send documents or texts, not both")
	case req.TopN < 0:
		return nil, invalid("top_n", "must be positive, got %d", req.TopN)
	}
	field := "documents"
	docs := make([]string, 0, len(req.Documents)+len(req.Texts))
	for _, d := range req.Documents {
		docs = append(docs, d.Text)
	}
	if len(req.Texts) > 0 {
		field = "texts"
		docs = append(docs, req.Texts...)
	}
	switch {
	case len(docs) == 0:
		return nil, invalid("documents", "at least one document is required (documents: strings or {\"text\"} objects)")
	case len(docs) > lim.MaxInputs:
		return nil, invalid(field, "at most %d documents, got %d", lim.MaxInputs, len(docs))
	}
	for i, d := range docs {
		switch {
		case d == "":
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "must not be empty")
		case !utf8.ValidString(d):
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "not valid UTF-8")
		case len(d) > lim.MaxTextBytes:
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "%d bytes exceed the limit of %d", len(d), lim.MaxTextBytes)
		}
	}
	return docs, nil
}

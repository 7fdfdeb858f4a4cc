package server

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/instructd/instructd/models"
)

// Embed computes raw embeddings with OpenAI semantics: input_type document by default;
// dimensions > 0 keeps the first dimensions and re-normalises (Matryoshka-style; one of
// the model's matryoshka_dimensions when its manifest lists them). It
// does not wait on a full queue: ErrOverloaded (429) instead.
func (s *Server) Embed(ctx context.Context, req EmbedRequest) (EmbedResponse, error) {
	p, err := s.pack(req.Model)
	if err != nil {
		return EmbedResponse{}, err
	}
	switch {
	case len(req.Inputs) == 0:
		return EmbedResponse{}, invalid("input", "at least one input is required")
	case len(req.Inputs) > s.cfg.Limits.MaxInputs:
		return EmbedResponse{}, invalid("input", "at most %d inputs, got %d", s.cfg.Limits.MaxInputs, len(req.Inputs))
	}
	for i, in := range req.Inputs {
		switch {
		case in == "":
			return EmbedResponse{}, invalid(fmt.Sprintf("input[%d]", i), "must not be empty")
		case !utf8.ValidString(in):
			return EmbedResponse{}, invalid(fmt.Sprintf("input[%d]", i), "not valid UTF-8")
		case len(in) > s.cfg.Limits.MaxTextBytes:
			return EmbedResponse{}, invalid(fmt.Sprintf("input[%d]", i), "%d bytes exceed the limit of %d", len(in), s.cfg.Limits.MaxTextBytes)
		}
	}
	opts := embedOptions{}
	switch req.InputType {
	case "", "document":
		if req.Instruction != nil {
			return EmbedResponse{}, invalid("instruction", "instructions apply to input_type query only")
		}
	case "query":
		if err := s.checkInstruction("instruction", req.Instruction); err != nil {
			return EmbedResponse{}, err
		}
		opts.Query, opts.Instruction = true, req.Instruction
	default:
		return EmbedResponse{}, invalid("input_type", "must be query or document, got %q", req.InputType)
	}
	if req.Dimensions != 0 {
		if err := checkMatryoshka(p, "dimensions", req.Dimensions); err != nil {
			return EmbedResponse{}, err
		}
	}
	opts.Dimensions = req.Dimensions
	res, err := p.emb.Embed(ctx, req.Inputs, opts)
	if err != nil {
		return EmbedResponse{}, fmt.Errorf("server: embed %d inputs: %w", len(req.Inputs), err)
	}
	// Engines given Dimensions truncate already; this keeps the contract for any that do not.
	if d := req.Dimensions; d > 0 && d < p.emb.Manifest().Dimension {
		for i, v := range res.Vectors {
			if len(v) > d {
				res.Vectors[i] = truncateNormalize(v, d)
			}
		}
	}
	return EmbedResponse{Model: p.name, Vectors: res.Vectors, Tokens: res.Tokens}, nil
}

// checkMatryoshka accepts d as a vector length for pack p: the model's dimension, or,
// below it, one of the manifest's matryoshka_dimensions when it lists any (any length in
// [1, dimension] when it lists none). field names the request field in the error.
func checkMatryoshka(p *pack, field string, d int) error {
	m := p.emb.Manifest()
	switch {
	case d == m.Dimension:
		return nil
	case d < 1 || d > m.Dimension:
		return invalid(field, "must be in [1, %d] (model %q), got %d", m.Dimension, p.name, d)
	case len(m.MatryoshkaDimensions) > 0 && !slices.Contains(m.MatryoshkaDimensions, d):
		return invalid(field, "model %q supports %v or %d, got %d", p.name, m.MatryoshkaDimensions, m.Dimension, d)
	}
	return nil
}

// truncateNormalize keeps v's first n elements and scales them to unit length (an
// all-zero prefix stays zero).
func truncateNormalize(v []float32, n int) []float32 {
	out := make([]float32, n)
	copy(out, v[:n])
	var ss float64
	for _, f := range out {
		ss += float64(f) * float64(f)
	}
	if ss > 0 {
		inv := float32(1 / math.Sqrt(ss))
		for i := range out {
			out[i] *= inv
		}
	}
	return out
}

// pack resolves a model name; "" is the default pack.
func (s *Server) pack(name string) (*pack, error) {
	if name == "" {
		if len(s.packs) == 0 {
			return nil, fmt.Errorf("server: no model pack is loaded: %w", ErrNotFound)
		}
		return s.packs[0], nil
	}
	if p := s.packByName[name]; p != nil {
		return p, nil
	}
	if target, ok := s.cfg.ModelAliases[name]; ok {
		if p := s.packByName[target]; p != nil {
			return p, nil
		}
	}
	return nil, fmt.Errorf("server: model %q %w (loaded: %v)", name, ErrNotFound, s.packNames())
}

// Models describes the loaded packs, the default first.
func (s *Server) Models() []ModelInfo {
	out := make([]ModelInfo, len(s.packs))
	for i, p := range s.packs {
		m := p.emb.Manifest()
		mode := m.InstructionMode
		if mode == "" {
			mode = models.InstructionTemplate
		}
		out[i] = ModelInfo{
			ID:                 p.name,
			Object:             "model",
			Created:            packCreated(p.dir),
			OwnedBy:            modelOwner(m.Name),
			Dimension:          m.Dimension,
			MaxTokens:          m.MaxTokens,
			Pooling:            string(m.Pooling),
			InstructionMode:    string(mode),
			QueryTemplate:      m.QueryTemplate,
			DefaultInstruction: m.DefaultInstruction,
			Semantic:           m.Semantic,
			Description:        m.Description,
			Default:            i == 0,
			Kind:               string(models.KindEmbedder),
		}
	}
	for _, p := range s.rerankers {
		out = append(out, rerankerInfo(p))
	}
	if len(s.cfg.ModelAliases) > 0 {
		byName := make(map[string]ModelInfo, len(out))
		for _, mi := range out {
			byName[mi.ID] = mi
		}
		out = append(out, s.aliasInfos(byName)...)
	}
	return out
}

// modelOwner is the organisation part of a pack name ("BAAI/bge-small-en-v1.5" → "BAAI").
func modelOwner(name string) string {
	if org, _, ok := strings.Cut(name, "/"); ok && org != "" {
		return org
	}
	return "instructd"
}

// packCreated is the Unix time of the pack's manifest (when it was pulled or imported), 0
// when it cannot be read.
func packCreated(dir string) int64 {
	if dir == "" {
		return 0
	}
	fi, err := os.Stat(filepath.Join(dir, models.ManifestFile))
	if err != nil {
		return 0
	}
	return fi.ModTime().Unix()
}

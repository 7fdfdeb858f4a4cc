package server

import (
	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/index/lexical"
)

// defaultDeps wires the real packages: embed, index and index/lexical.
func defaultDeps() deps {
	return deps{
		openEmbedder: openPackEmbedder,
		openReranker: openPackReranker,
		newIndex: func(dim int, metric index.Metric, p IndexParams) (index.Index, error) {
			return index.New(index.Config{Dimension: dim, Metric: metric, M: p.M, EfConstruction: p.EfConstruction, EfSearch: p.EfSearch})
		},
		loadIndex: index.Load,
		chunk: func(tok embed.Tokenizer, text string, window, overlap int) ([]span, error) {
			spans, err := embed.Chunk(tok, text, window, overlap)
			out := make([]span, len(spans))
			for i, sp := range spans {
				out[i] = span{Start: sp.Start, End: sp.End}
			}
			return out, err
		},
		newText: func() textIndex { return lexical.New(lexical.Options{}) },
		loadText: func(path string) (textIndex, error) {
			ix, err := lexical.Load(path)
			if err != nil {
				return nil, err
			}
			return ix, nil
		},
		hooks: envHooks(),
	}
}

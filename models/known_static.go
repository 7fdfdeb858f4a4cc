package models

import "strings"

// knownStaticModels returns the static (table lookup) embedding models instructd knows,
// freshly allocated on every call. Their pull fetches the library's own file layout (see
// static_layout.go); normalize is read from the pulled files, not taken from here.
func knownStaticModels() []KnownModel {
	return []KnownModel{
		{
			Manifest: Manifest{
				Name: "minishlab/potion-base-8M",
				Description: "Model2Vec potion-base-8M (Minish Lab): static token table distilled from bge-base-en-v1.5, " +
					"256 dims, mean of token vectors; no transformer, no ONNX Runtime. Instructions are ignored.",
				Semantic:         true,
				Dimension:        256,
				MaxTokens:        512,
				Pooling:          PoolingMean,
				Normalize:        true,
				QueryTemplate:    PlaceholderQuery,
				DocumentTemplate: PlaceholderDocument,
				InstructionMode:  InstructionTemplate,
				Runtime:          RuntimeStatic,
				Static:           &StaticSpec{Layout: StaticModel2Vec},
				TokenizerType:    TokenizerWordPiece,
			},
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{"test-static-m2v-f32"},
		},
		{
			Manifest: Manifest{
				Name: "minishlab/potion-retrieval-32M",
				Description: "Model2Vec potion-retrieval-32M (Minish Lab): static token table tuned for retrieval, " +
					"512 dims, mean of token vectors; no transformer, no ONNX Runtime. Instructions are ignored.",
				Semantic:         true,
				Dimension:        512,
				MaxTokens:        512,
				Pooling:          PoolingMean,
				Normalize:        true,
				QueryTemplate:    PlaceholderQuery,
				DocumentTemplate: PlaceholderDocument,
				InstructionMode:  InstructionTemplate,
				Runtime:          RuntimeStatic,
				Static:           &StaticSpec{Layout: StaticModel2Vec},
				TokenizerType:    TokenizerWordPiece,
			},
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{"test-static-m2v-f32"},
		},
		{
			Manifest: Manifest{
				Name: "sentence-transformers/static-retrieval-mrl-en-v1",
				Description: "static-retrieval-mrl-en-v1 (sentence-transformers): StaticEmbedding trained for English retrieval " +
					"with Matryoshka loss, 1024 dims (cut to 512 … 32), mean of token vectors; no transformer, no ONNX Runtime. " +
					"The library has no length limit; instructd keeps the first 8192 tokens. Instructions are ignored.",
				Semantic:             true,
				Dimension:            1024,
				MaxTokens:            8192,
				Pooling:              PoolingMean,
				Normalize:            false,
				QueryTemplate:        PlaceholderQuery,
				DocumentTemplate:     PlaceholderDocument,
				InstructionMode:      InstructionTemplate,
				Runtime:              RuntimeStatic,
				Static:               &StaticSpec{Layout: StaticSentenceTransformers},
				MatryoshkaDimensions: []int{32, 64, 128, 256, 512, 1024},
				TokenizerType:        TokenizerWordPiece,
			},
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{"test-static-st-f16"},
		},
	}
}

// knownStatic returns the known static model named repo (case-insensitive, as the Hub).
func knownStatic(repo string) (KnownModel, bool) {
	for _, k := range knownStaticModels() {
		if strings.EqualFold(k.Manifest.Name, repo) {
			return k, true
		}
	}
	return KnownModel{}, false
}

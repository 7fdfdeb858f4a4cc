package models

import (
	"slices"
	"strings"
)

// KnownModel is a model whose manifest instructd ships, with the templates its authors publish
// and where its ONNX export lives in its Hugging Face repository.
type KnownModel struct {
	// Manifest is the pack manifest; Manifest.Name is the Hugging Face repo.
	Manifest Manifest
	// ONNXPaths are tried in order inside the repo; the first that exists is downloaded.
	ONNXPaths []string
	// Pullable is false for presets whose weights are not published as ONNX; they serve
	// as templates for `instructd model import --like`.
	Pullable bool
}

// KnownModels returns the built-in known models, freshly allocated on every call.
func KnownModels() []KnownModel {
	defaultPaths := []string{"onnx/model.onnx", "model.onnx"}
	return []KnownModel{
		{
			Manifest: Manifest{
				Name:               "BAAI/bge-small-en-v1.5",
				Description:        "BGE small English v1.5 (BAAI): 33M-parameter BERT, CLS pooling; queries take a retrieval instruction prefix.",
				Semantic:           true,
				Dimension:          384,
				MaxTokens:          512,
				Pooling:            PoolingCLS,
				Normalize:          true,
				OutputName:         "last_hidden_state",
				QueryTemplate:      "{instruction}{query}",
				DocumentTemplate:   "{document}",
				DefaultInstruction: "Represent this sentence for searching relevant passages: ",
				InstructionMode:    InstructionTemplate,
			},
			ONNXPaths: defaultPaths,
			Pullable:  true,
		},
		{
			Manifest: Manifest{
				Name:             "intfloat/e5-base-v2",
				Description:      "E5 base v2 (intfloat): 110M-parameter BERT, mean pooling, fixed \"query: \" / \"passage: \" prefixes; it takes no free-form instruction.",
				Semantic:         true,
				Dimension:        768,
				MaxTokens:        512,
				Pooling:          PoolingMean,
				Normalize:        true,
				OutputName:       "last_hidden_state",
				QueryTemplate:    "query: {query}",
				DocumentTemplate: "passage: {document}",
				InstructionMode:  InstructionTemplate,
			},
			ONNXPaths: defaultPaths,
			Pullable:  true,
		},
		{
			Manifest: Manifest{
				Name:               "intfloat/multilingual-e5-large-instruct",
				Description:        "Multilingual E5 large instruct (intfloat): 560M-parameter XLM-RoBERTa, mean pooling, one-sentence task instruction before the query; documents unchanged.",
				Semantic:           true,
				Dimension:          1024,
				MaxTokens:          512,
				Pooling:            PoolingMean,
				Normalize:          true,
				OutputName:         "last_hidden_state",
				QueryTemplate:      "Instruct: {instruction}\nQuery: {query}",
				DocumentTemplate:   "{document}",
				DefaultInstruction: "Given a web search query, retrieve relevant passages that answer the query",
				InstructionMode:    InstructionTemplate,
			},
			ONNXPaths: defaultPaths,
			Pullable:  true,
		},
		{
			Manifest: Manifest{
				Name:             "sentence-transformers/all-MiniLM-L6-v2",
				Description:      "all-MiniLM-L6-v2 (sentence-transformers): 22M-parameter MiniLM, mean pooling; no instruction support, instructions are ignored.",
				Semantic:         true,
				Dimension:        384,
				MaxTokens:        256,
				Pooling:          PoolingMean,
				Normalize:        true,
				OutputName:       "last_hidden_state",
				QueryTemplate:    "{query}",
				DocumentTemplate: "{document}",
				InstructionMode:  InstructionTemplate,
			},
			ONNXPaths: defaultPaths,
			Pullable:  true,
		},
		{
			Manifest: Manifest{
				Name: "InF-IR/InF-Embed-style",
				Description: "Preset for an InF-Embed-trained encoder (Zhuang et al. 2025, arXiv 2505.21439): mean pooling, " +
					"instruction and query embedded separately and combined by instruction-query attention. " +
					"The authors' weights are not published as ONNX: export your checkpoint with optimum and " +
					"`instructd model import DIR --like InF-IR/InF-Embed-style` (dimension comes from its config.json).",
				Semantic:           true,
				Dimension:          768,
				MaxTokens:          512,
				Pooling:            PoolingMean,
				Normalize:          true,
				OutputName:         "last_hidden_state",
				QueryTemplate:      "{query} {instruction}",
				DocumentTemplate:   "{document}",
				DefaultInstruction: "Retrieve passages that answer the query",
				InstructionMode:    InstructionAttention,
			},
			ONNXPaths: defaultPaths,
			Pullable:  false,
		},
	}
}

// Known returns the known model with the given Hugging Face repo name, compared case-insensitively
// as the Hub does.
func Known(repo string) (KnownModel, bool) {
	models := KnownModels()
	i := slices.IndexFunc(models, func(k KnownModel) bool { return strings.EqualFold(k.Manifest.Name, repo) })
	if i < 0 {
		return KnownModel{}, false
	}
	return models[i], true
}

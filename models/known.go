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
	// Variants lists the exports the repo publishes (fp32, fp16, int8, q4); see
	// PullOptions.Variant. A pull without a variant takes fp32, or the first listed when
	// the repo publishes no fp32 graph (DefaultVariant).
	Variants []string
	// TestPacks name the generated packs (models/test-*) with this model's tokenizer type
	// and ONNX signature; embed/known_test.go runs this manifest on each. A model is listed
	// only when such a pack exists.
	TestPacks []string
}

// DefaultVariant is the variant a pull without --variant takes: fp32, unless Variants lists
// others but not fp32 (a repo that publishes only quantised graphs), then the first listed.
func (k KnownModel) DefaultVariant() string {
	if len(k.Variants) == 0 || slices.Contains(k.Variants, VariantFP32) {
		return VariantFP32
	}
	return k.Variants[0]
}

// Tokenizer types (Manifest.TokenizerType) of the known models.
const (
	TokenizerWordPiece = "WordPiece"
	TokenizerBPE       = "BPE"
	TokenizerUnigram   = "Unigram"
)

// Generated test packs (models/test-*) by tokenizer type and ONNX signature.
const (
	// TestPackBERT: BERT encoder, WordPiece; inputs ids, mask, token types; last_hidden_state.
	TestPackBERT = "test-minilm"
	// TestPackXLMR: XLM-RoBERTa encoder, Unigram; last_hidden_state.
	TestPackXLMR = "test-xlmr"
	// TestPackQwen3: Qwen3 decoder export, byte-level BPE; last_hidden_state, last-token pooling.
	TestPackQwen3 = "test-qwen3"
	// TestPackQwen3FP16: the same export in float16 (weights, activations and output).
	TestPackQwen3FP16 = "test-qwen3-fp16"
	// TestPackGemma3: Gemma3 encoder, SentencePiece BPE; sentence_embedding (rank 2).
	TestPackGemma3 = "test-gemma3"
	// TestPackCrossEncoder: BERT sequence classifier, WordPiece; inputs ids, mask, token
	// types; logits [batch, 1].
	TestPackCrossEncoder = "test-reranker"
	// TestPackXLMRReranker: XLM-R sequence classifier (RobertaClassificationHead), Unigram;
	// inputs ids and mask only; logits [batch, 1].
	TestPackXLMRReranker = "test-xlmr-reranker"
	// TestPackQwen3Reranker: Qwen3 causal LM export, byte-level BPE; logits [batch, length,
	// vocabulary], scored yes/no at the last position.
	TestPackQwen3Reranker = "test-qwen3-reranker"
)

// KnownModels returns the built-in known models, freshly allocated on every call: the
// embedders, the static embedders, then the rerankers (KnownRerankers).
func KnownModels() []KnownModel {
	all := func() []string { return []string{VariantFP32, VariantFP16, VariantInt8, VariantQ4} }
	return append([]KnownModel{
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
				TokenizerType:      TokenizerWordPiece,
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackBERT},
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
				TokenizerType:    TokenizerWordPiece,
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackBERT},
		},
		{
			Manifest: Manifest{
				Name:               "intfloat/multilingual-e5-large-instruct",
				Description:        "Multilingual E5 large instruct (intfloat): 560M-parameter XLM-RoBERTa, mean pooling, one-sentence task instruction before the query; documents unchanged. Weights in onnx/model.onnx_data.",
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
				TokenizerType:      TokenizerUnigram,
			},
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackXLMR},
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
				TokenizerType:    TokenizerWordPiece,
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackBERT},
		},
		{
			Manifest: Manifest{
				Name: "onnx-community/Qwen3-Embedding-0.6B-ONNX",
				Description: "Qwen3-Embedding-0.6B (Qwen), ONNX export by onnx-community: 0.6B-parameter Qwen3 decoder, last-token pooling " +
					"over an appended <|endoftext|>, one-sentence task instruction before the query; documents unchanged. " +
					"Trained to 32k tokens; max_tokens is 8192 here (lower it for CPU serving).",
				Semantic:             true,
				Dimension:            1024,
				MaxTokens:            8192,
				Pooling:              PoolingLast,
				Normalize:            true,
				OutputName:           "last_hidden_state",
				QueryTemplate:        "Instruct: {instruction}\nQuery:{query}",
				DocumentTemplate:     "{document}",
				DefaultInstruction:   "Given a web search query, retrieve relevant passages that answer the query",
				InstructionMode:      InstructionTemplate,
				AppendToken:          "<|endoftext|>",
				MatryoshkaDimensions: []int{32, 64, 128, 256, 512, 768, 1024},
				TokenizerType:        TokenizerBPE,
			},
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  all(),
			TestPacks: []string{TestPackQwen3, TestPackQwen3FP16},
		},
		{
			Manifest: Manifest{
				Name: "BAAI/bge-m3",
				Description: "BGE-M3 (BAAI), dense retrieval head: 568M-parameter XLM-RoBERTa, CLS pooling, no instruction or prefix; " +
					"up to 8192 tokens. Weights in onnx/model.onnx_data; the sparse and multi-vector heads are not used.",
				Semantic:         true,
				Dimension:        1024,
				MaxTokens:        8192,
				Pooling:          PoolingCLS,
				Normalize:        true,
				OutputName:       "last_hidden_state",
				QueryTemplate:    "{query}",
				DocumentTemplate: "{document}",
				InstructionMode:  InstructionTemplate,
				TokenizerType:    TokenizerUnigram,
			},
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackXLMR},
		},
		{
			Manifest: Manifest{
				Name: "onnx-community/embeddinggemma-300m-ONNX",
				Description: "EmbeddingGemma-300m (Google), ONNX export by onnx-community: 300M-parameter Gemma3 encoder whose graph pools, " +
					"projects and normalises (output sentence_embedding). The instruction is the task name of its prompts " +
					"(\"search result\", \"question answering\", \"fact checking\", ...); documents get \"title: none | text: \". " +
					"Its activations do not support float16.",
				Semantic:             true,
				Dimension:            768,
				MaxTokens:            2048,
				Pooling:              PoolingNone,
				Normalize:            true,
				OutputName:           "sentence_embedding",
				QueryTemplate:        "task: {instruction} | query: {query}",
				DocumentTemplate:     "title: none | text: {document}",
				DefaultInstruction:   "search result",
				InstructionMode:      InstructionTemplate,
				MatryoshkaDimensions: []int{128, 256, 512, 768},
				TokenizerType:        TokenizerBPE,
			},
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  []string{VariantFP32, VariantInt8, VariantQ4},
			TestPacks: []string{TestPackGemma3},
		},
		{
			Manifest: Manifest{
				Name: "nomic-ai/nomic-embed-text-v1.5",
				Description: "Nomic Embed Text v1.5 (Nomic AI): 137M-parameter NomicBERT (rotary positions), mean pooling, fixed " +
					"\"search_query: \" / \"search_document: \" prefixes; Matryoshka-trained down to 64 dimensions.",
				Semantic:             true,
				Dimension:            768,
				MaxTokens:            8192,
				Pooling:              PoolingMean,
				Normalize:            true,
				OutputName:           "last_hidden_state",
				QueryTemplate:        "search_query: {query}",
				DocumentTemplate:     "search_document: {document}",
				InstructionMode:      InstructionTemplate,
				MatryoshkaDimensions: []int{64, 128, 256, 512, 768},
				TokenizerType:        TokenizerWordPiece,
			},
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  all(),
			TestPacks: []string{TestPackBERT},
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
				TokenizerType:      TokenizerWordPiece,
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  false,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackBERT},
		},
	}, append(knownStaticModels(), KnownRerankers()...)...)
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

// defaultONNXPaths is where most Hugging Face repos keep an fp32 ONNX export.
func defaultONNXPaths() []string { return []string{"onnx/model.onnx", "model.onnx"} }

// fp32Only is the variant list of a repo that ships fp32 weights only.
func fp32Only() []string { return []string{VariantFP32} }

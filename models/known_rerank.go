package models

// Qwen3RerankerPrompt is Qwen3-Reranker's published chat prompt (its model card's prefix,
// instruction/query/document block and suffix) with instructd's placeholders. The score is
// softmax over the "yes" and "no" logits at the last position.
const Qwen3RerankerPrompt = "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query " +
	"and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n" +
	"<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}<|im_end|>\n" +
	"<|im_start|>assistant\n<think>\n\n</think>\n\n"

// KnownRerankers returns the built-in reranker manifests (kind reranker), freshly allocated
// on every call; KnownModels lists them after the embedders. Like every known model, each
// names the generated test packs with its tokenizer type and ONNX signature (TestPacks);
// embed/known_rerank_test.go scores pairs with its manifest on each.
func KnownRerankers() []KnownModel {
	return []KnownModel{
		{
			Manifest: Manifest{
				Name: "cross-encoder/ms-marco-MiniLM-L-6-v2",
				Description: "MS MARCO MiniLM-L6 cross-encoder (sentence-transformers): 22M-parameter BERT sequence classifier, " +
					"one logit per (query, passage) pair. Scores are the raw logit, as its config's default activation " +
					"(Identity) gives; it takes no instruction.",
				Kind:             KindReranker,
				Semantic:         true,
				Dimension:        1,
				MaxTokens:        512,
				Pooling:          PoolingNone,
				OutputName:       "logits",
				QueryTemplate:    "{query}",
				DocumentTemplate: "{document}",
				TokenizerType:    TokenizerWordPiece,
				Rerank:           &RerankSpec{Scoring: ScoreRaw},
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  true,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackCrossEncoder},
		},
		{
			Manifest: Manifest{
				Name: "BAAI/bge-reranker-v2-m3",
				Description: "BGE reranker v2 m3 (BAAI): 568M-parameter multilingual XLM-RoBERTa cross-encoder, one logit " +
					"per pair, scored with sigmoid (its card's normalize=True; the ranking equals the raw logit's). " +
					"BAAI publishes no ONNX: export it with optimum (task text-classification) and " +
					"`instructd model import DIR --like BAAI/bge-reranker-v2-m3`.",
				Kind:             KindReranker,
				Semantic:         true,
				Dimension:        1,
				MaxTokens:        512,
				Pooling:          PoolingNone,
				OutputName:       "logits",
				QueryTemplate:    "{query}",
				DocumentTemplate: "{document}",
				TokenizerType:    TokenizerUnigram,
				Rerank:           &RerankSpec{Scoring: ScoreSigmoid},
			},
			ONNXPaths: defaultONNXPaths(),
			Pullable:  false,
			Variants:  fp32Only(),
			TestPacks: []string{TestPackXLMRReranker},
		},
		{
			Manifest: Manifest{
				Name: "onnx-community/Qwen3-Reranker-0.6B-ONNX",
				Description: "Qwen3-Reranker-0.6B (Qwen) through its onnx-community export: a causal LM that reads the " +
					"published judge prompt (instruction, query, document) and scores softmax(yes, no) at the last " +
					"position. The repo ships int8 (onnx/model_quantized.onnx, pulled by default) and 4-bit (onnx/model_q4.onnx) graphs; " +
					"they return logits over the whole vocabulary at every position, so batches stay small.",
				Kind:               KindReranker,
				Semantic:           true,
				Dimension:          151936,
				MaxTokens:          512,
				Pooling:            PoolingLast,
				OutputName:         "logits",
				QueryTemplate:      "{query}",
				DocumentTemplate:   "{document}",
				DefaultInstruction: "Given a web search query, retrieve relevant passages that answer the query",
				TokenizerType:      TokenizerBPE,
				Variant:            VariantInt8,
				Rerank:             &RerankSpec{Scoring: ScoreYesNo, Prompt: Qwen3RerankerPrompt, YesToken: "yes", NoToken: "no"},
			},
			// No fp32 graph: a pull without --variant takes int8 (model_int8.onnx or
			// model_quantized.onnx under onnx/), --variant q4 onnx/model_q4.onnx.
			ONNXPaths: []string{"onnx/model.onnx"},
			Pullable:  true,
			Variants:  []string{VariantInt8, VariantQ4},
			TestPacks: []string{TestPackQwen3Reranker},
		},
	}
}

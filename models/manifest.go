package models

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ManifestFile is the name of a pack's manifest inside its directory.
const ManifestFile = "instructd.json"

// Pooling names how token vectors are reduced to one sentence vector.
type Pooling string

// Pooling strategies.
const (
	PoolingMean Pooling = "mean"
	PoolingCLS  Pooling = "cls"
	PoolingLast Pooling = "last"
	// PoolingNone means the ONNX output is already one vector per text (rank 2, e.g.
	// EmbeddingGemma's sentence_embedding); nothing is pooled.
	PoolingNone Pooling = "none"
)

// Kind says what a pack does.
type Kind string

// Pack kinds.
const (
	// KindEmbedder packs turn texts into vectors (the default when unset).
	KindEmbedder Kind = "embedder"
	// KindReranker packs score (query, document) pairs; see RerankSpec.
	KindReranker Kind = "reranker"
)

// Runtime names the engine that serves a pack.
type Runtime string

// Runtimes.
const (
	// RuntimeONNX runs ModelFile with ONNX Runtime (the default when unset).
	RuntimeONNX Runtime = "onnx"
	// RuntimeStatic looks token vectors up in a table and pools them (Model2Vec,
	// sentence-transformers StaticEmbedding); no ONNX Runtime is needed. See StaticSpec.
	RuntimeStatic Runtime = "static"
)

// InstructionMode names how an instruction is combined with a query.
type InstructionMode string

// Instruction modes.
const (
	// InstructionTemplate fills the query template with instruction and query and embeds the result.
	InstructionTemplate InstructionMode = "template"
	// InstructionAttention embeds instruction and query separately and combines them with
	// InF-Embed's instruction-query attention (see embed/attention.go).
	InstructionAttention InstructionMode = "attention"
)

// Manifest describes a model pack: a directory with model.onnx, tokenizer.json and this file.
//
// ⚠️ When adding fields, update Validate, the known-model manifests and the README's pack section.
type Manifest struct {
	// Name identifies the pack, e.g. "BAAI/bge-small-en-v1.5".
	Name string `json:"name"`
	// Description is free text shown by GET /v1/models.
	Description string `json:"description,omitempty"`
	// Semantic is false for packs whose vectors carry no meaning (the generated test packs).
	Semantic bool `json:"semantic"`
	// Dimension is the length of the output vector.
	Dimension int `json:"dimension"`
	// MaxTokens is the longest input, special tokens included; longer inputs are truncated.
	MaxTokens int `json:"max_tokens"`
	// Pooling is mean, cls or last.
	Pooling Pooling `json:"pooling"`
	// Normalize L2-normalises output vectors.
	Normalize bool `json:"normalize"`
	// OutputName is the ONNX output holding token vectors, usually "last_hidden_state".
	OutputName string `json:"output_name"`
	// QueryTemplate contains {instruction} and {query}.
	QueryTemplate string `json:"query_template"`
	// DocumentTemplate contains {document}; "{document}" leaves text unchanged.
	DocumentTemplate string `json:"document_template"`
	// DefaultInstruction is used when a query comes without one.
	DefaultInstruction string `json:"default_instruction,omitempty"`
	// InstructionMode is template (default) or attention.
	InstructionMode InstructionMode `json:"instruction_mode,omitempty"`
	// Source is where the pack came from, e.g. the Hugging Face repo and revision.
	Source string `json:"source,omitempty"`
	// Kind is embedder (default) or reranker.
	Kind Kind `json:"kind,omitempty"`
	// Runtime is onnx (default) or static.
	Runtime Runtime `json:"runtime,omitempty"`
	// ModelFile is the ONNX graph inside the pack; empty means model.onnx. External-data
	// files the graph names sit beside it.
	ModelFile string `json:"model_file,omitempty"`
	// Variant records which export was pulled: fp32, fp16, int8 or q4 (informational).
	Variant string `json:"variant,omitempty"`
	// AppendToken, when set, is a token appended to every text after truncation unless the
	// tokenizer's post-processor already ends the text with it (Qwen3-Embedding appends
	// "<|endoftext|>" and pools its last state).
	AppendToken string `json:"append_token,omitempty"`
	// MatryoshkaDimensions lists the prefix lengths the model was trained to be cut to
	// (ascending, each ≤ Dimension); empty means the model makes no such promise.
	MatryoshkaDimensions []int `json:"matryoshka_dimensions,omitempty"`
	// TokenizerType documents the tokenizer model (WordPiece, BPE, Unigram); informational.
	TokenizerType string `json:"tokenizer_type,omitempty"`
	// Rerank is required for kind reranker: how pairs are scored.
	Rerank *RerankSpec `json:"rerank,omitempty"`
	// Static is required for runtime static: where the table is and how it is pooled.
	Static *StaticSpec `json:"static,omitempty"`
	// Files maps each file of the pack to its SHA-256 (hex), checked on load when present.
	Files map[string]string `json:"files,omitempty"`
}

// Rerank scoring rules.
const (
	// ScoreSigmoid: logits [B,1], score sigmoid(logit).
	ScoreSigmoid = "sigmoid"
	// ScoreRaw: logits [B,1], score the raw logit.
	ScoreRaw = "raw"
	// ScoreSoftmax: logits [B,2], score softmax's positive (index 1) class.
	ScoreSoftmax = "softmax"
	// ScoreYesNo: causal LM logits [B,T,V]; score softmax over the YesToken/NoToken logits at
	// the last position (Qwen3-Reranker).
	ScoreYesNo = "yes_no"
)

// RerankSpec says how a reranker pack scores a (query, document) pair.
type RerankSpec struct {
	// Scoring is sigmoid, raw, softmax or yes_no.
	Scoring string `json:"scoring"`
	// Prompt, for LLM rerankers, is the whole text fed to the model, with {instruction},
	// {query} and {document}. Empty for cross-encoders, which encode the pair with the
	// tokenizer's pair template (QueryTemplate applied to the first text).
	Prompt string `json:"prompt,omitempty"`
	// YesToken and NoToken are the tokens whose logits yes_no compares.
	YesToken string `json:"yes_token,omitempty"`
	NoToken  string `json:"no_token,omitempty"`
}

// Static pack layouts.
const (
	// StaticModel2Vec: model.safetensors tensor "embeddings", config.json "normalize".
	StaticModel2Vec = "model2vec"
	// StaticSentenceTransformers: 0_StaticEmbedding/model.safetensors tensor
	// "embedding.weight", modules.json (Normalize module present or not).
	StaticSentenceTransformers = "sentence-transformers"
)

// StaticSpec describes a static (table lookup) pack.
type StaticSpec struct {
	// Layout is model2vec or sentence-transformers.
	Layout string `json:"layout"`
}

// Template placeholders.
const (
	PlaceholderInstruction = "{instruction}"
	PlaceholderQuery       = "{query}"
	PlaceholderDocument    = "{document}"
)

// Validate reports the first problem that would stop the manifest from being served.
func (m Manifest) Validate() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return errors.New("models: manifest: name is empty")
	case m.Dimension <= 0:
		return fmt.Errorf("models: manifest %s: dimension must be > 0, got %d", m.Name, m.Dimension)
	case m.MaxTokens <= 0:
		return fmt.Errorf("models: manifest %s: max_tokens must be > 0, got %d", m.Name, m.MaxTokens)
	case m.OutputName == "" && m.RuntimeOrDefault() == RuntimeONNX && m.KindOrDefault() == KindEmbedder:
		return fmt.Errorf("models: manifest %s: output_name is empty", m.Name)
	case !strings.Contains(m.QueryTemplate, PlaceholderQuery):
		return fmt.Errorf("models: manifest %s: query_template %q lacks %s", m.Name, m.QueryTemplate, PlaceholderQuery)
	case !strings.Contains(m.DocumentTemplate, PlaceholderDocument):
		return fmt.Errorf("models: manifest %s: document_template %q lacks %s", m.Name, m.DocumentTemplate, PlaceholderDocument)
	}
	switch m.Pooling {
	case PoolingMean, PoolingCLS, PoolingLast, PoolingNone:
	default:
		return fmt.Errorf("models: manifest %s: unknown pooling %q (want mean, cls, last or none)", m.Name, m.Pooling)
	}
	if err := m.validateKind(); err != nil {
		return err
	}
	switch m.InstructionMode {
	case "", InstructionTemplate, InstructionAttention:
	default:
		return fmt.Errorf("models: manifest %s: unknown instruction_mode %q (want template or attention)", m.Name, m.InstructionMode)
	}
	for name, sum := range m.Files {
		if !validFileName(name) {
			return fmt.Errorf("models: manifest %s: file %q must be a plain relative path inside the pack", m.Name, name)
		}
		if !isSHA256(sum) {
			return fmt.Errorf("models: manifest %s: file %s: checksum %q is not a hex SHA-256", m.Name, name, sum)
		}
	}
	return nil
}

// validateKind checks the fields that depend on Kind and Runtime.
func (m Manifest) validateKind() error {
	switch m.KindOrDefault() {
	case KindEmbedder:
	case KindReranker:
		if m.Rerank == nil {
			return fmt.Errorf("models: manifest %s: kind reranker needs a rerank section", m.Name)
		}
		switch m.Rerank.Scoring {
		case ScoreSigmoid, ScoreRaw, ScoreSoftmax:
		case ScoreYesNo:
			if m.Rerank.Prompt == "" || m.Rerank.YesToken == "" || m.Rerank.NoToken == "" {
				return fmt.Errorf("models: manifest %s: rerank scoring yes_no needs prompt, yes_token and no_token", m.Name)
			}
		default:
			return fmt.Errorf("models: manifest %s: unknown rerank scoring %q (want sigmoid, raw, softmax or yes_no)", m.Name, m.Rerank.Scoring)
		}
	default:
		return fmt.Errorf("models: manifest %s: unknown kind %q (want embedder or reranker)", m.Name, m.Kind)
	}
	switch m.RuntimeOrDefault() {
	case RuntimeONNX:
		if m.ModelFile != "" && (!validFileName(m.ModelFile) || !strings.HasSuffix(m.ModelFile, ".onnx")) {
			return fmt.Errorf("models: manifest %s: model_file %q must be a relative *.onnx path inside the pack", m.Name, m.ModelFile)
		}
	case RuntimeStatic:
		if m.Static == nil || (m.Static.Layout != StaticModel2Vec && m.Static.Layout != StaticSentenceTransformers) {
			return fmt.Errorf("models: manifest %s: runtime static needs static.layout %q or %q", m.Name, StaticModel2Vec, StaticSentenceTransformers)
		}
	default:
		return fmt.Errorf("models: manifest %s: unknown runtime %q (want onnx or static)", m.Name, m.Runtime)
	}
	prev := 0
	for _, d := range m.MatryoshkaDimensions {
		if d <= prev || d > m.Dimension {
			return fmt.Errorf("models: manifest %s: matryoshka_dimensions must ascend and stay ≤ dimension %d, got %v", m.Name, m.Dimension, m.MatryoshkaDimensions)
		}
		prev = d
	}
	return nil
}

// KindOrDefault returns Kind, embedder when unset.
func (m Manifest) KindOrDefault() Kind {
	if m.Kind == "" {
		return KindEmbedder
	}
	return m.Kind
}

// RuntimeOrDefault returns Runtime, onnx when unset.
func (m Manifest) RuntimeOrDefault() Runtime {
	if m.Runtime == "" {
		return RuntimeONNX
	}
	return m.Runtime
}

// ModelFileOrDefault returns ModelFile, model.onnx when unset.
func (m Manifest) ModelFileOrDefault() string {
	if m.ModelFile == "" {
		return ModelFile
	}
	return m.ModelFile
}

// Mode returns the instruction mode, defaulting to template when unset.
func (m Manifest) Mode() InstructionMode {
	if m.InstructionMode == "" {
		return InstructionTemplate
	}
	return m.InstructionMode
}

// validFileName accepts slash-separated relative paths that stay inside the pack.
func validFileName(name string) bool {
	if name == "" || strings.Contains(name, `\`) || path.IsAbs(name) || path.Clean(name) != name {
		return false
	}
	return name != "." && name != ".." && !strings.HasPrefix(name, "../")
}

// isSHA256 reports whether s is 64 lowercase or uppercase hex digits.
func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

package models

// ManifestFile is the name of a pack's manifest inside its directory.
const ManifestFile = "instructd.json"

// Pooling names how token vectors are reduced to one sentence vector.
type Pooling string

// Pooling strategies.
const (
	PoolingMean Pooling = "mean"
	PoolingCLS  Pooling = "cls"
	PoolingLast Pooling = "last"
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
	// Files maps each file of the pack to its SHA-256 (hex), checked on load when present.
	Files map[string]string `json:"files,omitempty"`
}

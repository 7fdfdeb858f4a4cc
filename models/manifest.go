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
	case m.OutputName == "":
		return fmt.Errorf("models: manifest %s: output_name is empty", m.Name)
	case !strings.Contains(m.QueryTemplate, PlaceholderQuery):
		return fmt.Errorf("models: manifest %s: query_template %q lacks %s", m.Name, m.QueryTemplate, PlaceholderQuery)
	case !strings.Contains(m.DocumentTemplate, PlaceholderDocument):
		return fmt.Errorf("models: manifest %s: document_template %q lacks %s", m.Name, m.DocumentTemplate, PlaceholderDocument)
	}
	switch m.Pooling {
	case PoolingMean, PoolingCLS, PoolingLast:
	default:
		return fmt.Errorf("models: manifest %s: unknown pooling %q (want mean, cls or last)", m.Name, m.Pooling)
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

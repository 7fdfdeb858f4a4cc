package models

import (
	"strings"
	"testing"
)

func validManifest() Manifest {
	return Manifest{
		Name: "org/model", Dimension: 384, MaxTokens: 512, Pooling: PoolingMean, Normalize: true,
		OutputName: "last_hidden_state", QueryTemplate: "{instruction} {query}", DocumentTemplate: "{document}",
	}
}

func TestManifestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Manifest)
		want   string // "" means valid
	}{
		{"valid", func(*Manifest) {}, ""},
		{"query template without instruction", func(m *Manifest) { m.QueryTemplate = "query: {query}" }, ""},
		{"attention mode", func(m *Manifest) { m.InstructionMode = InstructionAttention }, ""},
		{"cls pooling", func(m *Manifest) { m.Pooling = PoolingCLS }, ""},
		{"last pooling", func(m *Manifest) { m.Pooling = PoolingLast }, ""},
		{"files", func(m *Manifest) { m.Files = map[string]string{"model.onnx": strings.Repeat("ab", 32)} }, ""},
		{"empty name", func(m *Manifest) { m.Name = " " }, "name is empty"},
		{"zero dimension", func(m *Manifest) { m.Dimension = 0 }, "dimension must be > 0"},
		{"negative dimension", func(m *Manifest) { m.Dimension = -3 }, "dimension must be > 0"},
		{"zero max tokens", func(m *Manifest) { m.MaxTokens = 0 }, "max_tokens must be > 0"},
		{"no output name", func(m *Manifest) { m.OutputName = "" }, "output_name is empty"},
		{"unknown pooling", func(m *Manifest) { m.Pooling = "max" }, `unknown pooling "max"`},
		{"empty pooling", func(m *Manifest) { m.Pooling = "" }, "unknown pooling"},
		{"query template without query", func(m *Manifest) { m.QueryTemplate = "{instruction}" }, "lacks {query}"},
		{"empty document template", func(m *Manifest) { m.DocumentTemplate = "" }, "lacks {document}"},
		{"unknown instruction mode", func(m *Manifest) { m.InstructionMode = "prefix" }, "unknown instruction_mode"},
		{"file escapes the pack", func(m *Manifest) { m.Files = map[string]string{"../x": strings.Repeat("ab", 32)} }, "inside the pack"},
		{"absolute file", func(m *Manifest) { m.Files = map[string]string{"/etc/passwd": strings.Repeat("ab", 32)} }, "inside the pack"},
		{"bad checksum", func(m *Manifest) { m.Files = map[string]string{"model.onnx": "abc"} }, "not a hex SHA-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest()
			tt.mutate(&m)
			err := m.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want one containing %q", err, tt.want)
			case err != nil && !strings.HasPrefix(err.Error(), "models: "):
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestManifestMode(t *testing.T) {
	m := validManifest()
	if m.Mode() != InstructionTemplate {
		t.Errorf("default mode %q", m.Mode())
	}
	m.InstructionMode = InstructionAttention
	if m.Mode() != InstructionAttention {
		t.Errorf("mode %q", m.Mode())
	}
}

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"valid", `{"name":"a/b","dimension":8,"max_tokens":16,"pooling":"cls","output_name":"o","query_template":"{query}","document_template":"{document}"}`, ""},
		{"unknown field", `{"name":"a/b","dimension":8,"max_tokens":16,"pooling":"cls","output_name":"o","query_template":"{query}","document_template":"{document}","pooling_mode":"x"}`, "unknown field"},
		{"not json", `dimension: 8`, "parse instructd.json"},
		{"invalid", `{"name":"a/b"}`, "dimension must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tt.raw))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

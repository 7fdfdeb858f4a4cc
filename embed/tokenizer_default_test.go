//go:build !hftokenizers

package embed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

func TestLoadTokenizer(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		arg     int
		wantMax int
	}{
		{"bert-base-uncased has no truncation: 512", "bert-base-uncased.json", 0, 512},
		{"all-MiniLM-L6-v2 truncates at 256", "all-minilm-l6-v2.json", 0, 256},
		{"argument wins", "all-minilm-l6-v2.json", 128, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := LoadTokenizer(filepath.Join("testdata", "tokenizer", tt.file), tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := tok.(*BertTokenizer); !ok {
				t.Fatalf("LoadTokenizer returned %T, want the pure-Go *BertTokenizer", tok)
			}
			if tok.MaxLength() != tt.wantMax {
				t.Fatalf("MaxLength %d, want %d", tok.MaxLength(), tt.wantMax)
			}
			enc, err := tok.Encode("brown fox")
			if err != nil || len(enc.IDs) != 4 {
				t.Fatalf("Encode: %v %v", enc.IDs, err)
			}
		})
	}
}

func TestLoadTokenizerErrors(t *testing.T) {
	dir := t.TempDir()
	bpe := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(bpe, []byte(`{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(dir, "nope.json"), "no such file"},
		{"unsupported model", bpe, `model type "WordLevel"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTokenizer(tt.path, 0)
			if err == nil || !strings.HasPrefix(err.Error(), "embed: load tokenizer") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want embed: load tokenizer … %s", err, tt.want)
			}
		})
	}
}

// TestLoadTokenizerTestPacks loads the tokenizer.json of each generated test pack and
// checks the ids that scripts/make-test-model.py's independent Python tokenizer wrote
// into reference.json.
func TestLoadTokenizerTestPacks(t *testing.T) {
	for _, pack := range []string{"test-minilm", "test-tiny"} {
		t.Run(pack, func(t *testing.T) {
			dir := testenv.Pack(t, pack)
			data, err := os.ReadFile(filepath.Join(dir, "reference.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref struct {
				MaxTokens int `json:"max_tokens"`
				Cases     []struct {
					Name     string  `json:"name"`
					Text     string  `json:"text"`
					InputIDs []int64 `json:"input_ids"`
				} `json:"cases"`
			}
			if err := json.Unmarshal(data, &ref); err != nil {
				t.Fatal(err)
			}
			tok, err := LoadTokenizer(filepath.Join(dir, "tokenizer.json"), ref.MaxTokens)
			if err != nil {
				t.Fatal(err)
			}
			if len(ref.Cases) == 0 {
				t.Fatal("reference.json has no cases")
			}
			for _, c := range ref.Cases {
				enc, err := tok.Encode(c.Text)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(enc.IDs, c.InputIDs) {
					t.Errorf("case %s %q: ids %v, want %v", c.Name, c.Text, enc.IDs, c.InputIDs)
				}
			}
		})
	}
}

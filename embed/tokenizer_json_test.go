package embed

import (
	"encoding/json"
	"strings"
	"testing"
)

// tinyTokenizerJSON builds a small BERT tokenizer.json; edit changes it before encoding.
func tinyTokenizerJSON(t testing.TB, edit func(doc map[string]any)) []byte {
	t.Helper()
	vocab := map[string]any{}
	for i, tok := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "hello", "world", "!", ",", "a", "##a", "##b", "b", "caf", "##e", "cafe"} {
		vocab[tok] = i
	}
	special := func(id int, content string) map[string]any {
		return map[string]any{"id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
	}
	doc := map[string]any{
		"version":    "1.0",
		"truncation": nil,
		"padding":    nil,
		"added_tokens": []any{
			special(0, "[PAD]"), special(1, "[UNK]"), special(2, "[CLS]"), special(3, "[SEP]"), special(4, "[MASK]"),
		},
		"normalizer":    map[string]any{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": nil, "lowercase": true},
		"pre_tokenizer": map[string]any{"type": "BertPreTokenizer"},
		"post_processor": map[string]any{
			"type": "TemplateProcessing",
			"single": []any{
				map[string]any{"SpecialToken": map[string]any{"id": "[CLS]", "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": "[SEP]", "type_id": 0}},
			},
			"special_tokens": map[string]any{
				"[CLS]": map[string]any{"id": "[CLS]", "ids": []any{2}, "tokens": []any{"[CLS]"}},
				"[SEP]": map[string]any{"id": "[SEP]", "ids": []any{3}, "tokens": []any{"[SEP]"}},
			},
		},
		"decoder": map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model":   map[string]any{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab},
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

// TestParseTokenizerJSONRejectsUnsupported checks that BertTokenizer's parser refuses,
// by name, everything it cannot reproduce (NewTokenizerFromJSON then uses the pipeline).
func TestParseTokenizerJSONRejectsUnsupported(t *testing.T) {
	sub := func(key string) func(map[string]any) map[string]any {
		return func(doc map[string]any) map[string]any { return doc[key].(map[string]any) }
	}
	model, post := sub("model"), sub("post_processor")
	added := func(doc map[string]any) map[string]any { return doc["added_tokens"].([]any)[3].(map[string]any) }
	tests := []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"bpe model", func(d map[string]any) { model(d)["type"] = "BPE" }, `model type "BPE"`},
		{"untyped bpe model", func(d map[string]any) { delete(model(d), "type"); model(d)["merges"] = []any{} }, "model without a type"},
		{"unigram model", func(d map[string]any) { d["model"] = map[string]any{"type": "Unigram", "vocab": []any{}} }, `"Unigram"`},
		{"no model", func(d map[string]any) { d["model"] = nil }, "no model"},
		{"unk not in vocab", func(d map[string]any) { model(d)["unk_token"] = "<unk>" }, `unk_token "<unk>"`},
		{"empty vocab", func(d map[string]any) { model(d)["vocab"] = map[string]any{} }, "empty vocab"},
		{"negative id", func(d map[string]any) { model(d)["vocab"].(map[string]any)["x"] = -1 }, "out of range"},
		{"zero max chars", func(d map[string]any) { model(d)["max_input_chars_per_word"] = 0 }, "max_input_chars_per_word"},
		{"lowercase normalizer", func(d map[string]any) { d["normalizer"] = map[string]any{"type": "Lowercase"} }, `normalizer "Lowercase"`},
		{"sequence normalizer", func(d map[string]any) { d["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{}} }, `normalizer "Sequence"`},
		{"whitespace pre-tokenizer", func(d map[string]any) { d["pre_tokenizer"] = map[string]any{"type": "Whitespace"} }, `pre_tokenizer "Whitespace"`},
		{"no pre-tokenizer", func(d map[string]any) { d["pre_tokenizer"] = nil }, "missing pre_tokenizer"},
		{"roberta processing", func(d map[string]any) { d["post_processor"] = map[string]any{"type": "RobertaProcessing"} }, "cls must be a [token, id] pair"},
		{"pair in single template", func(d map[string]any) {
			post(d)["single"] = []any{map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}}
		}, `sequence "B"`},
		{"template without sequence", func(d map[string]any) { post(d)["single"] = []any{} }, "lacks a sequence"},
		{"unknown template special", func(d map[string]any) { delete(post(d)["special_tokens"].(map[string]any), "[SEP]") }, `special token "[SEP]"`},
		{"bert processing malformed", func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "BertProcessing", "sep": []any{"[SEP]"}, "cls": []any{"[CLS]", 2}}
		}, "sep must be a [token, id] pair"},
		{"normalized added token", func(d map[string]any) { added(d)["normalized"] = true }, "normalized=true"},
		{"lstrip added token", func(d map[string]any) { added(d)["lstrip"] = true }, "lstrip"},
		{"single word added token", func(d map[string]any) { added(d)["single_word"] = true }, "single_word"},
		{"empty added token", func(d map[string]any) { added(d)["content"] = "" }, "empty content"},
		{"odd truncation strategy", func(d map[string]any) {
			d["truncation"] = map[string]any{"max_length": 8, "strategy": "Middle", "direction": "Right"}
		}, `truncation strategy "Middle"`},
		{"odd truncation direction", func(d map[string]any) {
			d["truncation"] = map[string]any{"max_length": 8, "strategy": "LongestFirst", "direction": "Middle"}
		}, `direction "Middle"`},
		{"max length too small", func(d map[string]any) {
			d["truncation"] = map[string]any{"max_length": 2, "strategy": "LongestFirst", "direction": "Right"}
		}, "max length 2 leaves no room"},
		{"not json", nil, "tokenizer.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("{not json")
			if tt.edit != nil {
				data = tinyTokenizerJSON(t, tt.edit)
			}
			_, err := NewBertTokenizer(data, 0)
			if err == nil {
				t.Fatalf("want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "embed: ") {
				t.Fatalf("error %q: want the embed: prefix and %q", err, tt.want)
			}
		})
	}
}

func TestParseTokenizerJSONAccepts(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(doc map[string]any)
		wantIDs []int64
	}{
		{"template", nil, []int64{2, 8, 10, 3}},
		{"bert processing", func(d map[string]any) {
			d["post_processor"] = map[string]any{"type": "BertProcessing", "sep": []any{"[SEP]", 3}, "cls": []any{"[CLS]", 2}}
		}, []int64{2, 8, 10, 3}},
		{"no post-processor", func(d map[string]any) { d["post_processor"] = nil }, []int64{8, 10}},
		{"no normalizer", func(d map[string]any) { d["normalizer"] = nil }, []int64{2, 1, 10, 3}},
		{"untyped wordpiece", func(d map[string]any) { delete(d["model"].(map[string]any), "type") }, []int64{2, 8, 10, 3}},
		{"defaults", func(d map[string]any) {
			m := d["model"].(map[string]any)
			delete(m, "continuing_subword_prefix")
			delete(m, "max_input_chars_per_word")
			d["normalizer"] = map[string]any{"type": "BertNormalizer"}
		}, []int64{2, 8, 10, 3}},
		{"decoder and padding ignored", func(d map[string]any) {
			d["decoder"] = map[string]any{"type": "Anything"}
			d["padding"] = map[string]any{"strategy": "BatchLongest"}
		}, []int64{2, 8, 10, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewBertTokenizer(tinyTokenizerJSON(t, tt.edit), 0)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := tok.Encode("Hello!")
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(enc.IDs, tt.wantIDs) {
				t.Fatalf("ids %v (%q), want %v", enc.IDs, tok.Tokens(enc.IDs), tt.wantIDs)
			}
		})
	}
}

func TestMaxLengthSource(t *testing.T) {
	withTrunc := func(d map[string]any) {
		d["truncation"] = map[string]any{"max_length": 7, "strategy": "LongestFirst", "direction": "Right", "stride": 0}
	}
	tests := []struct {
		name string
		edit func(map[string]any)
		arg  int
		want int
	}{
		{"default 512", nil, 0, 512},
		{"from tokenizer.json", withTrunc, 0, 7},
		{"negative means tokenizer.json", withTrunc, -1, 7},
		{"argument wins", withTrunc, 32, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewTokenizerFromJSON(tinyTokenizerJSON(t, tt.edit), tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.MaxLength(); got != tt.want {
				t.Fatalf("MaxLength %d, want %d", got, tt.want)
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package embed

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/instructd/instructd/internal/testenv"
)

func readTokenizerFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newFixtureTokenizer(t testing.TB, name string, maxLength int) *BertTokenizer {
	t.Helper()
	tok, err := NewBertTokenizer(readTokenizerFixture(t, name), maxLength)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// labseJSON is daulet's sentence-transformers-labse.json, a 14-token cased vocab, with
// [UNK] added (the original lacks it, which we reject at load and HF rejects at the
// first unknown word) and the given truncation.
func labseJSON(t *testing.T, truncation any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readTokenizerFixture(t, "sentence-transformers-labse.json"), &doc); err != nil {
		t.Fatal(err)
	}
	doc["model"].(map[string]any)["vocab"].(map[string]any)["[UNK]"] = 100
	doc["truncation"] = truncation
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDauletGoldenCases transcribes every encode case of daulet/tokenizers v1.24.0
// tokenizer_test.go for bert-base-uncased, all-MiniLM-L6-v2 and its LaBSE fixture.
func TestDauletGoldenCases(t *testing.T) {
	bert := newFixtureTokenizer(t, "bert-base-uncased.json", 0)
	minilm := newFixtureTokenizer(t, "all-minilm-l6-v2.json", 0)
	labse, err := NewBertTokenizer(labseJSON(t, nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	fox := "brown fox jumps over the lazy dog"
	foxOffsets := [][2]int{{0, 5}, {6, 9}, {10, 15}, {16, 20}, {21, 24}, {25, 29}, {30, 33}}
	withSpecial := func(o [][2]int) [][2]int { return slices.Concat([][2]int{{0, 0}}, o, [][2]int{{0, 0}}) }
	tests := []struct {
		name        string
		tok         *BertTokenizer
		text        string
		addSpecial  bool
		wantIDs     []int64
		wantTokens  []string
		wantOffsets [][2]int
	}{
		{"bert without special tokens", bert, fox, false,
			[]int64{2829, 4419, 14523, 2058, 1996, 13971, 3899},
			[]string{"brown", "fox", "jumps", "over", "the", "lazy", "dog"}, foxOffsets},
		{"bert with special tokens", bert, fox, true,
			[]int64{101, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102},
			[]string{"[CLS]", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "[SEP]"}, withSpecial(foxOffsets)},
		{"bert empty string", bert, "", false, []int64{}, []string{}, [][2]int{}},
		{"bert empty string with special tokens", bert, "", true,
			[]int64{101, 102}, []string{"[CLS]", "[SEP]"}, [][2]int{{0, 0}, {0, 0}}},
		// HF reports [3, 4]: the C string is converted lossily, "\x91" becoming the
		// 3-byte U+FFFD. We report offsets into the original bytes.
		{"bert invalid utf8", bert, "\x91D", false, []int64{1040}, []string{"d"}, [][2]int{{1, 2}}},
		// TestEncodeWithPadding without the padding, which is the batcher's job here.
		{"minilm short sentence", minilm, "this short sentence", false,
			[]int64{0x7e7, 0x99c, 0x186b}, []string{"this", "short", "sentence"}, [][2]int{{0, 4}, {5, 10}, {11, 19}}},
		{"labse without special tokens", labse, fox, false,
			[]int64{0xca3f, 0x2f304, 0x5185b, 0x3c54, 0x3a89, 0x35fc3, 0x57b4},
			[]string{"brown", "fox", "jumps", "over", "the", "lazy", "dog"}, foxOffsets},
		{"labse with special tokens", labse, fox, true,
			[]int64{0x65, 0xca3f, 0x2f304, 0x5185b, 0x3c54, 0x3a89, 0x35fc3, 0x57b4, 0x66},
			[]string{"[CLS]", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "[SEP]"}, withSpecial(foxOffsets)},
		{"labse special tokens in text", labse, "[CLS]fox[SEP]", false,
			[]int64{101, 193284, 102}, []string{"[CLS]", "fox", "[SEP]"}, [][2]int{{0, 5}, {5, 8}, {8, 13}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tt.tok.EncodeWith(tt.text, tt.addSpecial)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(enc.IDs, tt.wantIDs) {
				t.Errorf("ids %v, want %v", enc.IDs, tt.wantIDs)
			}
			if got := tt.tok.Tokens(enc.IDs); !slices.Equal(got, tt.wantTokens) {
				t.Errorf("tokens %q, want %q", got, tt.wantTokens)
			}
			if !slices.Equal(enc.Offsets, tt.wantOffsets) {
				t.Errorf("offsets %v, want %v", enc.Offsets, tt.wantOffsets)
			}
			for i := range enc.IDs {
				wantSpecial := tt.addSpecial && (i == 0 || i == len(enc.IDs)-1)
				if enc.TypeIDs[i] != 0 || enc.AttentionMask[i] != 1 || enc.SpecialTokens[i] != wantSpecial {
					t.Errorf("token %d: type %d mask %d special %v", i, enc.TypeIDs[i], enc.AttentionMask[i], enc.SpecialTokens[i])
				}
			}
		})
	}

	t.Run("bert vocab size", func(t *testing.T) {
		if got := bert.VocabSize(); got != 30522 {
			t.Fatalf("VocabSize %d, want 30522", got)
		}
	})
	// TestDecode's id lists, read back as tokens.
	t.Run("bert tokens of ids", func(t *testing.T) {
		got := strings.Join(bert.Tokens([]int64{101, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102}), " ")
		if want := "[CLS] brown fox jumps over the lazy dog [SEP]"; got != want {
			t.Fatalf("tokens %q, want %q", got, want)
		}
	})

	truncation := []struct {
		name       string
		direction  string
		addSpecial bool
		wantIDs    []int64
	}{
		{"labse left truncation", "Left", false, []int64{0x5185b, 0x3c54, 0x3a89, 0x35fc3, 0x57b4}},
		{"labse right truncation", "Right", false, []int64{0xca3f, 0x2f304, 0x5185b, 0x3c54, 0x3a89}},
		{"labse left truncation with special tokens", "Left", true, []int64{0x65, 0x3a89, 0x35fc3, 0x57b4, 0x66}},
		{"labse right truncation with special tokens", "Right", true, []int64{0x65, 0xca3f, 0x2f304, 0x5185b, 0x66}},
	}
	for _, tt := range truncation {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewBertTokenizer(labseJSON(t, map[string]any{"direction": tt.direction, "max_length": 5, "strategy": "LongestFirst", "stride": 0}), 0)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := tok.EncodeWith(fox, tt.addSpecial)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(enc.IDs, tt.wantIDs) || !enc.Truncated {
				t.Fatalf("ids %v truncated %v, want %v truncated", enc.IDs, enc.Truncated, tt.wantIDs)
			}
		})
	}
}

// TestEncodeCases covers what the golden file checks in bulk, one named behaviour at a time.
func TestEncodeCases(t *testing.T) {
	bert := newFixtureTokenizer(t, "bert-base-uncased.json", 0)
	long := strings.Repeat("a", 101)
	tests := []struct {
		name       string
		text       string
		wantTokens []string
	}{
		{"accents stripped", "Café Naïve ÅNGSTRÖM", []string{"cafe", "naive", "ang", "##strom"}},
		{"combining marks stripped", "e\u0301te\u0301", []string{"et", "##e"}},
		{"cjk characters split", "中文分词", []string{"中", "文", "分", "[UNK]"}},
		{"cjk beside latin", "ab中cd", []string{"ab", "中", "cd"}},
		{"emoji unknown", "hi 😀!", []string{"hi", "[UNK]", "!"}},
		{"control characters removed", "he\x00llo\u200b wor\x07ld\ufeff", []string{"hello", "world"}},
		{"replacement character removed", "a\ufffdb", []string{"ab"}},
		{"unusual whitespace splits", "a\u00a0b\u3000c\td\ne", []string{"a", "b", "c", "d", "e"}},
		{"ascii symbols are punctuation", "a$b+c|d", []string{"a", "$", "b", "+", "c", "|", "d"}},
		{"unicode punctuation", "«a»—b", []string{"«", "a", "»", "—", "b"}},
		{"subwords", "unaffable tokenization", []string{"una", "##ffa", "##ble", "token", "##ization"}},
		{"empty", "", nil},
		{"whitespace only", " \t\n\u3000 ", nil},
		{"word over 100 characters", long + " b", []string{"[UNK]", "b"}},
		{"word of 100 characters", strings.Repeat("a", 100), nil}, // checked below: not [UNK]
		{"special token in text", "hello [SEP] world", []string{"hello", "[SEP]", "world"}},
		{"special token is case-sensitive", "[sep]", []string{"[", "sep", "]"}},
		{"special tokens back to back", "[MASK][MASK]x", []string{"[MASK]", "[MASK]", "x"}},
		{"invalid utf8 dropped", "a\xffb\xc3", []string{"ab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := bert.Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got := bert.Tokens(enc.IDs)
			if got[0] != "[CLS]" || got[len(got)-1] != "[SEP]" || !enc.SpecialTokens[0] || !enc.SpecialTokens[len(got)-1] {
				t.Fatalf("tokens %q: want [CLS] … [SEP] marked special", got)
			}
			got = got[1 : len(got)-1]
			if tt.name == "word of 100 characters" {
				if slices.Contains(got, "[UNK]") || len(got) == 0 {
					t.Fatalf("tokens %q: a 100-character word is within the limit", got)
				}
				return
			}
			if !slices.Equal(got, tt.wantTokens) && !(len(got) == 0 && len(tt.wantTokens) == 0) {
				t.Fatalf("tokens %q, want %q", got, tt.wantTokens)
			}
		})
	}

	t.Run("in-text special token keeps its offsets", func(t *testing.T) {
		enc, _ := bert.Encode("hello [SEP] world")
		if enc.Offsets[2] != [2]int{6, 11} || enc.SpecialTokens[2] {
			t.Fatalf("in-text [SEP]: offsets %v special %v, want [6 11] and not added by the post-processor", enc.Offsets[2], enc.SpecialTokens[2])
		}
	})
	t.Run("long word offsets cover the word", func(t *testing.T) {
		enc, _ := bert.Encode("x " + long)
		if enc.Offsets[2] != [2]int{2, 103} {
			t.Fatalf("offsets %v, want [2 103]", enc.Offsets[2])
		}
	})
}

func TestTruncation(t *testing.T) {
	tok := newFixtureTokenizer(t, "bert-base-uncased.json", 8)
	tests := []struct {
		name          string
		text          string
		wantTokens    []string
		wantTruncated bool
	}{
		{"fits", "one two three", []string{"[CLS]", "one", "two", "three", "[SEP]"}, false},
		{"exactly fits", "one two three four five six", []string{"[CLS]", "one", "two", "three", "four", "five", "six", "[SEP]"}, false},
		{"one over", "one two three four five six seven", []string{"[CLS]", "one", "two", "three", "four", "five", "six", "[SEP]"}, true},
		{"subwords count", "tokenization tokenization tokenization tokenization", []string{"[CLS]", "token", "##ization", "token", "##ization", "token", "##ization", "[SEP]"}, true},
		{"special token in text counts", "[SEP] [SEP] [SEP] [SEP] [SEP] [SEP] [SEP]", []string{"[CLS]", "[SEP]", "[SEP]", "[SEP]", "[SEP]", "[SEP]", "[SEP]", "[SEP]"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := tok.Encode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Tokens(enc.IDs); !slices.Equal(got, tt.wantTokens) || enc.Truncated != tt.wantTruncated {
				t.Fatalf("tokens %q truncated %v, want %q truncated %v", got, enc.Truncated, tt.wantTokens, tt.wantTruncated)
			}
			if len(enc.IDs) > tok.MaxLength() {
				t.Fatalf("%d tokens exceed MaxLength %d", len(enc.IDs), tok.MaxLength())
			}
		})
	}
	t.Run("without special tokens the budget is MaxLength", func(t *testing.T) {
		enc, _ := tok.EncodeWith("a b c d e f g h i j", false)
		if len(enc.IDs) != 8 || !enc.Truncated || enc.SpecialTokens[0] {
			t.Fatalf("ids %v truncated %v", enc.IDs, enc.Truncated)
		}
	})
}

// stripForCheck is an independent model of what the uncased normalizer does to one
// Latin-script span: lowercase, NFD, drop Mn.
func stripForCheck(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestOffsetsReproduceTokens cuts the original text at each token's offsets and checks
// that the piece, lowercased and without accents, spells the token.
func TestOffsetsReproduceTokens(t *testing.T) {
	bert := newFixtureTokenizer(t, "bert-base-uncased.json", 0)
	texts := []string{
		"The Quick Brown Fox, naïvely jumping over façades; tokenization's unaffable!",
		"Crème brûlée at Zoë's café — €5 (about $5.50), e.g. U.S.A.",
		"Ångström units: 1Å = 0.1 nm; résumé vs. resume?",
		"hello [SEP] world [MASK].",
		"  leading and trailing spaces\t\n",
	}
	for _, text := range texts {
		enc, err := bert.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		toks := bert.Tokens(enc.IDs)
		prevStart := 0
		for i, tk := range toks {
			off := enc.Offsets[i]
			if enc.SpecialTokens[i] {
				if off != [2]int{0, 0} {
					t.Errorf("%q: special token %q has offsets %v", text, tk, off)
				}
				continue
			}
			if off[0] < prevStart || off[0] > off[1] || off[1] > len(text) {
				t.Errorf("%q: token %d %q has offsets %v", text, i, tk, off)
				continue
			}
			prevStart = off[0]
			if tk == "[UNK]" || strings.HasPrefix(tk, "[") && strings.HasSuffix(tk, "]") && len(tk) > 2 {
				if tk != "[UNK]" && text[off[0]:off[1]] != tk {
					t.Errorf("%q: added token %q covers %q", text, tk, text[off[0]:off[1]])
				}
				continue
			}
			if got, want := stripForCheck(text[off[0]:off[1]]), strings.TrimPrefix(tk, "##"); got != want {
				t.Errorf("%q: token %q covers %q (%q)", text, tk, text[off[0]:off[1]], got)
			}
		}
	}
}

// TestEncodeConcurrent runs Encode from several goroutines (meant for -race) and checks
// that each result equals the sequential one.
func TestEncodeConcurrent(t *testing.T) {
	bert := newFixtureTokenizer(t, "bert-base-uncased.json", 64)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = fmt.Sprintf("Document %d: the café's naïve tokenizer [SEP] handles 中文 and %s.", i, strings.Repeat("words ", i))
	}
	want := make([]Encoding, len(texts))
	for i, s := range texts {
		want[i], _ = bert.Encode(s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(texts))
	for g := range 8 {
		wg.Go(func() {
			for k := range texts {
				i := (k + g*7) % len(texts)
				got, err := bert.Encode(texts[i])
				if err != nil || !slices.Equal(got.IDs, want[i].IDs) || !slices.Equal(got.Offsets, want[i].Offsets) || got.Truncated != want[i].Truncated {
					errs <- fmt.Sprintf("goroutine %d text %d: differs from the sequential encoding", g, i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// checkEncoding asserts the invariants every Encoding must hold.
func checkEncoding(t *testing.T, tok *BertTokenizer, text string, enc Encoding) {
	t.Helper()
	n := len(enc.IDs)
	if n > tok.MaxLength() {
		t.Fatalf("%d tokens exceed MaxLength %d", n, tok.MaxLength())
	}
	if len(enc.TypeIDs) != n || len(enc.AttentionMask) != n || len(enc.Offsets) != n || len(enc.SpecialTokens) != n {
		t.Fatalf("lengths differ: ids %d types %d mask %d offsets %d special %d", n, len(enc.TypeIDs), len(enc.AttentionMask), len(enc.Offsets), len(enc.SpecialTokens))
	}
	prev := 0
	for i, id := range enc.IDs {
		if id < 0 || id >= int64(tok.VocabSize()) {
			t.Fatalf("id %d out of [0, %d)", id, tok.VocabSize())
		}
		if enc.AttentionMask[i] != 1 {
			t.Fatalf("attention mask %d at %d", enc.AttentionMask[i], i)
		}
		off := enc.Offsets[i]
		if enc.SpecialTokens[i] {
			if off != [2]int{0, 0} {
				t.Fatalf("special token %d has offsets %v", i, off)
			}
			continue
		}
		if off[0] < prev || off[0] >= off[1] || off[1] > len(text) {
			t.Fatalf("token %d offsets %v (previous start %d, text length %d)", i, off, prev, len(text))
		}
		prev = off[0]
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", " ", "brown fox jumps over the lazy dog", "Café naïve ÅNGSTRÖM", "中文分词 and 한국어",
		"emoji 😀👍🏽", "[CLS]fox[SEP] [MASK][MASK]", "a\x00b\x91c\xff", strings.Repeat("a", 101),
		"\u0340\u0341 e\u0301 İ ǅ ß", "tokenization tokenization tokenization tokenization tokenization",
		"\ufeff\u200b\u00ad\ue000", "a.b,c;d:e!f?g", "\u037e\u1fef\u2126\u212b",
	} {
		f.Add(s)
	}
	tok, err := NewBertTokenizer(readTokenizerFixture(f, "bert-base-uncased.json"), 16)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		enc, err := tok.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		checkEncoding(t, tok, text, enc)
		again, _ := tok.Encode(text)
		if !slices.Equal(enc.IDs, again.IDs) || !slices.Equal(enc.Offsets, again.Offsets) {
			t.Fatal("Encode is not deterministic")
		}
		if utf8.ValidString(text) && strings.TrimSpace(text) == "" && len(enc.IDs) != 2 {
			t.Fatalf("blank text gave %v", enc.IDs)
		}
	})
}

// BenchmarkEncode tokenizes realistic passages: WordNet-style glosses and a longer
// paragraph, at the MiniLM limit of 256 tokens.
func BenchmarkEncode(b *testing.B) {
	tok := newFixtureTokenizer(b, "bert-base-uncased.json", 256)
	cases := map[string]string{
		"gloss": "dog: a member of the genus Canis (probably descended from the common wolf) that has been domesticated by man since prehistoric times; occurs in many breeds",
		"query": "Represent this sentence for searching relevant passages: what are the health benefits of green tea?",
		"paragraph": strings.Repeat("The experimental results, reported in Table 3, show that the proposed boundary-layer model "+
			"predicts the transition point within 5% of the wind-tunnel measurements at Reynolds numbers above 10^6. ", 4),
		"unicode": "Zoë's café in Zürich serves crème brûlée; 東京の天気は晴れ — naïve façade, 한국어 텍스트, emoji 😀.",
	}
	for name, text := range cases {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			tokens := 0
			for b.Loop() {
				enc, err := tok.Encode(text)
				if err != nil {
					b.Fatal(err)
				}
				tokens = len(enc.IDs)
			}
			b.ReportMetric(float64(tokens), "tokens/op")
		})
	}
}

// BenchmarkEncodeWordNet tokenizes the first 5,000 documents of the generated WordNet
// corpus ("title: text", as gen-golden.js samples them) per iteration, at 256 tokens.
func BenchmarkEncodeWordNet(b *testing.B) {
	tok := newFixtureTokenizer(b, "bert-base-uncased.json", 256)
	f, err := os.Open(testenv.WordNetCorpus(b))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var docs []string
	size := 0
	dec := json.NewDecoder(f)
	for len(docs) < 5000 {
		var d struct{ Title, Text string }
		if err := dec.Decode(&d); err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d.Title+": "+d.Text)
		size += len(docs[len(docs)-1])
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	tokens := 0
	for b.Loop() {
		tokens = 0
		for _, d := range docs {
			enc, err := tok.Encode(d)
			if err != nil {
				b.Fatal(err)
			}
			tokens += len(enc.IDs)
		}
	}
	b.ReportMetric(float64(tokens)/float64(len(docs)), "tokens/doc")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(docs)), "ns/doc")
}

// TestAddedTokensLeftmostLongest checks HF's matching rule for added tokens: the
// leftmost match wins, and at one position the longest.
func TestAddedTokensLeftmostLongest(t *testing.T) {
	tok, err := NewBertTokenizer(tinyTokenizerJSON(t, func(d map[string]any) {
		plain := func(id int, content string) map[string]any {
			return map[string]any{"id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false}
		}
		d["added_tokens"] = append(d["added_tokens"].([]any), plain(30, "<a>"), plain(31, "<a><b>"), plain(32, "xy"), plain(33, "yz!"))
	}), 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []int64
	}{
		{"<a><b>", []int64{2, 31, 3}},              // longest at the same position
		{"<a><c>", []int64{2, 30, 1, 1, 1, 3}},     // then "<", "c", ">": all [UNK] in the tiny vocab
		{"xyz!", []int64{2, 32, 1, 10, 3}},         // leftmost "xy" wins over the longer, overlapping "yz!"
		{"hello<a>world", []int64{2, 8, 30, 9, 3}}, // an added token splits words
	}
	for _, tt := range tests {
		enc, err := tok.Encode(tt.text)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(enc.IDs, tt.want) {
			t.Errorf("%q: ids %v (%q), want %v", tt.text, enc.IDs, tok.Tokens(enc.IDs), tt.want)
		}
	}
}

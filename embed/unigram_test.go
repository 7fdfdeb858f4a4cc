package embed

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func mustUnigram(t *testing.T, raw string) tokenModel {
	t.Helper()
	m, err := parseUnigramModel(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tokenTriples flattens tokens to "value[start:end]=id" for compact comparisons.
func tokenTriples(toks []modelToken) []string {
	out := make([]string, len(toks))
	for i, tok := range toks {
		out[i] = tok.value + "[" + itoa(tok.start) + ":" + itoa(tok.end) + "]=" + itoa(int(tok.id))
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestUnigramViterbi(t *testing.T) {
	m := mustUnigram(t, `{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["a",-1],["b",-2],["ab",-1.5],["c",-3],["ca",-10],["é",-1]]}`)
	cases := []struct {
		name, in string
		want     []string
	}{
		{"best score wins", "ab", []string{"ab[0:2]=3"}},
		{"split beats long low piece", "ca", []string{"c[0:1]=4", "a[1:2]=1"}},
		{"unknowns fuse into one token", "xyab", []string{"xy[0:2]=0", "ab[2:4]=3"}},
		{"unknown runs stay apart around pieces", "xaży", []string{"x[0:1]=0", "a[1:2]=1", "ży[2:5]=0"}},
		{"multibyte piece", "éé", []string{"é[0:2]=6", "é[2:4]=6"}},
		{"empty", "", []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			toks, err := m.tokenize(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := tokenTriples(toks); !slices.Equal(got, c.want) {
				t.Errorf("tokenize(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestUnigramByteFallback(t *testing.T) {
	m := mustUnigram(t, `{"type":"Unigram","unk_id":0,"byte_fallback":true,"vocab":[["<unk>",0],["a",-1],["<0x78>",-5],["<0xC5>",-5],["<0xBC>",-5]]}`)
	toks, err := m.tokenize("axż")
	if err != nil {
		t.Fatal(err)
	}
	// "xż" is one fused unknown; all its bytes have pieces, each spanning the whole run.
	want := []string{"a[0:1]=1", "<0x78>[1:4]=2", "<0xC5>[1:4]=3", "<0xBC>[1:4]=4"}
	if got := tokenTriples(toks); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// One byte without a piece sends the whole run to <unk>.
	toks, err = m.tokenize("aq")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tokenTriples(toks), []string{"a[0:1]=1", "q[1:2]=0"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestUnigramVocabulary(t *testing.T) {
	// A duplicate piece answers with its last id, as Hugging Face's map does.
	m := mustUnigram(t, `{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["a",-1],["a",-2]]}`)
	if id, ok := m.tokenToID("a"); !ok || id != 2 {
		t.Errorf("tokenToID(a) = %d, %v; want 2", id, ok)
	}
	if tok, ok := m.idToToken(1); !ok || tok != "a" {
		t.Errorf("idToToken(1) = %q, %v", tok, ok)
	}
	if _, ok := m.idToToken(3); ok {
		t.Error("idToToken(3) found a token outside the vocab")
	}
	if m.vocabSize() != 3 {
		t.Errorf("vocabSize = %d", m.vocabSize())
	}
	toks, err := m.tokenize("a")
	if err != nil || len(toks) != 1 || toks[0].id != 2 {
		t.Errorf("tokenize(a) = %v, %v; want id 2", toks, err)
	}
}

func TestUnigramErrors(t *testing.T) {
	for name, raw := range map[string]string{
		"empty vocab":     `{"type":"Unigram","unk_id":0,"vocab":[]}`,
		"unk outside":     `{"type":"Unigram","unk_id":5,"vocab":[["a",0]]}`,
		"negative unk":    `{"type":"Unigram","unk_id":-1,"vocab":[["a",0]]}`,
		"entry not pair":  `{"type":"Unigram","unk_id":0,"vocab":[["a"]]}`,
		"score not float": `{"type":"Unigram","unk_id":0,"vocab":[["a","x"]]}`,
		"not an object":   `[1]`,
	} {
		if _, err := parseUnigramModel(json.RawMessage(raw)); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "unigram model:") {
			t.Errorf("%s: error %q lacks the unigram model: prefix", name, err)
		}
	}
	// Without unk_id an unknown character is an error, not a panic.
	m := mustUnigram(t, `{"type":"Unigram","vocab":[["a",0]]}`)
	if _, err := m.tokenize("ab"); err == nil {
		t.Error("unknown char without unk_id: no error")
	}
	if toks, err := m.tokenize("aa"); err != nil || len(toks) != 2 {
		t.Errorf("tokenize(aa) = %v, %v", toks, err)
	}
}

package lexical

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/instructd/instructd/index"
)

// tinyCorpus is the corpus whose BM25 scores are worked out by hand below.
//
//	1: "The cat sat on the mat"  → [cat sat mat]   dl = 3
//	2: "Cat, cat and dog"        → [cat cat dog]   dl = 3
//	3: "A dog barked"            → [dog bark]      dl = 2
//
// N = 3, Σdl = 8, avgdl = 8/3. With k1 = 1.2, b = 0.75:
//
//	idf(cat) = idf(dog) = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln(1.6)      = 0.470003629
//	idf(mat)            = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(2.666…)   = 0.980829253
//	norm(dl=3) = k1·(1 − b + b·3/(8/3)) = 1.2·(0.25 + 0.84375) = 1.3125
//	norm(dl=2) = k1·(1 − b + b·2/(8/3)) = 1.2·(0.25 + 0.5625)  = 0.975
//
//	cat in 1: 0.470003629 · 1·2.2/(1 + 1.3125) = 0.470003629 · 0.951351351 = 0.447138588
//	cat in 2: 0.470003629 · 2·2.2/(2 + 1.3125) = 0.470003629 · 1.328301887 = 0.624306708
//	dog in 2: same as cat in 1                                              = 0.447138588
//	dog in 3: 0.470003629 · 1·2.2/(1 + 0.975)  = 0.470003629 · 1.113924051 = 0.523548347
//	mat in 1: 0.980829253 · 0.951351351                                     = 0.933113235
var tinyCorpus = map[uint64]string{
	1: "The cat sat on the mat",
	2: "Cat, cat and dog",
	3: "A dog barked",
}

func buildIndex(docs map[uint64]string) *Index {
	ix := New(Options{})
	keys := make([]uint64, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		ix.Upsert(k, docs[k])
	}
	return ix
}

func assertResults(t *testing.T, got []index.Result, want []index.Result) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i].Key != want[i].Key || math.Abs(float64(got[i].Score-want[i].Score)) > 1e-6 {
			t.Fatalf("result %d: got %+v, want %+v (all: %v)", i, got[i], want[i], got)
		}
	}
}

func TestSearchHandComputedBM25(t *testing.T) {
	ix := buildIndex(tinyCorpus)
	cases := []struct {
		name  string
		query string
		k     int
		want  []index.Result
	}{
		{"single term", "cat", 10, []index.Result{{Key: 2, Score: 0.624306708}, {Key: 1, Score: 0.447138588}}},
		{"rare term", "mats", 10, []index.Result{{Key: 1, Score: 0.933113235}}},
		// 2: 0.624306708 + 0.447138588 = 1.071445296
		{"two terms", "cats and dogs", 10, []index.Result{{Key: 2, Score: 1.071445296}, {Key: 3, Score: 0.523548347}, {Key: 1, Score: 0.447138588}}},
		{"k cuts", "cat dog", 1, []index.Result{{Key: 2, Score: 1.071445296}}},
		// a repeated query term counts twice: 2·0.933113235
		{"repeated query term", "mat mat", 10, []index.Result{{Key: 1, Score: 1.866226470}}},
		{"no match", "zebra", 10, nil},
		{"stop words only", "the and", 10, nil},
		{"k zero", "cat", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertResults(t, ix.Search(c.query, c.k, nil), c.want)
		})
	}
}

func TestSearchAllowFilter(t *testing.T) {
	ix := buildIndex(tinyCorpus)
	var calls sync.Map
	allow := func(key uint64) bool {
		n, _ := calls.LoadOrStore(key, new(int))
		*(n.(*int))++
		return key != 2
	}
	// Filtering does not change the statistics: scores are those of the full corpus.
	assertResults(t, ix.Search("cat dog", 10, allow), []index.Result{{Key: 3, Score: 0.523548347}, {Key: 1, Score: 0.447138588}})
	calls.Range(func(k, v any) bool {
		if *(v.(*int)) != 1 {
			t.Errorf("allow(%d) called %d times, want once", k, *(v.(*int)))
		}
		return true
	})
}

func TestSearchTiesBrokenByKey(t *testing.T) {
	ix := New(Options{})
	for _, k := range []uint64{9, 3, 7, 1} {
		ix.Upsert(k, "identical text here")
	}
	ix.Upsert(100, "something else")
	got := ix.Search("identical", 3, nil)
	keys := []uint64{got[0].Key, got[1].Key, got[2].Key}
	if !reflect.DeepEqual(keys, []uint64{1, 3, 7}) {
		t.Fatalf("keys %v, want [1 3 7]", keys)
	}
}

func TestOptionsDefaultsAndCustom(t *testing.T) {
	if o := New(Options{}).Options(); o.K1 != 1.2 || o.B != 0.75 {
		t.Fatalf("defaults %+v", o)
	}
	if o := New(Options{K1: math.NaN(), B: 2}).Options(); o.K1 != 1.2 || o.B != 0.75 {
		t.Fatalf("invalid options not defaulted: %+v", o)
	}
	// b = 1, k1 = 2 on the tiny corpus: cat in 2 = 0.470003629·2·3/(2 + 2·(3/(8/3))) = 0.470003629·6/4.25
	ix := New(Options{K1: 2, B: 1})
	for k, v := range tinyCorpus {
		ix.Upsert(k, v)
	}
	got := ix.Search("cat", 1, nil)
	assertResults(t, got, []index.Result{{Key: 2, Score: float32(0.47000362924573563 * 6 / 4.25)}})
}

func TestMatching(t *testing.T) {
	ix := buildIndex(map[uint64]string{
		1: "Moses led the Israelites out of Egypt",
		2: "The Exodus from Egypt",
		3: "Notre Dame cathedral in Paris",
		4: "A sailor ties a knot",
	})
	cases := []struct {
		phrase string
		want   []uint64
	}{
		{"Moses", []uint64{1}},
		{"moses's", []uint64{1}},
		{"Egypt", []uint64{1, 2}},
		{"the exodus from egypt", []uint64{2}},
		{"Egypt Paris", nil},
		{"Notre Dame", []uint64{3}},
		{"not", nil},
		{"", nil},
		{"the of and", nil},
		{"knots", []uint64{4}},
		{"unicorn", nil},
	}
	for _, c := range cases {
		got := ix.Matching(c.phrase)
		keys := make([]uint64, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		if len(keys) == 0 {
			keys = nil
		}
		if got == nil {
			t.Errorf("Matching(%q) returned nil map", c.phrase)
		}
		if !reflect.DeepEqual(keys, c.want) {
			t.Errorf("Matching(%q) = %v, want %v", c.phrase, keys, c.want)
		}
		for key := uint64(0); key <= 5; key++ {
			_, want := got[key]
			if ix.ContainsTerms(key, Analyze(c.phrase)) != want {
				t.Errorf("ContainsTerms(%d, %q) disagrees with Matching", key, c.phrase)
			}
		}
	}
}

// randomCorpus draws texts from a small vocabulary so that terms overlap.
func randomCorpus(rng *rand.Rand, n int) []string {
	vocab := strings.Fields("apple banana cherry date elder fig grape honeydew kiwi lemon mango nectarine olive papaya quince the and of")
	out := make([]string, n)
	for i := range out {
		words := make([]string, 1+rng.Intn(12))
		for j := range words {
			words[j] = vocab[rng.Intn(len(vocab))]
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

// dump is the index's content in a form independent of dense ids.
func dump(ix *Index) (postings map[string]map[uint64]uint32, lengths map[uint64]int) {
	postings = map[string]map[uint64]uint32{}
	for term, p := range ix.postings {
		if p.term != term || len(p.docs) != len(p.tfs) || len(p.docs) == 0 {
			panic("broken posting list " + term)
		}
		m := map[uint64]uint32{}
		for i, id := range p.docs {
			m[ix.docs[id].key] = p.tfs[i]
		}
		postings[term] = m
	}
	lengths = map[uint64]int{}
	for key, id := range ix.ids {
		if !ix.docs[id].live || ix.docs[id].key != key {
			panic("broken id map")
		}
		lengths[key] = ix.docs[id].length
	}
	return postings, lengths
}

// equalIndexes compares everything that scoring depends on.
func equalIndexes(t *testing.T, got, want *Index) {
	t.Helper()
	if got.Len() != want.Len() || got.totalLen != want.totalLen {
		t.Fatalf("stats differ: len %d/%d total %d/%d", got.Len(), want.Len(), got.totalLen, want.totalLen)
	}
	gp, gl := dump(got)
	wp, wl := dump(want)
	if !reflect.DeepEqual(gp, wp) {
		t.Fatalf("postings differ")
	}
	if !reflect.DeepEqual(gl, wl) {
		t.Fatalf("document lengths differ")
	}
	live := 0
	for _, d := range got.docs {
		if d.live {
			live++
		}
	}
	if live+len(got.free) != len(got.docs) || live != got.Len() {
		t.Fatalf("dense ids leak: %d live + %d free != %d", live, len(got.free), len(got.docs))
	}
	for _, q := range []string{"apple", "banana cherry", "fig grape kiwi lemon", "quince quince olive"} {
		a, b := got.Search(q, 20, nil), want.Search(q, 20, nil)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("Search(%q): %v, fresh index %v", q, a, b)
		}
	}
}

func TestUpsertAndDeleteKeepStatsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	ix := New(Options{})
	final := map[uint64]string{}
	for step := 0; step < 3000; step++ {
		key := uint64(rng.Intn(200))
		switch rng.Intn(4) {
		case 0:
			ix.Delete(key)
			delete(final, key)
		default:
			text := randomCorpus(rng, 1)[0]
			if rng.Intn(10) == 0 {
				text = "the and of" // all stop words: a zero-length document
			}
			ix.Upsert(key, text)
			final[key] = text
		}
	}
	ix.Delete(12345) // unknown key: no-op
	equalIndexes(t, ix, buildIndex(final))
}

func TestEmptyDocumentCountsButNeverMatches(t *testing.T) {
	ix := buildIndex(map[uint64]string{1: "", 2: "the of", 3: "cat"})
	if ix.Len() != 3 {
		t.Fatalf("Len = %d, want 3", ix.Len())
	}
	got := ix.Search("cat the", 10, nil)
	if len(got) != 1 || got[0].Key != 3 {
		t.Fatalf("got %v", got)
	}
	// N = 3, df = 1, avgdl = 1/3: idf = ln(1 + 2.5/1.5), norm = 1.2·(0.25 + 0.75·3) = 3
	want := float32(math.Log(1+2.5/1.5) * 2.2 / (1 + 3))
	if math.Abs(float64(got[0].Score-want)) > 1e-6 {
		t.Fatalf("score %v, want %v", got[0].Score, want)
	}
	ix.Delete(3)
	if got := ix.Search("cat", 10, nil); got != nil {
		t.Fatalf("deleted doc still found: %v", got)
	}
	if ix.Terms() != 0 {
		t.Fatalf("dictionary keeps %d terms after the last posting went", ix.Terms())
	}
}

func TestConcurrentUse(t *testing.T) {
	ix := New(Options{})
	texts := randomCorpus(rand.New(rand.NewSource(1)), 500)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(texts); i += 4 {
				ix.Upsert(uint64(i), texts[i])
				if i%7 == 0 {
					ix.Delete(uint64(i))
				}
			}
		}(w)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_ = ix.Search(fmt.Sprintf("apple %s", texts[(i+w)%len(texts)]), 5, func(k uint64) bool { return k%2 == 0 })
				_ = ix.Matching("banana cherry")
				_ = ix.Len()
			}
		}(w)
	}
	wg.Wait()
	want := map[uint64]string{}
	for i, s := range texts {
		if i%7 != 0 {
			want[uint64(i)] = s
		}
	}
	equalIndexes(t, ix, buildIndex(want))
}

func TestExhaustiveAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	ix := New(Options{})
	for i, s := range randomCorpus(rng, 400) {
		ix.Upsert(uint64(i), s)
	}
	for i := 0; i < 100; i += 3 {
		ix.Delete(uint64(i))
	}
	for _, q := range randomCorpus(rng, 30) {
		if got, want := ix.Search(q, 15, nil), exhaustiveSearch(ix, q, 15); !reflect.DeepEqual(got, want) {
			t.Fatalf("Search(%q) = %v, exhaustive %v", q, got, want)
		}
	}
}

package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/instructd/instructd/server"
)

const eps = 1e-9

func near(a, b float64) bool { return math.Abs(a-b) < eps }

// graded is the judgment set of most cases: b and e are highly relevant, d marginally, a is
// judged non-relevant (0), c is unjudged (also non-relevant), e is never retrieved.
var graded = Judgments{"a": 0, "b": 3, "d": 1, "e": 2}

func TestMetricsHandComputed(t *testing.T) {
	run := []string{"a", "b", "c", "d"}
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		// DCG@10 = 3/log2(3) + 1/log2(5) = 1.8927892607 + 0.4306765581 = 2.3234658188
		// (a is judged 0, c unjudged: both gain 0).
		// IDCG@10 ranks ALL relevant judgments, including e which was not retrieved:
		// 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595071 + 0.5 = 4.7618595071.
		// nDCG@10 = 2.3234658188 / 4.7618595071 = 0.4879324590.
		{"ndcg@10 graded, relevant doc missing from run", NDCG(run, graded, 10), 0.4879324590115489},
		// k larger than the run changes nothing.
		{"ndcg@100 k beyond the run", NDCG(run, graded, 100), 0.4879324590115489},
		// DCG@2 = 3/log2(3) = 1.8927892607; IDCG@2 = 3 + 2/log2(3) = 4.2618595071 → 0.4441228664.
		{"ndcg@2 ideal cut at k", NDCG(run, graded, 2), 0.44412286644879784},
		// Relevant: b, d, e (a has rel 0). Top 10 holds b and d → 2/3.
		{"recall@10", Recall(run, graded, 10), 2.0 / 3},
		// Top 2 is a, b → 1/3.
		{"recall@2", Recall(run, graded, 2), 1.0 / 3},
		// First relevant is b at rank 2.
		{"mrr@10", MRR(run, graded, 10), 0.5},
		// Top 1 is a (judged 0): nothing relevant.
		{"mrr@1", MRR(run, graded, 1), 0},
		// Precision at b (rank 2) = 1/2, at d (rank 4) = 2/4; summed 1.0, over 3 relevant → 1/3.
		{"map@100", AP(run, graded, 100), 1.0 / 3},
		// Only b within the top 3: (1/2) / 3 = 1/6 (the denominator stays all relevant docs).
		{"map@3", AP(run, graded, 3), 1.0 / 6},
		// Perfect binary run: a single relevant doc at rank 1.
		{"ndcg perfect", NDCG([]string{"x", "y"}, Judgments{"x": 1}, 10), 1},
		// Empty run: everything 0.
		{"ndcg empty run", NDCG(nil, graded, 10), 0},
		{"recall empty run", Recall(nil, graded, 100), 0},
		{"mrr empty run", MRR(nil, graded, 10), 0},
		{"map empty run", AP(nil, graded, 100), 0},
		// No relevant judgment at all (only rel <= 0): defined as 0, never NaN.
		{"ndcg no relevant", NDCG(run, Judgments{"a": 0, "b": -1}, 10), 0},
		{"recall no relevant", Recall(run, Judgments{"a": 0}, 10), 0},
		{"map no relevant", AP(run, Judgments{}, 10), 0},
		// A negative judgment is non-relevant: b=-1 earns nothing, d at rank 4 is the only hit.
		// nDCG = (1/log2(5)) / 1 = 0.4306765581.
		{"negative judgment", NDCG(run, Judgments{"b": -1, "d": 1}, 10), 1 / math.Log2(5)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !near(c.got, c.want) {
				t.Errorf("got %.12f, want %.12f", c.got, c.want)
			}
		})
	}
}

func TestRankTiesAndDuplicates(t *testing.T) {
	hits := []server.SearchHit{
		{ID: "x", Score: 0.5},
		{ID: "z", Score: 0.9},
		{ID: "y", Score: 0.5},
		{ID: "10", Score: 0.5},
		{ID: "9", Score: 0.5},
		{ID: "z", Score: 0.1}, // a repeated id keeps its best position
	}
	// Score descending; ties by id in descending byte order, as trec_eval: "y" > "x" > "9" > "10".
	want := []string{"z", "y", "x", "9", "10"}
	if got := Rank(hits); !reflect.DeepEqual(got, want) {
		t.Fatalf("Rank = %v, want %v", got, want)
	}
	// With x the only relevant doc, the tie puts it third whatever order the server sent.
	if got := MRR(Rank(hits), Judgments{"x": 1}, 10); !near(got, 1.0/3) {
		t.Errorf("MRR = %v, want 1/3", got)
	}
	if got := Rank(nil); len(got) != 0 {
		t.Errorf("Rank(nil) = %v", got)
	}
}

func TestScoreAndMean(t *testing.T) {
	s := Score([]string{"a", "b", "c", "d"}, graded)
	if !near(s.NDCG10, 0.4879324590115489) || !near(s.Recall100, 2.0/3) || !near(s.MRR10, 0.5) || !near(s.MAP100, 1.0/3) {
		t.Fatalf("Score = %+v", s)
	}
	m := Mean([]Scores{{NDCG10: 1, Recall10: 1}, {NDCG10: 0.5}})
	if !near(m.NDCG10, 0.75) || !near(m.Recall10, 0.5) {
		t.Errorf("Mean = %+v", m)
	}
	if m := Mean(nil); m != (Scores{}) {
		t.Errorf("Mean(nil) = %+v", m)
	}
}

func TestPairedMRR(t *testing.T) {
	// RankScore: moved down 2 → 4: 1 - (1/4)/(1/2) = 0.5; moved up 2 → 1: (1/2)/(1/1) - 1 = -0.5;
	// unchanged rank 3 → 3: (1/3)/(1/3) - 1 = 0.
	for _, c := range []struct {
		og, nw int
		want   float64
	}{{2, 4, 0.5}, {2, 1, -0.5}, {3, 3, 0}, {1, 10, 0.9}, {10, 1, -0.9}} {
		if got := RankScore(c.og, c.nw); !near(got, c.want) {
			t.Errorf("RankScore(%d, %d) = %v, want %v", c.og, c.nw, got, c.want)
		}
	}
	og := Judgments{"d4": 1, "d5": 2, "d6": 1, "d9": 0}
	changed := Judgments{"d4": 0, "d5": 2} // d6 dropped from the qrels: non-relevant too
	if got := ChangedDocs(og, changed); !reflect.DeepEqual(got, []string{"d4", "d6"}) {
		t.Fatalf("ChangedDocs = %v", got)
	}
	// d4: og rank 2, changed rank 1 → -0.5. d6: og rank 3; not retrieved in the changed run of
	// length 2 → rank 3 → 0. Mean -0.25.
	p, ok := PairedMRR([]string{"d5", "d4", "d6"}, []string{"d4", "d5"}, og, changed)
	if !ok || !near(p, -0.25) {
		t.Errorf("PairedMRR = %v, %v; want -0.25, true", p, ok)
	}
	// A changed document retrieved by neither run ranks one past each run's end (mteb's
	// get_rank_from_dict): og run of 3 → 4, changed run of 2 → 3, so 4 ≥ 3 → 3/4 - 1 = -0.25.
	if p, ok := PairedMRR([]string{"x", "y", "z"}, []string{"x", "y"}, Judgments{"d": 1}, Judgments{}); !ok || !near(p, -0.25) {
		t.Errorf("PairedMRR unretrieved = %v, %v; want -0.25", p, ok)
	}
	// No changed document: the query takes no part.
	if _, ok := PairedMRR([]string{"a"}, []string{"a"}, Judgments{"a": 1}, Judgments{"a": 1}); ok {
		t.Error("PairedMRR without changed docs reported ok")
	}
}

// TestMetricsProperties checks bounds and the ideal ranking on random cases.
func TestMetricsProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 500; n++ {
		j := Judgments{}
		var ranking []string
		for d := 0; d < 1+rng.IntN(30); d++ {
			id := fmt.Sprintf("d%d", d)
			if rng.IntN(2) == 0 {
				j[id] = rng.IntN(4) - 1
			}
			if rng.IntN(3) > 0 {
				ranking = append(ranking, id)
			}
		}
		rng.Shuffle(len(ranking), func(a, b int) { ranking[a], ranking[b] = ranking[b], ranking[a] })
		k := 1 + rng.IntN(20)
		for name, v := range map[string]float64{
			"ndcg": NDCG(ranking, j, k), "recall": Recall(ranking, j, k), "mrr": MRR(ranking, j, k), "ap": AP(ranking, j, k),
		} {
			if v < 0 || v > 1+eps || math.IsNaN(v) {
				t.Fatalf("%s = %v out of [0, 1] for %v / %v @%d", name, v, ranking, j, k)
			}
		}
		// The ideal ranking (relevant docs by gain, descending) has nDCG 1 and AP 1.
		var ideal []string
		for id, rel := range j {
			if rel > 0 {
				ideal = append(ideal, id)
			}
		}
		sort.Slice(ideal, func(a, b int) bool { return j[ideal[a]] > j[ideal[b]] })
		if len(ideal) > 0 && (!near(NDCG(ideal, j, 0), 1) || !near(AP(ideal, j, 0), 1)) {
			t.Fatalf("ideal ranking %v of %v: nDCG %v, AP %v", ideal, j, NDCG(ideal, j, 0), AP(ideal, j, 0))
		}
	}
}

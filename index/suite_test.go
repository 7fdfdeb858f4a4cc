package index

import (
	"context"
	"errors"
	"math"
	"testing"
)

// TestEngines runs one behavioural suite against every engine.
func TestEngines(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Run("basic", func(t *testing.T) { testBasic(t, e) })
			t.Run("replace_delete", func(t *testing.T) { testReplaceDelete(t, e) })
			t.Run("metrics", func(t *testing.T) { testMetrics(t, e) })
			t.Run("bad_input", func(t *testing.T) { testBadInput(t, e) })
			t.Run("recall", func(t *testing.T) { testRecall(t, e) })
			t.Run("closed", func(t *testing.T) { testClosed(t, e) })
		})
	}
}

func testBasic(t *testing.T, e engine) {
	x := mustNew(t, e.make, Config{Dimension: 16, ExactThreshold: 100})
	vecs := clustered(1, 500, 16, 10)
	mustUpsert(t, x, seqKeys(500, 1000), vecs)
	if x.Len() != 500 {
		t.Fatalf("Len = %d, want 500", x.Len())
	}
	for i := 0; i < 500; i += 37 {
		res := mustSearch(t, x, vecs[i], SearchOptions{K: 5})
		if len(res) != 5 {
			t.Fatalf("got %d results, want 5", len(res))
		}
		if res[0].Key != uint64(1000+i) {
			t.Fatalf("own vector: top key %d, want %d", res[0].Key, 1000+i)
		}
		if math.Abs(float64(res[0].Score)-1) > 1e-4 {
			t.Fatalf("own vector under cosine: score %v, want 1", res[0].Score)
		}
		for j := 1; j < len(res); j++ {
			if res[j].Score > res[j-1].Score {
				t.Fatalf("results not best first: %v", res)
			}
		}
	}
	// k larger than the index returns everything.
	small := mustNew(t, e.make, Config{Dimension: 16})
	mustUpsert(t, small, seqKeys(3, 0), vecs[:3])
	if res := mustSearch(t, small, vecs[0], SearchOptions{K: 10}); len(res) != 3 {
		t.Fatalf("k > len: got %d results, want 3", len(res))
	}
	// An empty index returns nothing.
	empty := mustNew(t, e.make, Config{Dimension: 16})
	if res := mustSearch(t, empty, vecs[0], SearchOptions{K: 10}); len(res) != 0 {
		t.Fatalf("empty index: got %v", res)
	}
	st := x.Stats()
	if st.Count != 500 || st.Dimension != 16 || st.Metric != Cosine || st.Bytes <= 0 {
		t.Fatalf("stats %+v", st)
	}
}

func testReplaceDelete(t *testing.T, e engine) {
	x := mustNew(t, e.make, Config{Dimension: 8, ExactThreshold: 50})
	vecs := clustered(2, 200, 8, 5)
	keys := seqKeys(200, 0)
	mustUpsert(t, x, keys, vecs)
	// Replace key 7 by the vector of key 150: a search for it now finds 7 and 150 tied.
	mustUpsert(t, x, []uint64{7}, [][]float32{vecs[150]})
	if x.Len() != 200 {
		t.Fatalf("replace changed Len to %d", x.Len())
	}
	res := mustSearch(t, x, vecs[150], SearchOptions{K: 2})
	got := map[uint64]bool{res[0].Key: true, res[1].Key: true}
	if !got[7] || !got[150] {
		t.Fatalf("after replace: %v, want keys 7 and 150", res)
	}
	// Delete, including unknown keys and duplicates.
	if err := x.Delete(7, 150, 150, 99999); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 198 {
		t.Fatalf("Len after delete = %d, want 198", x.Len())
	}
	for _, r := range mustSearch(t, x, vecs[150], SearchOptions{K: 50}) {
		if r.Key == 7 || r.Key == 150 {
			t.Fatalf("deleted key %d returned", r.Key)
		}
	}
	// Re-insert a deleted key.
	mustUpsert(t, x, []uint64{150}, [][]float32{vecs[150]})
	if x.Len() != 199 {
		t.Fatalf("Len after re-insert = %d, want 199", x.Len())
	}
	if res := mustSearch(t, x, vecs[150], SearchOptions{K: 1}); res[0].Key != 150 {
		t.Fatalf("re-inserted key not found: %v", res)
	}
	// Delete everything.
	if err := x.Delete(keys...); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 0 {
		t.Fatalf("Len after deleting all = %d", x.Len())
	}
	if res := mustSearch(t, x, vecs[0], SearchOptions{K: 5}); len(res) != 0 {
		t.Fatalf("all deleted: got %v", res)
	}
}

func testMetrics(t *testing.T, e engine) {
	vecs := [][]float32{{1, 0, 0, 0}, {0, 2, 0, 0}, {3, 3, 0, 0}, {-1, 0, 0, 0}}
	q := []float32{1, 0, 0, 0}
	cases := []struct {
		metric Metric
		keys   []uint64
		scores []float32
	}{
		{Cosine, []uint64{0, 2, 1, 3}, []float32{1, float32(math.Sqrt(0.5)), 0, -1}},
		{Dot, []uint64{2, 0, 1, 3}, []float32{3, 1, 0, -1}},
		{L2, []uint64{0, 3, 1, 2}, []float32{0, -4, -5, -13}},
	}
	for _, c := range cases {
		x := mustNew(t, e.make, Config{Dimension: 4, Metric: c.metric})
		mustUpsert(t, x, seqKeys(4, 0), vecs)
		res := mustSearch(t, x, q, SearchOptions{K: 4})
		for i, r := range res {
			if r.Key != c.keys[i] || math.Abs(float64(r.Score-c.scores[i])) > 1e-5 {
				t.Fatalf("%s: rank %d = %+v, want key %d score %v", c.metric, i, r, c.keys[i], c.scores[i])
			}
		}
	}
}

func testBadInput(t *testing.T, e engine) {
	x := mustNew(t, e.make, Config{Dimension: 4})
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	upserts := []struct {
		name string
		keys []uint64
		vecs [][]float32
		want error
	}{
		{"nan", []uint64{1}, [][]float32{{1, nan, 0, 0}}, ErrInvalidVector},
		{"inf", []uint64{1}, [][]float32{{1, inf, 0, 0}}, ErrInvalidVector},
		{"zero_cosine", []uint64{1}, [][]float32{{0, 0, 0, 0}}, ErrInvalidVector},
		{"short", []uint64{1}, [][]float32{{1, 2, 3}}, ErrDimension},
		{"long", []uint64{1}, [][]float32{{1, 2, 3, 4, 5}}, ErrDimension},
		{"nil_vector", []uint64{1}, [][]float32{nil}, ErrDimension},
		{"length_mismatch", []uint64{1, 2}, [][]float32{{1, 2, 3, 4}}, ErrInvalidArgument},
		{"bad_second", []uint64{1, 2}, [][]float32{{1, 2, 3, 4}, {nan, 0, 0, 0}}, ErrInvalidVector},
	}
	for _, c := range upserts {
		if err := x.Upsert(c.keys, c.vecs); !errors.Is(err, c.want) {
			t.Errorf("upsert %s: err = %v, want %v", c.name, err, c.want)
		}
	}
	if x.Len() != 0 {
		t.Fatalf("a rejected batch stored %d vectors", x.Len())
	}
	mustUpsert(t, x, []uint64{1}, [][]float32{{1, 2, 3, 4}})
	searches := []struct {
		name string
		q    []float32
		opts SearchOptions
		want error
	}{
		{"k0", []float32{1, 0, 0, 0}, SearchOptions{K: 0}, ErrInvalidArgument},
		{"k_negative", []float32{1, 0, 0, 0}, SearchOptions{K: -3}, ErrInvalidArgument},
		{"nan", []float32{nan, 0, 0, 0}, SearchOptions{K: 1}, ErrInvalidVector},
		{"zero_cosine", []float32{0, 0, 0, 0}, SearchOptions{K: 1}, ErrInvalidVector},
		{"dimension", []float32{1, 0}, SearchOptions{K: 1}, ErrDimension},
	}
	for _, c := range searches {
		if _, err := x.Search(context.Background(), c.q, c.opts); !errors.Is(err, c.want) {
			t.Errorf("search %s: err = %v, want %v", c.name, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Search(ctx, []float32{1, 0, 0, 0}, SearchOptions{K: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: err = %v", err)
	}
	// A zero vector is fine under dot and l2.
	for _, m := range []Metric{Dot, L2} {
		y := mustNew(t, e.make, Config{Dimension: 4, Metric: m})
		mustUpsert(t, y, []uint64{1}, [][]float32{{0, 0, 0, 0}})
		mustSearch(t, y, []float32{0, 0, 0, 0}, SearchOptions{K: 1})
	}
	for _, cfg := range []Config{{}, {Dimension: -1}, {Dimension: 4, Metric: "manhattan"}, {Dimension: 4, M: 1}, {Dimension: 4, EfSearch: -1}} {
		if _, err := e.make(cfg); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("config %+v: err = %v", cfg, err)
		}
	}
}

func testRecall(t *testing.T, e engine) {
	const n, dim, k = 4000, 48, 10
	vecs := clustered(3, n+100, dim, 40)
	x := mustNew(t, e.make, Config{Dimension: dim, ExactThreshold: 1000})
	ref := mustNew(t, NewExact, Config{Dimension: dim})
	mustUpsert(t, x, seqKeys(n, 0), vecs[:n])
	mustUpsert(t, ref, seqKeys(n, 0), vecs[:n])
	var sum float64
	for _, q := range vecs[n:] {
		sum += recall(mustSearch(t, x, q, SearchOptions{K: k}), mustSearch(t, ref, q, SearchOptions{K: k}))
	}
	if r := sum / 100; r < 0.98 {
		t.Fatalf("recall@10 = %.3f, want >= 0.98", r)
	}
}

func testClosed(t *testing.T, e engine) {
	x, err := e.make(Config{Dimension: 4})
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, x, []uint64{1}, [][]float32{{1, 2, 3, 4}})
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if err := x.Upsert([]uint64{2}, [][]float32{{1, 2, 3, 4}}); !errors.Is(err, ErrClosed) {
		t.Errorf("upsert after close: %v", err)
	}
	if _, err := x.Search(context.Background(), []float32{1, 2, 3, 4}, SearchOptions{K: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("search after close: %v", err)
	}
	if err := x.Save(t.TempDir() + "/x"); !errors.Is(err, ErrClosed) {
		t.Errorf("save after close: %v", err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

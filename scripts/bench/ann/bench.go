package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/coder/hnsw"
	"github.com/instructd/instructd/index"
)

// row is one engine's measurements; peer.py writes the same JSON.
type row struct {
	Engine         string             `json:"engine"`
	BuildPerSec    float64            `json:"build_per_s"`
	BytesPerVector float64            `json:"bytes_per_vector"`
	Recall         map[string]float64 `json:"recall"`
	QPS            map[string]float64 `json:"qps"`
}

type benchCfg struct {
	m, efc, k int
	efs       []int
	base, qs  [][]float32
	gt        [][]int32
}

func parseEfs(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad ef list %q", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// runGT computes the exact top-k with the exact engine (all cores; not timed).
func runGT(args []string) error {
	fs := flag.NewFlagSet("gt", flag.ContinueOnError)
	basePath := fs.String("base", "", "base .fvecs")
	qPath := fs.String("queries", "", "query .fvecs")
	k := fs.Int("k", 10, "k")
	out := fs.String("out", "", "output: int32 rows of base indexes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := readFvecs(*basePath)
	if err != nil {
		return err
	}
	qs, err := readFvecs(*qPath)
	if err != nil {
		return err
	}
	x, err := index.NewExact(index.Config{Dimension: len(base[0]), Metric: index.Cosine})
	if err != nil {
		return err
	}
	defer x.Close()
	if err := x.Upsert(seq(len(base)), base); err != nil {
		return err
	}
	buf := make([]byte, 0, len(qs)**k*4)
	for _, q := range qs {
		res, err := x.Search(context.Background(), q, index.SearchOptions{K: *k})
		if err != nil {
			return err
		}
		for i := 0; i < *k; i++ {
			id := int32(-1)
			if i < len(res) {
				id = int32(res[i].Key)
			}
			buf = binary.LittleEndian.AppendUint32(buf, uint32(id))
		}
	}
	return os.WriteFile(*out, buf, 0o644)
}

func readGT(path string, q, k int) ([][]int32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) != q*k*4 {
		return nil, fmt.Errorf("%s: %d bytes, want %d×%d int32", path, len(data), q, k)
	}
	out := make([][]int32, q)
	for i := range out {
		out[i] = make([]int32, k)
		for j := range out[i] {
			out[i][j] = int32(binary.LittleEndian.Uint32(data[4*(i*k+j):]))
		}
	}
	return out, nil
}

func seq(n int) []uint64 {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i)
	}
	return keys
}

func (c *benchCfg) recall(qi int, got []uint64) float64 {
	want := map[int32]bool{}
	for _, id := range c.gt[qi] {
		want[id] = true
	}
	hit := 0
	for _, g := range got {
		if want[int32(g)] {
			hit++
		}
	}
	return float64(hit) / float64(len(c.gt[qi]))
}

// passes is how many timed passes over the queries each ef gets; the best counts
// (the bench machine is shared, and peer.py does the same).
const passes = 3

// measure times single-threaded passes of all queries at each ef.
func (c *benchCfg) measure(r *row, search func(q []float32, ef int) []uint64) {
	r.Recall, r.QPS = map[string]float64{}, map[string]float64{}
	for i := 0; i < min(100, len(c.qs)); i++ { // warm-up
		search(c.qs[i], c.efs[0])
	}
	for _, ef := range c.efs {
		key := strconv.Itoa(ef)
		got := make([][]uint64, len(c.qs))
		for range passes {
			start := time.Now()
			for i, q := range c.qs {
				got[i] = search(q, ef)
			}
			r.QPS[key] = max(r.QPS[key], float64(len(c.qs))/time.Since(start).Seconds())
		}
		var sum float64
		for i := range got {
			sum += c.recall(i, got[i])
		}
		r.Recall[key] = sum / float64(len(c.qs))
	}
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func (c *benchCfg) benchInstructd() (row, error) {
	r := row{Engine: "instructd hnsw (cgo)"}
	x, err := index.NewHNSW(index.Config{Dimension: len(c.base[0]), Metric: index.Cosine, M: c.m,
		EfConstruction: c.efc, InitialCapacity: len(c.base), Workers: 1})
	if err != nil {
		return r, err
	}
	defer x.Close()
	start := time.Now()
	if err := x.Upsert(seq(len(c.base)), c.base); err != nil {
		return r, err
	}
	r.BuildPerSec = float64(len(c.base)) / time.Since(start).Seconds()
	r.BytesPerVector = float64(x.Stats().Bytes) / float64(len(c.base))
	var err2 error
	c.measure(&r, func(q []float32, ef int) []uint64 {
		res, err := x.Search(context.Background(), q, index.SearchOptions{K: c.k, Ef: ef})
		if err != nil {
			err2 = err
		}
		keys := make([]uint64, len(res))
		for i, h := range res {
			keys[i] = h.Key
		}
		return keys
	})
	return r, err2
}

func (c *benchCfg) benchExact() (row, error) {
	r := row{Engine: "instructd exact"}
	x, err := index.NewExact(index.Config{Dimension: len(c.base[0]), Metric: index.Cosine,
		InitialCapacity: len(c.base), Workers: 1})
	if err != nil {
		return r, err
	}
	defer x.Close()
	start := time.Now()
	if err := x.Upsert(seq(len(c.base)), c.base); err != nil {
		return r, err
	}
	r.BuildPerSec = float64(len(c.base)) / time.Since(start).Seconds()
	r.BytesPerVector = float64(x.Stats().Bytes) / float64(len(c.base))
	// ef does not apply: one pass over a sample of queries, reported in every column.
	sample := c.qs[:min(len(c.qs), 200)]
	start = time.Now()
	var sum float64
	for i, q := range sample {
		res, err := x.Search(context.Background(), q, index.SearchOptions{K: c.k})
		if err != nil {
			return r, err
		}
		keys := make([]uint64, len(res))
		for j, h := range res {
			keys[j] = h.Key
		}
		sum += c.recall(i, keys)
	}
	qps := float64(len(sample)) / time.Since(start).Seconds()
	r.Recall, r.QPS = map[string]float64{}, map[string]float64{}
	for _, ef := range c.efs {
		r.Recall[strconv.Itoa(ef)] = sum / float64(len(sample))
		r.QPS[strconv.Itoa(ef)] = qps
	}
	return r, nil
}

func (c *benchCfg) benchCoder() (row, error) {
	r := row{Engine: "coder/hnsw v0.6.1"}
	before := heapBytes()
	g := hnsw.NewGraph[uint64]()
	g.M = c.m
	g.Ml = 1 / math.Log(float64(c.m))
	g.EfSearch = c.efc // coder/hnsw builds with EfSearch: use ef_construction while adding
	g.Distance = hnsw.CosineDistance
	g.Rng = rand.New(rand.NewSource(100))
	start := time.Now()
	for i, v := range c.base {
		g.Add(hnsw.MakeNode(uint64(i), v))
	}
	r.BuildPerSec = float64(len(c.base)) / time.Since(start).Seconds()
	r.BytesPerVector = float64(heapBytes()-before) / float64(len(c.base))
	c.measure(&r, func(q []float32, ef int) []uint64 {
		g.EfSearch = ef
		res := g.Search(q, c.k)
		keys := make([]uint64, len(res))
		for i, n := range res {
			keys[i] = n.Key
		}
		return keys
	})
	return r, nil
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	basePath := fs.String("base", "", "base .fvecs")
	qPath := fs.String("queries", "", "query .fvecs")
	gtPath := fs.String("gt", "", "ground truth from `ann gt`")
	peer := fs.String("peer", "", "peer.py JSON output (optional)")
	label := fs.String("label", "", "dataset label for the table")
	m := fs.Int("m", 16, "M")
	efc := fs.Int("efc", 200, "ef_construction")
	k := fs.Int("k", 10, "k")
	efList := fs.String("ef", "16,32,64,128", "ef values")
	engines := fs.String("engines", "instructd,exact,coder", "engines to run")
	coderMaxN := fs.Int("coder-max-n", 1<<30, "skip coder/hnsw above this N")
	jsonOut := fs.String("json", "", "also write the rows as JSON here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runtime.GOMAXPROCS(1) // single-threaded figures (cgo calls do not use a P either way)
	efs, err := parseEfs(*efList)
	if err != nil {
		return err
	}
	c := &benchCfg{m: *m, efc: *efc, k: *k, efs: efs}
	if c.base, err = readFvecs(*basePath); err != nil {
		return err
	}
	if c.qs, err = readFvecs(*qPath); err != nil {
		return err
	}
	if c.gt, err = readGT(*gtPath, len(c.qs), *k); err != nil {
		return err
	}
	var rows []row
	if *peer != "" {
		data, err := os.ReadFile(*peer)
		if err != nil {
			return err
		}
		var pr row
		if err := json.Unmarshal(data, &pr); err != nil {
			return fmt.Errorf("%s: %w", *peer, err)
		}
		rows = append(rows, pr)
	}
	for _, e := range strings.Split(*engines, ",") {
		var r row
		var err error
		start := time.Now()
		switch strings.TrimSpace(e) {
		case "instructd":
			r, err = c.benchInstructd()
		case "exact":
			r, err = c.benchExact()
		case "coder":
			if len(c.base) > *coderMaxN {
				fmt.Fprintf(os.Stderr, "ann: skipping coder/hnsw at N=%d (> -coder-max-n)\n", len(c.base))
				continue
			}
			r, err = c.benchCoder()
		default:
			return fmt.Errorf("unknown engine %q", e)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
		fmt.Fprintf(os.Stderr, "ann: %s done in %v\n", r.Engine, time.Since(start).Round(time.Second))
		rows = append(rows, r)
		if *jsonOut != "" { // after every engine, so an interrupted run keeps its rows
			data, _ := json.MarshalIndent(rows, "", "  ")
			if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
				return err
			}
		}
	}
	printTable(os.Stdout, *label, len(c.base), len(c.base[0]), c, rows)
	return nil
}

func printTable(w *os.File, label string, n, dim int, c *benchCfg, rows []row) {
	var peer *row
	for i := range rows {
		if strings.HasPrefix(rows[i].Engine, "python3-hnswlib") {
			peer = &rows[i]
		}
	}
	ratio := func(v, p float64) string {
		if peer == nil || p == 0 {
			return ""
		}
		return fmt.Sprintf(" (%.2f×)", v/p)
	}
	fmt.Fprintf(w, "\n**%s**: N=%d, D=%d, %d queries, k=%d, M=%d, ef_construction=%d, single-threaded; ratios vs python3-hnswlib in the same run\n\n",
		label, n, dim, len(c.qs), c.k, c.m, c.efc)
	fmt.Fprint(w, "| engine | build points/s | bytes/vector |")
	for _, ef := range c.efs {
		fmt.Fprintf(w, " ef=%d recall@%d | ef=%d QPS |", ef, c.k, ef)
	}
	fmt.Fprint(w, "\n|---|---|---|")
	for range c.efs {
		fmt.Fprint(w, "---|---|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		var pb float64
		if peer != nil {
			pb = peer.BuildPerSec
		}
		fmt.Fprintf(w, "| %s | %.0f%s | %.0f |", r.Engine, r.BuildPerSec, ratio(r.BuildPerSec, pb), r.BytesPerVector)
		for _, ef := range c.efs {
			key := strconv.Itoa(ef)
			var pq float64
			if peer != nil {
				pq = peer.QPS[key]
			}
			fmt.Fprintf(w, " %.3f | %.0f%s |", r.Recall[key], r.QPS[key], ratio(r.QPS[key], pq))
		}
		fmt.Fprintln(w)
	}
}

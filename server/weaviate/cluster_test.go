package weaviate_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/wire"
)

// corpus is n random unit vectors of dim dimensions with ids "v00000"….
type corpus struct {
	ids  []string
	vecs [][]float32
}

func newCorpus(n, dim int, seed uint64) corpus {
	r := rand.New(rand.NewPCG(seed, 7))
	c := corpus{ids: make([]string, n), vecs: make([][]float32, n)}
	for i := range c.ids {
		c.ids[i] = fmt.Sprintf("v%05d", i)
		v := randVec(r, dim)
		var s float32
		for _, f := range v {
			s += f * f
		}
		for j := range v {
			v[j] /= float32(sqrt(float64(s)))
		}
		c.vecs[i] = v
	}
	return c
}

func sqrt(x float64) float64 {
	z := x
	for i := 0; i < 30; i++ {
		z = (z + x/z) / 2
	}
	return z
}

// exactTopK is the brute-force cosine top k over the documents in keep (all when nil).
func (c corpus) exactTopK(q []float32, k int, keep map[string]bool) []string {
	type sc struct {
		id string
		s  float32
	}
	all := make([]sc, 0, len(c.ids))
	for i, v := range c.vecs {
		if keep != nil && !keep[c.ids[i]] {
			continue
		}
		var d float32
		for j := range v {
			d += v[j] * q[j]
		}
		all = append(all, sc{c.ids[i], d})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].s > all[b].s })
	out := make([]string, 0, k)
	for i := 0; i < k && i < len(all); i++ {
		out = append(out, all[i].id)
	}
	return out
}

func (c corpus) lines(from, to int) [][]byte {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Appendf(nil, `{"id":%q,"vector":%s,"metadata":{"part":%d}}`, c.ids[i], jsonVec(c.vecs[i]), i%3))
	}
	return out
}

// ingest posts the corpus as NDJSON in chunks, retrying a chunk that did not fully
// commit; onChunk runs before each chunk. It returns the ids the server acknowledged.
func ingest(t *testing.T, in *instance, coll string, c corpus, chunk int, onChunk func(i int)) map[string]bool {
	acked := map[string]bool{}
	for i := 0; i*chunk < len(c.ids); i++ {
		if onChunk != nil {
			onChunk(i)
		}
		from, to := i*chunk, min((i+1)*chunk, len(c.ids))
		ok := false
		for try := 0; try < 8 && !ok; try++ {
			st, sum := in.ndjson(coll, c.lines(from, to))
			if st == 200 && sum["done"] == true && sum["failed_count"] == float64(0) && sum["upserted"] == float64(to-from) {
				ok = true
				break
			}
			t.Logf("chunk %d try %d: status %d %v", i, try, st, sum)
			time.Sleep(time.Duration(try+1) * 500 * time.Millisecond)
		}
		if ok {
			for _, id := range c.ids[from:to] {
				acked[id] = true
			}
		}
	}
	return acked
}

// checkAllFound GETs every acknowledged document (8 at a time).
func checkAllFound(t *testing.T, in *instance, coll string, acked map[string]bool) {
	ids := make(chan string)
	var missing atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				var m map[string]any
				if st := in.do("GET", "/v1/collections/"+coll+"/documents/"+id, nil, &m); st != 200 {
					if missing.Add(1) <= 5 {
						t.Errorf("acknowledged document %s: status %d %v", id, st, m)
					}
				}
			}
		}()
	}
	for id := range acked {
		ids <- id
	}
	close(ids)
	wg.Wait()
	if n := missing.Load(); n > 0 {
		t.Fatalf("%d of %d acknowledged documents not found", n, len(acked))
	}
}

// TestReplicatedIngestSurvivesNodeKill: 3 nodes, replicas 3. An NDJSON ingest of 20,000
// documents loses one node to kill -9 half-way; every acknowledged document is found
// afterwards and dense recall@10 against exact search stays ≥ 0.98 with the node down.
func TestReplicatedIngestSurvivesNodeKill(t *testing.T) {
	if testing.Short() {
		t.Skip("3-node cluster test; skipped with -short")
	}
	cl := weaviatetest.Start(t, 3)
	in := newWeaviateServer(t, cl, 0)
	const n, dim = 20_000, 16
	in.must(201, "PUT", "/v1/collections/rep", map[string]any{"dimension": dim, "replicas": 3, "consistency": "QUORUM"}, nil)
	c := newCorpus(n, dim, 11)
	start := time.Now()
	acked := ingest(t, in, "rep", c, 1000, func(i int) {
		if i == 10 {
			go func() {
				time.Sleep(150 * time.Millisecond) // inside chunk 10's upserts
				cl.Kill(2)
				t.Logf("killed node 2 (kill -9) during chunk 10, %v into the ingest", time.Since(start).Round(time.Millisecond))
			}()
		}
	})
	t.Logf("ingested: %d of %d acknowledged in %v", len(acked), n, time.Since(start).Round(time.Millisecond))
	if len(acked) < n {
		t.Errorf("%d documents never acknowledged with 2 of 3 replicas up at QUORUM", n-len(acked))
	}
	checkAllFound(t, in, "rep", acked)
	r := rand.New(rand.NewPCG(5, 6))
	const queries = 200
	var hit, total int
	for q := 0; q < queries; q++ {
		qv := randVec(r, dim)
		var res wire.SearchResponse
		in.must(200, "POST", "/v1/collections/rep/search", map[string]any{"vector": qv, "k": 10, "include": []string{}}, &res)
		if res.Partial {
			t.Fatalf("replicated collection answered partial: %v", res.MissingShards)
		}
		exact := c.exactTopK(qv, 10, acked)
		for _, id := range hitIDs(res) {
			if slices.Contains(exact, id) {
				hit++
			}
		}
		total += len(exact)
	}
	recall := float64(hit) / float64(total)
	t.Logf("recall@10 with node 2 down: %.4f over %d queries", recall, queries)
	if recall < 0.98 {
		t.Fatalf("recall@10 %.4f < 0.98 with one node down", recall)
	}
}

// TestShardedNodeDownIsNeverSilent: 3 nodes, replicas 1, shards 3. With a node down a
// search fails (503), or with allow_partial says partial and names the missing shard;
// a 200 without partial always holds the exact top 10.
func TestShardedNodeDownIsNeverSilent(t *testing.T) {
	if testing.Short() {
		t.Skip("3-node cluster test; skipped with -short")
	}
	cl := weaviatetest.Start(t, 3)
	in := newWeaviateServer(t, cl, 0)
	const n, dim = 3000, 16
	in.must(201, "PUT", "/v1/collections/shd", map[string]any{"dimension": dim, "replicas": 1, "shards": 3, "consistency": "ONE"}, nil)
	c := newCorpus(n, dim, 12)
	acked := ingest(t, in, "shd", c, 1000, nil)
	if len(acked) != n {
		t.Fatalf("only %d of %d acknowledged with every node up", len(acked), n)
	}
	r := rand.New(rand.NewPCG(8, 9))
	query := func(allowPartial bool) (int, wire.SearchResponse, []string, map[string]any) {
		qv := randVec(r, dim)
		// One request: its body is the hits or the error (a second request could meet
		// another phase of the failure).
		var body map[string]any
		st := in.do("POST", "/v1/collections/shd/search", map[string]any{"vector": qv, "k": 10, "allow_partial": allowPartial, "include": []string{}}, &body)
		var res wire.SearchResponse
		if st == 200 {
			raw, _ := json.Marshal(body)
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatalf("search answer: %v", err)
			}
		}
		return st, res, c.exactTopK(qv, 10, nil), body
	}
	// All up: complete and exact enough.
	if st, res, _, _ := query(false); st != 200 || res.Partial {
		t.Fatalf("all nodes up: status %d partial %v", st, res.Partial)
	}
	cl.Kill(2)
	// Right after the kill Weaviate fails searches that reach the dead node's shard;
	// once gossip marks the node dead it answers from the shards it has. Both phases:
	// never a 200 that silently misses the dead shard's hits.
	var errs, partials, complete int
	deadline := time.Now().Add(25 * time.Second)
	for q := 0; q < 40 || time.Now().Before(deadline) && partials == 0; q++ {
		allow := q%2 == 1
		st, res, exact, body := query(allow)
		switch {
		case st == 503:
			errs++
			if msg := fmt.Sprint(body); !strings.Contains(msg, "unreachable") && !strings.Contains(msg, "connection refused") {
				t.Fatalf("503 does not say what is unreachable: %v", msg)
			}
		case st == 200 && res.Partial:
			partials++
			if !allow {
				t.Fatal("partial answer to a request that did not allow it")
			}
			if len(res.MissingShards) == 0 {
				t.Fatal("partial answer names no missing shard")
			}
		case st == 200:
			complete++
			if overlap(hitIDs(res), exact) < 9 {
				t.Fatalf("complete-looking answer with a node down lost hits: got %v want %v", hitIDs(res), exact)
			}
		default:
			t.Fatalf("status %d: %v", st, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("node 2 down: %d errors (503), %d partial answers (allow_partial), %d complete answers", errs, partials, complete)
	if errs+partials == 0 {
		t.Fatal("a shard's only replica is down, yet every answer claimed to be complete")
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func overlap(a, b []string) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

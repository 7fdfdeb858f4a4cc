// Command cluster is the load generator of scripts/bench-cluster.sh: one target per run,
// the same seeded vectors and queries every time. It ingests N pre-computed vectors,
// runs k=10 vector searches at concurrency 1 and 8 for a fixed duration each, and
// prints one markdown table row: ingest objects/s, QPS, p50 and p99 per concurrency, and
// recall@10 against exact search.
//
//	cluster --mode instructd --url http://127.0.0.1:18100 --label "instructd-local"
//	cluster --mode direct --rest http://127.0.0.1:8080 --grpc 127.0.0.1:50051 --label "Weaviate gRPC"
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate/entities/models"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

func main() {
	mode := flag.String("mode", "instructd", "instructd (HTTP API), direct (Weaviate over gRPC) or pair (both, measured in alternating rounds)")
	url := flag.String("url", "", "instructd base URL")
	rest := flag.String("rest", "http://127.0.0.1:8080", "Weaviate REST URL (direct)")
	grpcAddr := flag.String("grpc", "127.0.0.1:50051", "Weaviate gRPC address (direct)")
	label := flag.String("label", "", "table row label")
	n := flag.Int("n", 20000, "documents")
	dim := flag.Int("dim", 128, "dimension")
	queries := flag.Int("queries", 200, "distinct queries (recall is measured on them)")
	dur := flag.Duration("duration", 10*time.Second, "duration of each search run")
	replicas := flag.Int("replicas", 1, "replication factor of the collection")
	coll := flag.String("collection", "bench", "collection name")
	like := flag.String("like", "", "direct: copy this Weaviate class's vectorIndexConfig, sharding and replication (instructd's, so both index alike)")
	header := flag.Bool("header", false, "print the table header first")
	efSearch := flag.Int("ef-search", 0, "instructd: the collection's index.ef_search (0: the default)")
	tierPid := flag.Int("tier-pid", 0, "pair: instructd's process id, to report its CPU time per query")
	wvPids := flag.String("weaviate-pids", "", "pair: Weaviate's process ids (comma-separated), to report their CPU time per query")
	rounds := flag.Int("rounds", 5, "pair: rounds per concurrency; each target runs duration/rounds per round, the two alternating")
	directLabel := flag.String("direct-label", "Weaviate gRPC direct", "pair: the direct row's label")
	sweep := flag.String("sweep-ef", "", "direct: after ingest, for each ef in this comma-separated list (-1: dynamic), set the class's ef and print recall@10 and QPS c=8 instead of the row")
	flag.Parse()
	if *header {
		fmt.Println("| target | ingest obj/s | QPS c=1 | p50 ms | p99 ms | QPS c=8 | p50 ms | p99 ms | recall@10 |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	}
	docs := vectors(*n, *dim, 1)
	qs := vectors(*queries, *dim, 2)
	ctx := context.Background()
	if *mode == "pair" {
		tier := &instructd{url: *url, coll: *coll, efSearch: *efSearch, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
		d, err := newDirect(*rest, *grpcAddr, *coll, *like)
		if err != nil {
			fail(err)
		}
		var wv []int
		for _, f := range strings.Split(*wvPids, ",") {
			if p, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				wv = append(wv, p)
			}
		}
		cpu := cpuProbe{self: os.Getpid(), tier: *tierPid, weaviate: wv}
		runPair(ctx, []target{tier, d}, []string{*label, *directLabel}, docs, qs, *dim, *replicas, *dur, *rounds, cpu)
		return
	}
	var t target
	var err error
	switch *mode {
	case "instructd":
		t = &instructd{url: *url, coll: *coll, efSearch: *efSearch, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	case "direct":
		t, err = newDirect(*rest, *grpcAddr, *coll, *like)
	default:
		err = fmt.Errorf("--mode %q: want instructd or direct", *mode)
	}
	if err != nil {
		fail(err)
	}
	if err := t.create(ctx, *dim, *replicas); err != nil {
		fail(fmt.Errorf("create: %w", err))
	}
	start := time.Now()
	if err := t.ingest(ctx, docs); err != nil {
		fail(fmt.Errorf("ingest: %w", err))
	}
	ingestRate := float64(len(docs)) / time.Since(start).Seconds()
	if *sweep != "" {
		d, ok := t.(*direct)
		if !ok {
			fail(fmt.Errorf("--sweep-ef needs --mode direct"))
		}
		fmt.Println("| ef | recall@10 | QPS c=8 | p50 ms | p99 ms |")
		fmt.Println("|---:|---:|---:|---:|---:|")
		for _, f := range strings.Split(*sweep, ",") {
			ef, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				fail(fmt.Errorf("--sweep-ef %q: %w", f, err))
			}
			if err := d.setEf(ctx, ef); err != nil {
				fail(fmt.Errorf("set ef %d: %w", ef, err))
			}
			r, err := recall(ctx, t, docs, qs)
			if err != nil {
				fail(err)
			}
			qps, p50, p99, err := load(ctx, t, qs, 8, *dur)
			if err != nil {
				fail(err)
			}
			fmt.Printf("| %d | %.4f | %.0f | %.2f | %.2f |\n", ef, r, qps, p50, p99)
		}
		return
	}
	// Recall on every query once (also warms up).
	r, err := recall(ctx, t, docs, qs)
	if err != nil {
		fail(err)
	}
	row := fmt.Sprintf("| %s | %.0f", *label, ingestRate)
	for _, conc := range []int{1, 8} {
		qps, p50, p99, err := load(ctx, t, qs, conc, *dur)
		if err != nil {
			fail(fmt.Errorf("load c=%d: %w", conc, err))
		}
		row += fmt.Sprintf(" | %.0f | %.2f | %.2f", qps, p50, p99)
	}
	row += fmt.Sprintf(" | %.4f |", r)
	fmt.Println(row)
}

// runPair creates and fills the targets in order (the direct one copies the class the
// instructd one made), measures recall, then at each concurrency runs rounds rounds in
// which every target searches for dur/rounds, the order alternating, so that load from
// outside the benchmark falls on both alike. It prints a row per target and the QPS
// ratio of the first to the second.
func runPair(ctx context.Context, ts []target, labels []string, docs, qs [][]float32, dim, replicas int, dur time.Duration, rounds int, cpu cpuProbe) {
	rows := make([]string, len(ts))
	recalls := make([]float64, len(ts))
	for i, t := range ts {
		if err := t.create(ctx, dim, replicas); err != nil {
			fail(fmt.Errorf("%s: create: %w", labels[i], err))
		}
		start := time.Now()
		if err := t.ingest(ctx, docs); err != nil {
			fail(fmt.Errorf("%s: ingest: %w", labels[i], err))
		}
		rows[i] = fmt.Sprintf("| %s | %.0f", labels[i], float64(len(docs))/time.Since(start).Seconds())
	}
	for i, t := range ts {
		r, err := recall(ctx, t, docs, qs)
		if err != nil {
			fail(fmt.Errorf("%s: %w", labels[i], err))
		}
		recalls[i] = r
	}
	rounds = max(rounds, 1)
	var ratios, cpuRows []string
	for _, conc := range []int{1, 8} {
		lat := make([][]float64, len(ts))
		secs := make([]float64, len(ts))
		used := make([]cpuUse, len(ts))
		for round := 0; round < rounds; round++ {
			for j := range ts {
				i := j
				if round%2 == 1 {
					i = len(ts) - 1 - j
				}
				before := cpu.read()
				l, el, err := loadRun(ctx, ts[i], qs, conc, dur/time.Duration(rounds))
				if err != nil {
					fail(fmt.Errorf("%s: load c=%d: %w", labels[i], conc, err))
				}
				used[i] = used[i].add(cpu.read().sub(before))
				lat[i], secs[i] = append(lat[i], l...), secs[i]+el
			}
		}
		qps := make([]float64, len(ts))
		for i := range ts {
			p50, p99 := percentiles(lat[i])
			qps[i] = float64(len(lat[i])) / secs[i]
			rows[i] += fmt.Sprintf(" | %.0f | %.2f | %.2f", qps[i], p50, p99)
		}
		ratios = append(ratios, fmt.Sprintf("c=%d %.3f", conc, qps[0]/qps[1]))
		if cpu.tier > 0 {
			var tot [2]float64
			for i := range ts {
				u := used[i].perQuery(len(lat[i]))
				tot[i] = u.total()
				cpuRows = append(cpuRows, fmt.Sprintf("| %s | %d | %.0f | %.0f | %.0f | %.0f |", labels[i], conc, u.client, u.tier, u.weaviate, tot[i]))
			}
			ratios[len(ratios)-1] += fmt.Sprintf(" (CPU per query %.3f)", tot[0]/tot[1])
		}
	}
	for i := range ts {
		fmt.Printf("%s | %.4f |\n", rows[i], recalls[i])
	}
	fmt.Fprintf(os.Stderr, "bench-cluster: QPS %s / %s: %s\n", labels[0], labels[1], strings.Join(ratios, ", "))
	if len(cpuRows) > 0 {
		fmt.Fprintln(os.Stderr, "bench-cluster: CPU µs per query (user+system, /proc), by process:")
		fmt.Fprintln(os.Stderr, "| target | concurrency | load generator | instructd | Weaviate | total |")
		fmt.Fprintln(os.Stderr, "|---|---:|---:|---:|---:|---:|")
		for _, r := range cpuRows {
			fmt.Fprintln(os.Stderr, r)
		}
	}
}

// cpuProbe reads the CPU time of the load generator, instructd and Weaviate.
type cpuProbe struct {
	self, tier int
	weaviate   []int
}

// cpuUse is CPU seconds (or, from perQuery, µs per query) by process group.
type cpuUse struct{ client, tier, weaviate float64 }

func (u cpuUse) add(v cpuUse) cpuUse {
	return cpuUse{u.client + v.client, u.tier + v.tier, u.weaviate + v.weaviate}
}
func (u cpuUse) sub(v cpuUse) cpuUse {
	return cpuUse{u.client - v.client, u.tier - v.tier, u.weaviate - v.weaviate}
}
func (u cpuUse) total() float64 { return u.client + u.tier + u.weaviate }
func (u cpuUse) perQuery(n int) cpuUse {
	f := 1e6 / float64(max(n, 1))
	return cpuUse{u.client * f, u.tier * f, u.weaviate * f}
}

func (p cpuProbe) read() cpuUse {
	u := cpuUse{client: procCPU(p.self), tier: procCPU(p.tier)}
	for _, w := range p.weaviate {
		u.weaviate += procCPU(w)
	}
	return u
}

// procCPU is a process's user + system CPU seconds from /proc/PID/stat (0 if unknown).
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// recall is recall@10 of t over the queries against exact search.
func recall(ctx context.Context, t target, docs, qs [][]float32) (float64, error) {
	var hit, total int
	for _, q := range qs {
		ids, err := t.search(ctx, q, 10)
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		exact := exactTop(docs, q, 10)
		for _, id := range ids {
			if slices.Contains(exact, id) {
				hit++
			}
		}
		total += len(exact)
	}
	return float64(hit) / float64(total), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench-cluster:", err)
	os.Exit(1)
}

// vectors are n seeded random unit vectors.
func vectors(n, dim int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		var s float64
		for j := range v {
			v[j] = float32(r.NormFloat64())
			s += float64(v[j] * v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(s))
		}
		out[i] = v
	}
	return out
}

func docID(i int) string { return fmt.Sprintf("d%06d", i) }

func exactTop(docs [][]float32, q []float32, k int) []string {
	type sc struct {
		i int
		s float32
	}
	all := make([]sc, len(docs))
	for i, v := range docs {
		var d float32
		for j := range v {
			d += v[j] * q[j]
		}
		all[i] = sc{i, d}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].s > all[b].s })
	out := make([]string, k)
	for i := range out {
		out[i] = docID(all[i].i)
	}
	return out
}

// load runs searches from conc goroutines for d and reports QPS, p50 and p99 (ms).
func load(ctx context.Context, t target, qs [][]float32, conc int, d time.Duration) (float64, float64, float64, error) {
	lat, el, err := loadRun(ctx, t, qs, conc, d)
	if err != nil {
		return 0, 0, 0, err
	}
	p50, p99 := percentiles(lat)
	return float64(len(lat)) / el, p50, p99, nil
}

// percentiles sorts lat and returns its p50 and p99.
func percentiles(lat []float64) (float64, float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Float64s(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return pct(0.5), pct(0.99)
}

// loadRun runs searches from conc goroutines for d; it returns each search's latency
// (ms) and the seconds elapsed.
func loadRun(ctx context.Context, t target, qs [][]float32, conc int, d time.Duration) ([]float64, float64, error) {
	var (
		mu    sync.Mutex
		lat   []float64
		next  atomic.Int64
		first error
		wg    sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(deadline) {
				q := qs[int(next.Add(1))%len(qs)]
				t0 := time.Now()
				if _, err := t.search(ctx, q, 10); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, 0, first
	}
	return lat, time.Since(start).Seconds(), nil
}

// target is one system under test.
type target interface {
	create(ctx context.Context, dim, replicas int) error
	ingest(ctx context.Context, docs [][]float32) error
	search(ctx context.Context, q []float32, k int) ([]string, error)
}

// instructd drives instructd's HTTP API.
type instructd struct {
	url, coll string
	efSearch  int
	client    *http.Client
}

func (c *instructd) call(method, path, ctype string, body []byte) ([]byte, error) {
	req, _ := http.NewRequest(method, c.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return raw, nil
}

func (c *instructd) create(_ context.Context, dim, replicas int) error {
	spec := map[string]any{"dimension": dim, "metric": "cosine"}
	if replicas > 1 {
		spec["replicas"] = replicas
	}
	if c.efSearch > 0 {
		spec["index"] = map[string]any{"ef_search": c.efSearch}
	}
	body, _ := json.Marshal(spec)
	_, err := c.call("PUT", "/v1/collections/"+c.coll, "application/json", body)
	return err
}

func (c *instructd) ingest(_ context.Context, docs [][]float32) error {
	var buf bytes.Buffer
	for i, v := range docs {
		line, _ := json.Marshal(map[string]any{"id": docID(i), "vector": v})
		buf.Write(line)
		buf.WriteByte('\n')
	}
	raw, err := c.call("POST", "/v1/collections/"+c.coll+"/documents", "application/x-ndjson", buf.Bytes())
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	var sum struct {
		Done     bool `json:"done"`
		Upserted int  `json:"upserted"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &sum); err != nil || !sum.Done || sum.Upserted != len(docs) {
		return fmt.Errorf("ingest summary: %s", lines[len(lines)-1])
	}
	return nil
}

func (c *instructd) search(_ context.Context, q []float32, k int) ([]string, error) {
	body, _ := json.Marshal(map[string]any{"vector": q, "k": k, "include": []string{}})
	raw, err := c.call("POST", "/v1/collections/"+c.coll+"/search", "application/json", body)
	if err != nil {
		return nil, err
	}
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// direct drives Weaviate itself: REST for the schema, gRPC for import and search. With
// like set, its class copies that class's vector index configuration, shard count and
// replication factor, so that the two rows search the same kind of index.
type direct struct {
	rest  *wv.Client
	rpc   pb.WeaviateClient
	class string
	like  string
}

func newDirect(restURL, grpcAddr, coll, like string) (*direct, error) {
	host := restURL[len("http://"):]
	rc, err := wv.NewClient(wv.Config{Host: host, Scheme: "http"})
	if err != nil {
		return nil, err
	}
	// The transport settings instructd's Weaviate backend uses (server/weaviate), so that
	// the rows differ only by instructd's work.
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(4<<20), grpc.WithInitialConnWindowSize(4<<20))
	if err != nil {
		return nil, err
	}
	return &direct{rest: rc, rpc: pb.NewWeaviateClient(conn), class: "Direct_" + coll, like: like}, nil
}

func (d *direct) create(ctx context.Context, _, replicas int) error {
	f := false
	c := &models.Class{
		Class: d.class, Vectorizer: "none", VectorIndexType: "hnsw",
		VectorIndexConfig: map[string]any{"distance": "cosine"},
		ReplicationConfig: &models.ReplicationConfig{Factor: int64(replicas)},
		Properties: []*models.Property{{Name: "iid", DataType: []string{"text"}, Tokenization: "field",
			IndexSearchable: &f}},
	}
	if d.like != "" {
		src, err := d.rest.Schema().ClassGetter().WithClassName(d.like).Do(ctx)
		if err != nil {
			return fmt.Errorf("read class %s to copy: %w", d.like, err)
		}
		c.VectorIndexConfig = src.VectorIndexConfig
		if sc, ok := src.ShardingConfig.(map[string]any); ok {
			c.ShardingConfig = map[string]any{"desiredCount": sc["desiredCount"]}
		}
		c.ReplicationConfig = &models.ReplicationConfig{Factor: src.ReplicationConfig.Factor}
		vic, _ := json.Marshal(c.VectorIndexConfig)
		fmt.Fprintf(os.Stderr, "bench-cluster: %s copies %s: vectorIndexConfig %s, shards %v, replicas %d\n",
			d.class, d.like, vic, c.ShardingConfig, c.ReplicationConfig.Factor)
	}
	return d.rest.Schema().ClassCreator().WithClass(c).Do(ctx)
}

// setEf changes the class's search ef (-1: dynamic).
func (d *direct) setEf(ctx context.Context, ef int) error {
	c, err := d.rest.Schema().ClassGetter().WithClassName(d.class).Do(ctx)
	if err != nil {
		return err
	}
	vic, ok := c.VectorIndexConfig.(map[string]any)
	if !ok {
		return fmt.Errorf("class %s: vectorIndexConfig is %T", d.class, c.VectorIndexConfig)
	}
	vic["ef"] = ef
	c.VectorIndexConfig = vic
	return d.rest.Schema().ClassUpdater().WithClass(c).Do(ctx)
}

func (d *direct) ingest(ctx context.Context, docs [][]float32) error {
	const batch, workers = 256, 2
	cl := pb.ConsistencyLevel_CONSISTENCY_LEVEL_QUORUM
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := range jobs {
				var objs []*pb.BatchObject
				for i := from; i < min(from+batch, len(docs)); i++ {
					props, _ := structpb.NewStruct(map[string]any{"iid": docID(i)})
					objs = append(objs, &pb.BatchObject{Uuid: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Collection: d.class,
						VectorBytes: vecBytes(docs[i]), Properties: &pb.BatchObject_Properties{NonRefProperties: props}})
				}
				// A class created just now may not exist on every node yet: retry.
				var err error
				for try := 0; try < 6; try++ {
					bctx, cancel := context.WithTimeout(ctx, time.Minute)
					var reply *pb.BatchObjectsReply
					reply, err = d.rpc.BatchObjects(bctx, &pb.BatchObjectsRequest{Objects: objs, ConsistencyLevel: &cl})
					cancel()
					if err == nil && len(reply.GetErrors()) > 0 {
						err = fmt.Errorf("%d objects rejected: %s", len(reply.GetErrors()), reply.GetErrors()[0].GetError())
					}
					if err == nil {
						break
					}
					time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for from := 0; from < len(docs); from += batch {
		jobs <- from
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

func (d *direct) search(ctx context.Context, q []float32, k int) ([]string, error) {
	cl := pb.ConsistencyLevel_CONSISTENCY_LEVEL_QUORUM
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := d.rpc.Search(ctx, &pb.SearchRequest{Collection: d.class, Limit: uint32(k), ConsistencyLevel: &cl,
		NearVector:  &pb.NearVector{VectorBytes: vecBytes(q)},
		Metadata:    &pb.MetadataRequest{Distance: true}, // what instructd asks for (include: [])
		Properties:  &pb.PropertiesRequest{NonRefProperties: []string{"iid"}},
		Uses_123Api: true, Uses_125Api: true, Uses_127Api: true})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(res.GetResults()))
	for _, r := range res.GetResults() {
		ids = append(ids, r.GetProperties().GetNonRefProps().GetFields()["iid"].GetTextValue())
	}
	return ids, nil
}

func vecBytes(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
	}
	return out
}

package weaviate_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/server/weaviate"
	"github.com/instructd/instructd/wire"
)

// BenchmarkUpsertReadFirst measures what the all-or-nothing upsert's read of the
// previous versions (GetMany with vectors before Put) costs: batches of 256 records of
// 128 dimensions written with Put alone and with GetMany + Put, as new ids (the read
// finds nothing) and as replacements with new vectors (it returns every record).
// Compare docs/s of the sub-benchmarks of one run; %read is the read's share of the
// time of the same calls (robust to the machine's load drifting between sub-benchmarks).
func BenchmarkUpsertReadFirst(b *testing.B) {
	cl := weaviatetest.Start(b, 1)
	ctx := weaviatetest.Context(b, 10*time.Minute)
	be, err := weaviate.New(ctx, weaviate.Config{URL: cl.URL(0), GRPC: cl.GRPC(0), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	const batch, dim = 256, 128
	r := rand.New(rand.NewPCG(7, 8))
	records := func(prefix string, n int) []backend.Record {
		out := make([]backend.Record, n)
		for i := range out {
			out[i] = backend.Record{ID: fmt.Sprintf("%s-%06d", prefix, i), Title: "t", Vector: randVec(r, dim),
				Metadata: map[string]any{"i": float64(i), "g": fmt.Sprint(i % 7)}}
		}
		return out
	}
	for _, replace := range []bool{false, true} {
		for _, readFirst := range []bool{false, true} {
			name := fmt.Sprintf("replace=%v/read_first=%v", replace, readFirst)
			b.Run(name, func(b *testing.B) {
				coll := fmt.Sprintf("bench_%v_%v", replace, readFirst)
				if err := be.CreateCollection(ctx, coll, wire.CollectionSpec{Dimension: dim, Metric: wire.Cosine, Replicas: 1, Shards: 1},
					[]byte(fmt.Sprintf(`{"spec":{"dimension":%d,"metric":"cosine"}}`, dim))); err != nil {
					b.Fatal(err)
				}
				defer be.DeleteCollection(ctx, coll)
				// The first write creates the metadata properties (schema changes): not timed.
				if _, err := be.Put(ctx, coll, records("warm", 1)); err != nil {
					b.Fatal(err)
				}
				recs := records("d", batch*b.N)
				if replace { // the same ids stored before with other vectors
					old := records("d", batch*b.N)
					for i := 0; i < b.N; i++ {
						if _, err := be.Put(ctx, coll, old[i*batch:(i+1)*batch]); err != nil {
							b.Fatal(err)
						}
					}
				}
				var read time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					part := recs[i*batch : (i+1)*batch]
					if readFirst {
						ids := make([]string, len(part))
						for j := range part {
							ids[j] = part[j].ID
						}
						start := time.Now()
						if _, err := be.GetMany(ctx, coll, ids, true); err != nil {
							b.Fatal(err)
						}
						read += time.Since(start)
					}
					errs, err := be.Put(ctx, coll, part)
					if err != nil {
						b.Fatal(err)
					}
					for _, e := range errs {
						if e != nil {
							b.Fatal(e)
						}
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "docs/s")
				if readFirst {
					b.ReportMetric(100*read.Seconds()/b.Elapsed().Seconds(), "%read")
					b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-ms/batch")
				}
			})
		}
	}
}

// BenchmarkListPages measures List's pages (500 documents with vectors, as a backup
// reads them) over a collection of 20,000 documents: the first page, a page in the
// middle and the last page, to show how a page's cost grows with the documents after
// its cursor (Weaviate sorts the text key by reading the matching objects); and a whole
// read of the collection with List pages and with Scan (what a backup uses).
func BenchmarkListPages(b *testing.B) {
	cl := weaviatetest.Start(b, 1)
	ctx := weaviatetest.Context(b, 10*time.Minute)
	be, err := weaviate.New(ctx, weaviate.Config{URL: cl.URL(0), GRPC: cl.GRPC(0), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	const n, dim, page = 20_000, 128, 500
	coll := "listbench"
	if err := be.CreateCollection(ctx, coll, wire.CollectionSpec{Dimension: dim, Metric: wire.Cosine, Replicas: 1, Shards: 1},
		[]byte(fmt.Sprintf(`{"spec":{"dimension":%d,"metric":"cosine"}}`, dim))); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	for start := 0; start < n; start += 1000 {
		recs := make([]backend.Record, 1000)
		for i := range recs {
			recs[i] = backend.Record{ID: fmt.Sprintf("id-%06d", start+i), Vector: randVec(r, dim), Metadata: map[string]any{"g": float64(i % 5)}}
		}
		if _, err := be.Put(ctx, coll, recs); err != nil {
			b.Fatal(err)
		}
	}
	// A whole read, as a backup does it: sorted List pages, or Scan's object cursor.
	b.Run("whole/list", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			after, got := "", 0
			for {
				recs, next, err := be.List(ctx, coll, after, page, nil, true)
				if err != nil {
					b.Fatal(err)
				}
				got += len(recs)
				if after = next; next == "" {
					break
				}
			}
			if got != n {
				b.Fatalf("listed %d of %d", got, n)
			}
		}
	})
	b.Run("whole/scan", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			after, got := "", 0
			for {
				recs, next, err := be.Scan(ctx, coll, after, page)
				if err != nil {
					b.Fatal(err)
				}
				got += len(recs)
				if after = next; next == "" {
					break
				}
			}
			if got != n {
				b.Fatalf("scanned %d of %d", got, n)
			}
		}
	})
	for _, c := range []struct {
		name, after string
	}{{"first", ""}, {"middle", fmt.Sprintf("id-%06d", n/2)}, {"last", fmt.Sprintf("id-%06d", n-page-1)}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				recs, _, err := be.List(ctx, coll, c.after, page, nil, true)
				if err != nil || len(recs) != page {
					b.Fatalf("%d records, %v", len(recs), err)
				}
			}
		})
	}
}

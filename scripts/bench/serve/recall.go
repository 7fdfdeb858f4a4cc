package main

import (
	"context"
	"fmt"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/server"
)

// defaultRecall waits (up to two minutes) for the vector collection's ef calibration
// (index.target_recall, default 0.98), then measures recall@10 of searches at the
// default ef on fresh queries against the same queries at ef 4096 (near-exact on the
// graph), so that the QPS figures that follow are read with the recall they buy.
func defaultRecall(ctx context.Context, cl *client.Client, gen func() server.SearchRequest, n int) (string, error) {
	var st struct{ ef, cal int }
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s, err := cl.Stats(ctx, "bench_vec")
		if err != nil {
			return "", err
		}
		st.ef, st.cal = s.EfSearch, s.CalibratedEf
		if s.CalibratedEf > 0 || (s.Engine != "hnsw" && s.LiveVectors < index.DefaultExactThreshold) {
			break // calibrated, or exact search (nothing to calibrate)
		}
	}
	hit, total := 0, 0
	for i := 0; i < n; i++ {
		q := gen()
		def, err := cl.Search(ctx, "bench_vec", q)
		if err != nil {
			return "", err
		}
		q.Ef = 4096
		ref, err := cl.Search(ctx, "bench_vec", q)
		if err != nil {
			return "", err
		}
		want := map[string]bool{}
		for _, h := range ref.Hits {
			want[h.ID] = true
		}
		for _, h := range def.Hits {
			if want[h.ID] {
				hit++
			}
		}
		total += len(ref.Hits)
	}
	return fmt.Sprintf("default ef %d (calibrated %d; 0: not calibrated), recall@10 %.4f vs ef 4096 on %d fresh queries",
		st.ef, st.cal, float64(hit)/float64(max(total, 1)), n), nil
}

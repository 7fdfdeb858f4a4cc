package main

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

// searchResult is one closed-loop search run.
type searchResult struct {
	kind        string
	concurrency int
	requests    int
	errors      int
	qps         float64
	p50, p99    time.Duration
}

// searchRun keeps conc searches in flight for d and measures throughput and latency.
func searchRun(ctx context.Context, cl *client.Client, coll, kind string, conc int, d time.Duration, gen func() server.SearchRequest) searchResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lats []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for ctx.Err() == nil {
				req := gen()
				t0 := time.Now()
				_, err := cl.Search(ctx, coll, req)
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := searchResult{kind: kind, concurrency: conc, requests: len(lats), errors: int(errs.Load()),
		qps: float64(len(lats)) / elapsed.Seconds()}
	r.p50, r.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	return r
}

// percentile sorts lats in place and returns the q-quantile.
func percentile(lats []time.Duration, q float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	return lats[min(len(lats)-1, int(q*float64(len(lats))))]
}

// overloadResult is the open-loop run.
type overloadResult struct {
	offeredQPS  float64
	sent        int
	statuses    map[int]int // 0: transport error
	dropped     int         // not sent: the client already had maxInFlight waiting
	p50, p99    time.Duration
	rssFirstMax int64 // max RSS (bytes) in the first half of the run
	rssMax      int64
	rssLastMax  int64 // max RSS in the second half
}

// maxInFlight bounds the load generator's own goroutines.
const maxInFlight = 4096

// overloadRun offers rate queries/s open-loop (on a fixed schedule, whatever the server
// answers) for d, counts status codes and samples the server's RSS.
func overloadRun(ctx context.Context, cl *client.Client, coll string, rate float64, d time.Duration,
	gen func() server.SearchRequest, rss *rssSampler) overloadResult {
	res := overloadResult{offeredQPS: rate, statuses: map[int]int{}}
	if rate <= 0 {
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	reqCtx, reqCancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer reqCancel()
	interval := time.Duration(float64(time.Second) / rate)
	var mu sync.Mutex
	var lats []time.Duration
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	rss.Reset()
	start := time.Now()
	half := start.Add(d / 2)
	next := start
	for ctx.Err() == nil {
		next = next.Add(interval)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		if inFlight.Load() >= maxInFlight {
			res.dropped++
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		res.sent++
		go func(req server.SearchRequest) {
			defer wg.Done()
			defer inFlight.Add(-1)
			t0 := time.Now()
			_, err := cl.Search(reqCtx, coll, req)
			status := 200
			var ce *client.Error
			switch {
			case errors.As(err, &ce):
				status = ce.Status
			case err != nil:
				status = 0
			}
			mu.Lock()
			res.statuses[status]++
			if status == 200 {
				lats = append(lats, time.Since(t0))
			}
			mu.Unlock()
		}(gen())
	}
	wg.Wait()
	res.rssFirstMax = rss.MaxBefore(half)
	res.rssMax = rss.Max()
	res.rssLastMax = rss.MaxSince(half)
	res.p50, res.p99 = percentile(lats, 0.50), percentile(lats, 0.99)
	return res
}

package server

import (
	"context"
	"time"

	"github.com/instructd/instructd/index"
)

// Calibration of the default ef for a collection's target recall.
const (
	defaultTargetRecall = 0.98
	calibrationQueries  = 200
	calibrationK        = 10
)

// maybeCalibrate starts a background ef calibration when the collection is on HNSW
// and has at least doubled since the last one (or never had one). The caller holds
// c.writeMu or owns c.
func (s *Server) maybeCalibrate(c *collection) {
	if c.ef.Load() > 0 || c.calibrating.Load() {
		return // an explicit ef_search wins; one calibration at a time
	}
	st := c.vec.Stats()
	if st.Engine != "hnsw" && st.Count < index.DefaultExactThreshold {
		return // exact search: nothing to calibrate (past the threshold a build may run)
	}
	if cal := c.calibration.Load(); cal != nil && st.Count < 2*cal.Vectors {
		return
	}
	if c.calibrating.CompareAndSwap(false, true) {
		go s.calibrate(c)
	}
}

// calibrate measures recall on a sample of the collection's own vectors and stores
// the smallest ef reaching the target; failures keep the previous value.
func (s *Server) calibrate(c *collection) {
	defer c.calibrating.Store(false)
	start := time.Now()
	target := c.spec.Index.TargetRecall
	if target == 0 {
		target = defaultTargetRecall
	}
	c.mu.RLock()
	vec := c.vec
	c.mu.RUnlock()
	if index.WaitBuild(vec) != nil || vec.Stats().Engine != "hnsw" {
		return
	}
	c.mu.RLock()
	var ids []string
	for id, e := range c.docs {
		if len(ids) == calibrationQueries {
			break
		}
		if len(e.passages) == 0 {
			ids = append(ids, id)
		}
	}
	deleted := c.deleted
	c.mu.RUnlock()
	if deleted || len(ids) < calibrationK {
		return
	}
	recs, err := s.store.GetMany(c.name, ids, true)
	if err != nil {
		s.log.Warn("ef calibration skipped", "collection", c.name, "err", err)
		return
	}
	var (
		keys []uint64
		qs   [][]float32
	)
	for _, r := range recs {
		if r != nil && len(r.Vector) > 0 {
			keys, qs = append(keys, r.Key), append(qs, r.Vector)
		}
	}
	if len(qs) == 0 {
		return
	}
	cal, err := index.Calibrate(context.Background(), vec, keys, qs, calibrationK, target)
	if err != nil {
		s.log.Debug("ef calibration skipped", "collection", c.name, "err", err)
		return
	}
	c.calibration.Store(&cal)
	s.log.Info("ef calibrated", "collection", c.name, "target_recall", target, "ef", cal.Ef,
		"recall", cal.Recall, "vectors", cal.Vectors, "queries", cal.Queries, "elapsed", time.Since(start))
}

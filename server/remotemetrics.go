package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// remoteCountTimeout bounds the backend calls of one metrics scrape.
const remoteCountTimeout = 5 * time.Second

// remoteDocuments is instructd_collection_documents when collections live in a backend
// (serve --backend weaviate). The counts are the backend's, asked when the metrics are
// scraped: every instructd replica in front of the same cluster then reports the same,
// current numbers, where a gauge kept by one process would miss the other replicas'
// writes. A backend that does not answer leaves the metric out of that scrape (and is
// logged); the other metrics are still served.
type remoteDocuments struct {
	s    *Server
	desc *prometheus.Desc
}

// useBackendCounts makes the documents metric ask s's backend (see remoteDocuments)
// instead of the gauge the local engine keeps up to date.
func (m *metrics) useBackendCounts(s *Server) {
	m.reg.Unregister(m.documents)
	m.reg.MustRegister(&remoteDocuments{s: s, desc: prometheus.NewDesc(
		"instructd_collection_documents", "Documents stored per collection.", []string{"collection"}, nil)})
}

// Describe implements prometheus.Collector.
func (r *remoteDocuments) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

// Collect implements prometheus.Collector: one backend count per collection.
func (r *remoteDocuments) Collect(ch chan<- prometheus.Metric) {
	rt := r.s.remote
	if rt == nil || r.s.closed.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), remoteCountTimeout)
	defer cancel()
	infos, err := rt.listCollections(ctx)
	if err != nil {
		r.s.log.Warn("metrics: collection counts from the backend are unavailable", "backend", rt.b.Name(), "err", err)
		return
	}
	for _, ci := range infos {
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, float64(ci.Count), ci.Name)
	}
}

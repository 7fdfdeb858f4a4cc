package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's and embedders' Prometheus metrics, registered on a
// registry the Server owns (never the global one).
type metrics struct {
	reg *prometheus.Registry

	documents     *prometheus.GaugeVec
	ingested      *prometheus.CounterVec
	searchLatency *prometheus.HistogramVec
	snapshots     *prometheus.CounterVec
	rebuilds      *prometheus.CounterVec

	embedBatchSize   *prometheus.HistogramVec
	embedBatchTokens *prometheus.HistogramVec
	embedQueueDepth  *prometheus.GaugeVec
	embedTokens      *prometheus.CounterVec
	embedLatency     *prometheus.HistogramVec
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		documents: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "instructd_collection_documents", Help: "Documents stored per collection.",
		}, []string{"collection"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instructd_ingest_documents_total", Help: "Documents upserted durably (rate() gives docs/s).",
		}, []string{"collection"}),
		searchLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instructd_search_duration_seconds", Help: "Search latency inside the server (embedding included).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"collection", "mode"}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instructd_index_snapshots_total", Help: "Index snapshots written, by result.",
		}, []string{"result"}),
		rebuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instructd_index_rebuilds_total", Help: "Indexes rebuilt from the store at startup, by reason.",
		}, []string{"reason"}),
		embedBatchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instructd_embed_batch_size", Help: "Texts per model batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}, []string{"model"}),
		embedBatchTokens: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instructd_embed_batch_tokens", Help: "Padded tokens per model batch.",
			Buckets: prometheus.ExponentialBuckets(16, 2, 12),
		}, []string{"model"}),
		embedQueueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "instructd_embed_queue_depth", Help: "Texts waiting to be embedded.",
		}, []string{"model"}),
		embedTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "instructd_embed_tokens_total", Help: "Tokens embedded.",
		}, []string{"model"}),
		embedLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "instructd_embed_batch_duration_seconds", Help: "Model inference time per batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"model"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.documents, m.ingested, m.searchLatency, m.snapshots, m.rebuilds,
		m.embedBatchSize, m.embedBatchTokens, m.embedQueueDepth, m.embedTokens, m.embedLatency,
	)
	return m
}

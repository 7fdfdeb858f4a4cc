package api

import (
	"log/slog"
	"time"
)

// Options configures NewRouter; zero values take the defaults noted on each field.
type Options struct {
	// APIKeys, when non-empty, requires "Authorization: Bearer KEY" on /v1 routes.
	APIKeys []string
	// ReadAPIKeys are keys that may only read: GET routes, search, embeddings (403 on
	// writes and deletes). Either kind of key turns authentication on.
	ReadAPIKeys []string
	// MetricsPublic serves /metrics without an API key.
	MetricsPublic bool
	// RequestTimeout bounds requests (default 60s), except document upserts: JSON ones
	// have UpsertTimeout, NDJSON streams no deadline.
	RequestTimeout time.Duration
	// ClientIPHeader, when set (e.g. "X-Real-IP"), takes the client address for logs from
	// that header; off by default because any client can forge it.
	ClientIPHeader string
	// TrustedProxies limits ClientIPHeader to requests from these CIDR prefixes.
	TrustedProxies []string
	// IngestBatchDocs is how many NDJSON documents go to one Upsert call (default 256).
	IngestBatchDocs int
	// IngestBatchBytes cuts an NDJSON batch early once its lines add up to this (default 8 MiB).
	IngestBatchBytes int
	// IngestConcurrency is how many NDJSON batches may be upserting at once (default 2):
	// one embeds while the previous one is written and fsynced. Acks stay in order.
	IngestConcurrency int
	// MaxReportedFailures caps the failed-line and truncated-id lists of one ingest
	// response (default 10,000); the counts stay exact.
	MaxReportedFailures int
	// MaxResponseBytes refuses searches whose response (queries × k hits, with vectors
	// when included) would be larger, estimated before running them (default 64 MiB).
	MaxResponseBytes int64
	// UpsertTimeout bounds a JSON-body document upsert, embedding included (default
	// 10m); NDJSON streams have none (their client's pace rules).
	UpsertTimeout time.Duration
	// DisableConsole turns off the built-in web console at /ui/ (on by default).
	DisableConsole bool
	// Logger receives access logs and errors; nil takes the service's logger.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.IngestBatchDocs <= 0 {
		o.IngestBatchDocs = 256
	}
	if o.IngestBatchBytes <= 0 {
		o.IngestBatchBytes = 8 << 20
	}
	if o.IngestConcurrency <= 0 {
		o.IngestConcurrency = 2
	}
	if o.MaxReportedFailures <= 0 {
		o.MaxReportedFailures = 10000
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 64 << 20
	}
	if o.UpsertTimeout <= 0 {
		o.UpsertTimeout = 10 * time.Minute
	}
	return o
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/instructd/instructd/api"
	"github.com/instructd/instructd/models"
	"github.com/instructd/instructd/server"
)

// serveSettings is everything `instructd serve` parsed from flags and environment.
type serveSettings struct {
	cfg         server.Config
	opts        api.Options
	logFormat   string
	logLevel    string
	healthcheck bool
	backend     backendSettings
}

// runServe parses flags (each with an INSTRUCTD_* environment equivalent; a flag beats
// the environment, which beats the default), builds server.Config and runs the server
// until SIGINT/SIGTERM cancels ctx.
func runServe(ctx context.Context, args []string) error {
	st, err := parseServe(args)
	if err != nil {
		return err
	}
	if st.healthcheck {
		return checkHealth(ctx, st.cfg.Addr)
	}
	cfg, opts := st.cfg, st.opts
	log, err := newLogger(os.Stderr, st.logFormat, st.logLevel)
	if err != nil {
		return err
	}
	cfg.Logger, opts.Logger = log, log
	for i, p := range cfg.ModelPacks {
		if cfg.ModelPacks[i], err = resolvePack(p); err != nil {
			return err
		}
	}
	warnIfOpen(os.Stderr, log, cfg.Addr, len(cfg.APIKeys)+len(opts.ReadAPIKeys) > 0)
	if len(cfg.ModelPacks) > 0 {
		warnIfNotSemantic(os.Stderr, log, cfg.ModelPacks[0])
	} else {
		log.Warn("no model pack given (--model / INSTRUCTD_MODELS): only vector-only collections will work")
	}
	if cfg.Backend, err = openBackend(ctx, st.backend); err != nil {
		return err
	}
	return server.Run(ctx, cfg, func(s *server.Server) http.Handler { return api.NewRouter(s, opts) })
}

// parseServe reads serve's flags over the INSTRUCTD_* environment over the defaults.
func parseServe(args []string) (serveSettings, error) {
	st := serveSettings{cfg: server.DefaultConfig(), logFormat: "text", logLevel: "info"}
	cfg, opts := &st.cfg, &st.opts
	opts.RequestTimeout = 60 * time.Second
	var trusted string
	fs := newFlags("serve", "serve [flags]",
		"instructd serve --model BAAI/bge-small-en-v1.5",
		"instructd serve --addr 0.0.0.0:8080 --data /var/lib/instructd --model PACK --api-keys k1,k2",
		"INSTRUCTD_MODELS=models/test-minilm instructd serve")
	e := &envFlags{fs: fs, secret: map[string]bool{}}
	e.str(&cfg.Addr, "addr", "ADDR", "listen address host:port")
	e.str(&cfg.DataDir, "data", "DATA", "data directory (store and index snapshots)")
	e.list(&cfg.ModelPacks, "model", "MODELS", "model pack directory or installed pack name; repeat for several, the first is the default (env: comma-separated)")
	var aliases []string
	e.list(&aliases, "model-alias", "MODEL_ALIASES", "extra model name for a loaded pack, NAME=PACK (e.g. text-embedding-3-small=BAAI/bge-small-en-v1.5); repeatable (env: comma-separated)")
	e.secret["api-key"] = true
	e.list(&cfg.APIKeys, "api-key", "API_KEYS", "accepted API key (Authorization: Bearer KEY); repeat for several (env: comma-separated); none: no auth")
	e.secret["read-api-keys"] = true
	e.list(&opts.ReadAPIKeys, "read-api-keys", "READ_API_KEYS", "read-only API key: may search, embed and read, not write or delete (403); repeat for several (env: comma-separated)")
	e.str(&cfg.ORTLibrary, "ort-lib", "ORT_LIB", "ONNX Runtime shared library (default: discovered)")
	e.int(&cfg.Threads, "threads", "THREADS", "ONNX Runtime intra-op threads (0: number of CPUs)")
	e.bool(&cfg.MetricsPublic, "metrics-public", "METRICS_PUBLIC", "serve /metrics without an API key")
	e.dur(&cfg.SnapshotInterval, "snapshot-interval", "SNAPSHOT_INTERVAL", "period of index snapshots (0: only at shutdown)")
	e.dur(&cfg.ShutdownTimeout, "shutdown-timeout", "SHUTDOWN_TIMEOUT", "how long a graceful shutdown may drain requests")
	e.str(&st.logFormat, "log-format", "LOG_FORMAT", "log format: json or text")
	e.str(&st.logLevel, "log-level", "LOG_LEVEL", "log level: debug, info, warn or error")
	e.int64(&cfg.Limits.MaxBodyBytes, "max-body-bytes", "MAX_BODY_BYTES", "largest JSON request body")
	e.int(&cfg.Limits.MaxLineBytes, "max-line-bytes", "MAX_LINE_BYTES", "longest NDJSON line")
	e.int(&cfg.Limits.MaxDocsPerRequest, "max-docs-per-request", "MAX_DOCS_PER_REQUEST", "most documents in one JSON upsert body")
	e.int(&cfg.Limits.MaxTextBytes, "max-text-bytes", "MAX_TEXT_BYTES", "longest document text (longer: rejected)")
	e.int(&cfg.Limits.MaxK, "max-k", "MAX_K", "largest k of a search")
	e.int(&cfg.Limits.MaxBatchQueries, "max-batch-queries", "MAX_BATCH_QUERIES", "most queries in one batch search")
	e.int(&cfg.Limits.MaxInputs, "max-inputs", "MAX_INPUTS", "most inputs in one /v1/embeddings call")
	e.int(&cfg.Embedding.MaxBatchTokens, "max-batch-tokens", "MAX_BATCH_TOKENS", "embedding batch budget in padded tokens (0: embed's default)")
	e.int(&cfg.Embedding.MaxBatchSize, "max-batch-size", "MAX_BATCH_SIZE", "most texts in one embedding batch (0: embed's default)")
	e.dur(&cfg.Embedding.MaxWait, "max-wait", "MAX_WAIT", "how long the batcher waits to fill a batch (0: embed's default)")
	e.int(&cfg.Embedding.QueueSize, "queue-size", "QUEUE_SIZE", "texts waiting to be embedded before searches get 429 (0: embed's default)")
	e.int(&cfg.Embedding.InferenceWorkers, "inference-workers", "INFERENCE_WORKERS", "embedding batches run at once, each session with threads/workers intra-op threads (0: embed's default, one per thread up to 4)")
	e.int(&cfg.Embedding.CacheSize, "cache-size", "CACHE_SIZE", "query embeddings kept in an LRU cache (0: embed's default)")
	e.dur(&opts.RequestTimeout, "request-timeout", "REQUEST_TIMEOUT", "deadline of non-streaming requests")
	e.int(&opts.IngestBatchDocs, "ingest-batch", "INGEST_BATCH", "documents per server upsert in NDJSON ingest (0: 256)")
	e.int(&opts.IngestConcurrency, "ingest-concurrency", "INGEST_CONCURRENCY", "NDJSON batches upserting at once per stream (0: 2)")
	e.str(&opts.ClientIPHeader, "client-ip-header", "CLIENT_IP_HEADER", "take the client address for logs from this header (e.g. X-Real-IP); off by default")
	ui := true
	e.bool(&ui, "ui", "UI", "serve the web console at /ui/ (--ui=false turns it off)")
	e.str(&trusted, "trusted-proxies", "TRUSTED_PROXIES", "comma-separated CIDRs allowed to set --client-ip-header")
	addBackendFlags(e, fs, &st.backend)
	fs.BoolVar(&st.healthcheck, "healthcheck", false, "GET /healthz of the server at --addr and exit 0 if it answers 200 (for container health checks)")
	if err := parseFlags(fs, args); err != nil {
		return st, err
	}
	if err := errors.Join(e.errs...); err != nil {
		return st, err
	}
	if err := noPositional(fs); err != nil {
		return st, err
	}
	for _, a := range aliases {
		name, target, ok := strings.Cut(a, "=")
		name, target = strings.TrimSpace(name), strings.TrimSpace(target)
		if !ok || name == "" || target == "" {
			return st, fmt.Errorf("--model-alias %q: want NAME=PACK, e.g. text-embedding-3-small=BAAI/bge-small-en-v1.5", a)
		}
		if cfg.ModelAliases == nil {
			cfg.ModelAliases = map[string]string{}
		}
		cfg.ModelAliases[name] = target
	}
	opts.APIKeys = cfg.APIKeys
	opts.MetricsPublic = cfg.MetricsPublic
	opts.TrustedProxies = splitList(trusted)
	opts.DisableConsole = !ui
	return st, nil
}

// resolvePack turns a pack argument into a directory: an existing directory as is,
// anything else through the models registry (e.g. "BAAI/bge-small-en-v1.5").
func resolvePack(arg string) (string, error) {
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		return arg, nil
	}
	p, err := models.Resolve(arg)
	if err != nil {
		return "", fmt.Errorf("model pack %q: %w", arg, err)
	}
	return p.Dir, nil
}

// warnIfOpen prints a banner when the server listens beyond loopback with no API key:
// anyone who can reach the port may then read, write and delete every collection.
func warnIfOpen(w io.Writer, log *slog.Logger, addr string, keys bool) {
	if keys || loopbackAddr(addr) {
		return
	}
	bar := strings.Repeat("!", 78)
	fmt.Fprintf(w, "%s\n!!! WARNING: listening on %s WITHOUT API KEYS: anyone who can reach this port can\n"+
		"!!! read, overwrite and delete every collection. Set --api-key / INSTRUCTD_API_KEYS\n"+
		"!!! (and --read-api-keys for read-only clients), or listen on 127.0.0.1.\n%s\n", bar, addr, bar)
	log.Warn("listening on a non-loopback address without API keys: the API is open to anyone who can reach it", "addr", addr)
}

// loopbackAddr reports whether host:port listens on loopback only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// warnIfNotSemantic prints a banner when the default pack's vectors carry no meaning.
func warnIfNotSemantic(w io.Writer, log *slog.Logger, dir string) {
	m, err := models.ReadManifest(dir)
	if err != nil || m.Semantic {
		return // the server reports unreadable packs itself
	}
	bar := strings.Repeat("!", 78)
	fmt.Fprintf(w, "%s\n!!! WARNING: the default model pack %q is NOT SEMANTIC (semantic: false).\n"+
		"!!! Its vectors carry no meaning: search results are arbitrary. Use it for tests only;\n"+
		"!!! pull a real pack with `instructd model pull BAAI/bge-small-en-v1.5`.\n%s\n", bar, m.Name, bar)
	log.Warn("default model pack is not semantic: search results carry no meaning", "pack", m.Name, "dir", dir)
}

// newLogger builds the slog logger from --log-format and --log-level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	ho := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want json or text", format)
}

// checkHealth is the container health check: GET http://ADDR/healthz.
func checkHealth(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	return nil
}

// envFlags defines flags whose defaults come from INSTRUCTD_<NAME> when set.
type envFlags struct {
	fs     *flag.FlagSet
	errs   []error
	secret map[string]bool // flags whose values --help must not print
}

// env returns INSTRUCTD_<name> and whether it is set (non-empty).
func (e *envFlags) env(name string) (string, bool) {
	v, ok := os.LookupEnv("INSTRUCTD_" + name)
	return v, ok && v != ""
}

func (e *envFlags) usage(env, usage string) string { return usage + " (env INSTRUCTD_" + env + ")" }

func (e *envFlags) str(p *string, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		*p = v
	}
	e.fs.StringVar(p, flagName, *p, e.usage(env, usage))
}

func (e *envFlags) int(p *int, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("INSTRUCTD_%s=%q: not an integer", env, v))
		}
		*p = n
	}
	e.fs.IntVar(p, flagName, *p, e.usage(env, usage))
}

func (e *envFlags) int64(p *int64, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("INSTRUCTD_%s=%q: not an integer", env, v))
		}
		*p = n
	}
	e.fs.Int64Var(p, flagName, *p, e.usage(env, usage))
}

func (e *envFlags) bool(p *bool, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("INSTRUCTD_%s=%q: not a boolean", env, v))
		}
		*p = b
	}
	e.fs.BoolVar(p, flagName, *p, e.usage(env, usage))
}

func (e *envFlags) dur(p *time.Duration, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("INSTRUCTD_%s=%q: not a duration like 30s", env, v))
		}
		*p = d
	}
	e.fs.DurationVar(p, flagName, *p, e.usage(env, usage))
}

func (e *envFlags) list(p *[]string, flagName, env, usage string) {
	if v, ok := e.env(env); ok {
		*p = splitList(v)
		if len(*p) == 0 {
			// e.g. INSTRUCTD_API_KEYS="," must not silently mean "no keys: auth off".
			e.errs = append(e.errs, fmt.Errorf("INSTRUCTD_%s is set but holds no values (only commas and blanks)", env))
		}
	}
	e.fs.Var(&listFlag{p: p, secret: func() bool { return e.secret[flagName] }}, flagName, e.usage(env, usage))
}

// listFlag is a repeatable flag; the first use on the command line replaces the
// value taken from the environment.
type listFlag struct {
	p      *[]string
	set    bool
	secret func() bool
}

func (l *listFlag) String() string {
	if l.p == nil || len(*l.p) == 0 {
		return ""
	}
	if l.secret != nil && l.secret() {
		return "(hidden)"
	}
	return strings.Join(*l.p, ",")
}

func (l *listFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty value")
	}
	if !l.set {
		*l.p, l.set = nil, true
	}
	*l.p = append(*l.p, v)
	return nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

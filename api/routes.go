package api

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/instructd/instructd/api/console"
)

// handlers holds what every handler needs; it has no state of its own.
type handlers struct {
	svc  Service
	opts Options
	log  *slog.Logger
}

// NewRouter builds the HTTP API over s. It panics on wiring mistakes (a nil service),
// never on requests.
func NewRouter(s Service, opts Options) http.Handler {
	if s == nil {
		panic("api: NewRouter: nil Service")
	}
	opts = opts.withDefaults()
	log := opts.Logger
	if log == nil {
		log = s.Logger()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handlers{svc: s, opts: opts, log: log}
	keys := newAPIKeys(opts.APIKeys, opts.ReadAPIKeys, log)
	metrics := newHTTPMetrics(s.Registry())
	jsonOnly := allowContentType(log, "application/json")
	maxBody := func() int64 { return s.Limits().MaxBodyBytes }

	r := chi.NewRouter()
	r.Use(newRequestIDs().middleware)
	if opts.ClientIPHeader != "" {
		r.Use(middleware.ClientIPFromHeader(opts.ClientIPHeader, opts.TrustedProxies...))
	}
	r.Use(observe(log, metrics))
	r.Use(recoverer(log))
	r.NotFound(h.notFound)
	r.MethodNotAllowed(h.methodNotAllowed)

	// Open routes.
	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	r.Get("/openapi.json", h.openAPI)
	r.Get("/", h.root)
	r.Get("/docs", h.docs)
	if !opts.DisableConsole {
		// The console's files are open; the API calls it makes need the key like any client's.
		r.Get("/ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusMovedPermanently) })
		r.Get("/ui/*", http.StripPrefix("/ui", console.Handler()).ServeHTTP)
	}
	r.Group(func(r chi.Router) {
		if !opts.MetricsPublic {
			r.Use(keys.middleware)
		}
		r.Method(http.MethodGet, "/metrics", metricsHandler(s.Registry()))
	})

	// The API proper.
	r.Route("/v1", func(r chi.Router) {
		r.Use(keys.middleware)
		r.Use(limitBody(maxBody))
		r.Group(func(r chi.Router) {
			r.Use(timeout(opts.RequestTimeout))
			r.Use(jsonOnly)
			r.Get("/models", h.listModels)
			r.Post("/embeddings", h.embeddings)
			r.Post("/rerank", h.rerank)
			r.Post("/tokenize", h.tokenize)
			r.Get("/collections", h.listCollections)
			r.Put("/collections/{name}", h.putCollection)
			r.Get("/collections/{name}", h.getCollection)
			r.Delete("/collections/{name}", h.deleteCollection)
			r.Get("/collections/{name}/documents/*", h.getDocument)
			r.Delete("/collections/{name}/documents/*", h.deleteDocument)
			r.Post("/collections/{name}/search", h.search)
			r.Patch("/collections/{name}", h.patchCollection)
			r.Get("/collections/{name}/documents", h.listDocuments)
			r.Patch("/collections/{name}/documents/*", h.patchDocument)
			r.Post("/collections/{name}/delete", h.deleteDocuments)
			r.Get("/collections/{name}/stats", h.collectionStats)
			r.Post("/collections/{name}/compact", h.compact)
			r.Post("/collections/{name}/evaluate", h.evaluate)
		})
		// Backup and restore stream a whole collection: no timeout (the client's pace).
		r.Get("/collections/{name}/backup", h.backup)
		r.With(allowContentType(log, ndjsonType, "application/jsonl", "application/jsonlines")).
			Post("/collections/{name}/restore", h.restore)
		// Upsert takes a JSON body (capped) or an NDJSON stream (capped per line). Bulk
		// writes take as long as embedding takes, so this route has no timeout; a client
		// that goes away still cancels it.
		r.With(allowContentType(log, "application/json", ndjsonType, "application/jsonl", "application/jsonlines")).
			Post("/collections/{name}/documents", h.upsertDocuments)
	})
	return r
}

// notFound answers unknown paths with a JSON 404.
func (h *handlers) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, h.log, &httpError{status: http.StatusNotFound, code: codeNotFound,
		message: "no route for " + r.Method + " " + r.URL.Path})
}

// methodNotAllowed answers a known path with the wrong method.
func (h *handlers) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, h.log, &httpError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
		message: "method " + r.Method + " is not allowed on " + r.URL.Path})
}

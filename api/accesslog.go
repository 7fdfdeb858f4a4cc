package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// observe wraps the response writer once, then logs each request with slog and records
// it in the HTTP metrics under its route pattern (never the raw path).
func observe(log *slog.Logger, m *httpMetrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			next.ServeHTTP(sw, r)
			elapsed := time.Since(start)
			status := sw.status
			if !sw.wroteHeader {
				status = http.StatusOK
			}
			route := routePattern(r)
			m.observe(r.Method, route, status, elapsed)
			level := slog.LevelInfo
			if route == "/healthz" || route == "/readyz" || route == "/metrics" {
				level = slog.LevelDebug
			}
			if !log.Enabled(r.Context(), level) {
				return // the attributes below cost allocations even when nothing is logged
			}
			client := r.RemoteAddr
			if ip := middleware.GetClientIP(r.Context()); ip != "" {
				client = ip
			}
			log.Log(r.Context(), level, "http request", "request_id", RequestID(r.Context()),
				"method", r.Method, "route", route, "path", r.URL.Path, "status", status,
				"bytes", sw.bytes, "duration_ms", float64(elapsed.Microseconds())/1000, "client", client)
		})
	}
}

// routePattern is the matched chi pattern, or "unmatched" (bounded label cardinality).
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// recoverer turns a handler panic into a logged 500 JSON error so one bad request
// never takes the server down. http.ErrAbortHandler is re-panicked, as net/http expects.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				rec := recover()
				if rec == nil {
					return
				}
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				log.ErrorContext(r.Context(), "api: handler panic", "request_id", RequestID(r.Context()),
					"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
				if sw, ok := w.(*statusWriter); ok && sw.wroteHeader {
					return // too late for a status; the client sees a cut response
				}
				writeError(w, r, log, fmt.Errorf("api: panic: %v", rec))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

package api

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// ndjsonType is the media type of streamed documents.
const ndjsonType = "application/x-ndjson"

// isNDJSON reports whether the request body is an NDJSON stream.
func isNDJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == ndjsonType || mt == "application/jsonl" || mt == "application/jsonlines")
}

// limitBody caps JSON request bodies at max() bytes (decoding then answers 413);
// NDJSON streams are exempt: they are bounded per line instead.
func limitBody(max func() int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if max := max(); max > 0 && !isNDJSON(r) {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// timeout gives requests a deadline; handlers and the server watch ctx.Done(), and a
// request that runs out answers 504. NDJSON streams are exempt.
func timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d <= 0 || isNDJSON(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// allowContentType answers 415 when a request with a body declares a media type
// outside types. A missing Content-Type is taken as JSON.
func allowContentType(log *slog.Logger, types ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ct := r.Header.Get("Content-Type")
			if r.ContentLength == 0 || ct == "" || r.Method == http.MethodGet || r.Method == http.MethodDelete {
				next.ServeHTTP(w, r)
				return
			}
			mt, _, err := mime.ParseMediaType(ct)
			for _, t := range types {
				if err == nil && strings.EqualFold(mt, t) {
					next.ServeHTTP(w, r)
					return
				}
			}
			writeError(w, r, log, &httpError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
				message: "Content-Type " + ct + " is not accepted here; use " + strings.Join(types, " or ")})
		})
	}
}

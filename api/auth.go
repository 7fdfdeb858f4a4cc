package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
)

// apiKeys checks "Authorization: Bearer KEY". Keys are compared as SHA-256 digests with
// crypto/subtle, against every key without stopping early, so neither the position of a
// match nor the length of a key shows in the timing.
type apiKeys struct {
	digests [][sha256.Size]byte
	log     *slog.Logger
}

func newAPIKeys(keys []string, log *slog.Logger) *apiKeys {
	a := &apiKeys{log: log}
	for _, k := range keys {
		if k == "" {
			continue
		}
		a.digests = append(a.digests, sha256.Sum256([]byte(k)))
	}
	return a
}

// enabled reports whether any key is configured.
func (a *apiKeys) enabled() bool { return len(a.digests) > 0 }

// valid reports whether key is one of the configured keys.
func (a *apiKeys) valid(key string) bool {
	d := sha256.Sum256([]byte(key))
	match := 0
	for i := range a.digests {
		match |= subtle.ConstantTimeCompare(d[:], a.digests[i][:])
	}
	return match == 1
}

// middleware answers 401 unless the request carries a configured key; with no keys
// configured it lets everything through.
func (a *apiKeys) middleware(next http.Handler) http.Handler {
	if !a.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, key, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !a.valid(strings.TrimSpace(key)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="instructd"`)
			msg := "missing API key: send Authorization: Bearer KEY"
			if h != "" {
				msg = "invalid API key"
			}
			writeError(w, r, a.log, &httpError{status: http.StatusUnauthorized, code: codeUnauthorized, message: msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}

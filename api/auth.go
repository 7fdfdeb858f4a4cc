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
//
// Read-only keys may search, embed and read (GET), but not write or delete.
type apiKeys struct {
	digests [][sha256.Size]byte
	read    [][sha256.Size]byte // read-only keys
	log     *slog.Logger
}

func newAPIKeys(keys, readKeys []string, log *slog.Logger) *apiKeys {
	a := &apiKeys{log: log}
	for _, k := range keys {
		if k != "" {
			a.digests = append(a.digests, sha256.Sum256([]byte(k)))
		}
	}
	for _, k := range readKeys {
		if k != "" {
			a.read = append(a.read, sha256.Sum256([]byte(k)))
		}
	}
	return a
}

// enabled reports whether any key is configured.
func (a *apiKeys) enabled() bool { return len(a.digests)+len(a.read) > 0 }

// valid reports whether key is one of the configured full keys.
func (a *apiKeys) valid(key string) bool { return matchAny(key, a.digests) }

// validRead reports whether key is one of the configured read-only keys.
func (a *apiKeys) validRead(key string) bool { return matchAny(key, a.read) }

func matchAny(key string, digests [][sha256.Size]byte) bool {
	d := sha256.Sum256([]byte(key))
	match := 0
	for i := range digests {
		match |= subtle.ConstantTimeCompare(d[:], digests[i][:])
	}
	return match == 1
}

// readOnlyPOSTs are the path suffixes of POST routes that change nothing.
var readOnlyPOSTs = []string{"/search", "/embeddings", "/tokenize", "/rerank"}

// readOnly reports whether a request changes nothing: GET and HEAD, and the POST
// routes that only compute (search, embeddings, tokenize, rerank).
func readOnly(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true
	case http.MethodPost:
		for _, s := range readOnlyPOSTs {
			if strings.HasSuffix(r.URL.Path, s) {
				return true
			}
		}
	}
	return false
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
		key = strings.TrimSpace(key)
		bearer := ok && strings.EqualFold(scheme, "Bearer")
		if bearer && !a.valid(key) && a.validRead(key) {
			if readOnly(r) {
				next.ServeHTTP(w, r)
				return
			}
			writeError(w, r, a.log, &httpError{status: http.StatusForbidden, code: codeForbidden,
				message: "this API key is read-only (it may search, embed and read): " + r.Method + " " + r.URL.Path + " needs a full key"})
			return
		}
		if !bearer || !a.valid(key) {
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

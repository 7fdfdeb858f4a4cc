package api

import (
	"net/http"
	"testing"
)

// TestReadOnlyAPIKeys: a read-only key may read, search and embed; every write or
// delete answers 403; a full key may do everything; no key is 401.
func TestReadOnlyAPIKeys(t *testing.T) {
	e := newTestEnv(t, Options{APIKeys: []string{"full"}, ReadAPIKeys: []string{"reader"}})
	e.seed() // the client carries the full key
	read := "Bearer reader"
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/v1/collections", "", http.StatusOK},
		{"GET", "/v1/collections/c", "", http.StatusOK},
		{"GET", "/v1/collections/c/documents/a%2Fb", "", http.StatusOK},
		{"POST", "/v1/collections/c/search", `{"query":"alpha"}`, http.StatusOK},
		{"POST", "/v1/embeddings", `{"input":"x"}`, http.StatusOK},
		{"PUT", "/v1/collections/d", "", http.StatusForbidden},
		{"POST", "/v1/collections/c/documents", `{"documents":[{"id":"x","text":"y"}]}`, http.StatusForbidden},
		{"DELETE", "/v1/collections/c/documents/a%2Fb", "", http.StatusForbidden},
		{"DELETE", "/v1/collections/c", "", http.StatusForbidden},
	} {
		r := e.do(tc.method, tc.path, tc.body, "Authorization: "+read)
		e.expect(r, tc.status, "read-only key: "+tc.method+" "+tc.path)
	}
	e.intact(2, "after read-only writes were refused")
	e.expect(e.do("DELETE", "/v1/collections/c/documents/a%2Fb", "", "Authorization: Bearer full"), http.StatusNoContent, "full key delete")
	e.expect(e.do("GET", "/v1/collections", ""), http.StatusUnauthorized, "no key")
}

package api

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
)

// pathParam returns a URL parameter decoded. chi matches on r.URL.RawPath when the
// client escaped something that needs it (an id with %2F), so the value is still
// escaped then; otherwise chi saw the decoded r.URL.Path and the value is final.
// The document route uses a catch-all, so ids may hold '/' raw or as %2F.
func pathParam(r *http.Request, key string) (string, error) {
	v := chi.URLParam(r, key)
	if r.URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", badRequest(key, "bad URL escape in %q", v)
	}
	return u, nil
}

// collectionParam is the {name} parameter.
func collectionParam(r *http.Request) (string, error) {
	name, err := pathParam(r, "name")
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", badRequest("name", "collection name is empty")
	}
	return name, nil
}

// documentParam is the document id (the catch-all after /documents/).
func documentParam(r *http.Request) (string, error) {
	id, err := pathParam(r, "*")
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", badRequest("id", "document id is empty")
	}
	return id, nil
}

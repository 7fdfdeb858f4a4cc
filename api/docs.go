package api

import (
	_ "embed"
	"net/http"
	"strings"
)

//go:embed assets/docs.html
var docsPage []byte

// docs serves the API reference page: static HTML whose script renders /openapi.json
// (no CDN, no network access beyond this server).
func (h *handlers) docs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'")
	_, _ = w.Write(docsPage)
}

// rootLinks is what GET / answers: where to go from here.
type rootLinks struct {
	Name    string            `json:"name"`
	Message string            `json:"message"`
	Links   map[string]string `json:"links"`
}

// root answers GET /: browsers (Accept: text/html) go to the web console (the API
// reference when the console is off); API clients get a JSON index of the entry points.
func (h *handlers) root(w http.ResponseWriter, r *http.Request) {
	links := map[string]string{"docs": "/docs", "openapi": "/openapi.json", "health": "/healthz", "ready": "/readyz", "models": "/v1/models", "collections": "/v1/collections"}
	target := "/docs"
	if !h.opts.DisableConsole {
		links["console"] = "/ui/"
		target = "/ui/"
	}
	if acceptsHTML(r) {
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	writeJSON(w, http.StatusOK, rootLinks{Name: "instructd", Message: "instruction-aware embedding retrieval server; see links", Links: links})
}

// acceptsHTML reports whether the client prefers HTML (a browser).
func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") {
			return true
		}
	}
	return false
}

package api

import (
	"net/http"
	"strings"
	"testing"
)

// browserGet requests path as a browser would (Accept: text/html), without following redirects.
func browserGet(t *testing.T, base, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestRootAndDocs checks GET / (JSON links for API clients, a redirect for browsers: to
// the console, or to /docs with the console off) and that /docs is a self-contained page
// that renders /openapi.json.
func TestRootAndDocs(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.do("GET", "/", "")
	e.expect(r, http.StatusOK, "root")
	if !strings.Contains(r.body, `"docs":"/docs"`) || !strings.Contains(r.body, `"openapi":"/openapi.json"`) || !strings.Contains(r.body, `"console":"/ui/"`) {
		t.Errorf("root body %s", r.body)
	}
	if resp := browserGet(t, e.srv.URL, "/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("browser at /: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	off := newTestEnv(t, Options{DisableConsole: true})
	if resp := browserGet(t, off.srv.URL, "/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/docs" {
		t.Errorf("browser at / with the console off: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r := off.do("GET", "/", ""); strings.Contains(r.body, `"console"`) {
		t.Errorf("console link with the console off: %s", r.body)
	}
	e.expect(off.do("GET", "/ui/", ""), http.StatusNotFound, "console off")
	d := e.do("GET", "/docs", "")
	e.expect(d, http.StatusOK, "docs")
	if !strings.Contains(d.header.Get("Content-Type"), "text/html") || !strings.Contains(d.body, "fetch('/openapi.json')") {
		t.Errorf("docs page: %s", d.header.Get("Content-Type"))
	}
	for _, external := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr"} {
		if strings.Contains(d.body, external) {
			t.Errorf("docs page loads something external (%q)", external)
		}
	}
}

package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestRootAndDocs checks GET / (JSON links for API clients, a redirect for browsers) and
// that /docs is a self-contained page that renders /openapi.json.
func TestRootAndDocs(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.do("GET", "/", "")
	e.expect(r, http.StatusOK, "root")
	if !strings.Contains(r.body, `"docs":"/docs"`) || !strings.Contains(r.body, `"openapi":"/openapi.json"`) {
		t.Errorf("root body %s", r.body)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/docs" {
		t.Errorf("browser at /: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
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

package api

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/api/console"
)

// TestConsoleServesAssets checks /ui/ without a browser: the page and its modules are
// served with a CSP that allows this server only, /ui redirects to /ui/, the files stay
// open when API keys are set (the API calls they make are not), and no asset loads
// anything from outside the server.
func TestConsoleServesAssets(t *testing.T) {
	e := newTestEnv(t, Options{APIKeys: []string{"k"}})
	page := e.do("GET", "/ui/", "")
	e.expect(page, http.StatusOK, "console page")
	if !strings.Contains(page.header.Get("Content-Type"), "text/html") || !strings.Contains(page.body, `src="js/app.js"`) {
		t.Errorf("console page: %s\n%s", page.header.Get("Content-Type"), page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	js := e.do("GET", "/ui/js/app.js", "")
	e.expect(js, http.StatusOK, "app.js")
	if ct := js.header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("app.js Content-Type %q (modules need a JavaScript type)", ct)
	}
	if r := e.do("GET", "/ui/nope.js", ""); r.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", r.status)
	}
	e.expect(e.do("GET", "/v1/collections", ""), http.StatusUnauthorized, "API still needs the key")
	if r := browserGet(t, e.srv.URL, "/ui"); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/ui/" {
		t.Errorf("/ui: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	err := fs.WalkDir(console.Assets(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(console.Assets(), path)
		if err != nil {
			return err
		}
		for _, external := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr", "googleapis"} {
			if strings.Contains(string(b), external) {
				t.Errorf("%s refers to something outside the server (%q)", path, external)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

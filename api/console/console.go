// Package console is instructd's built-in web console: static HTML, CSS and ES modules,
// embedded in the binary and served under /ui/. The page talks to the server only through
// the public HTTP API (the same calls a client makes), so it needs no private endpoint and
// doubles as a living example of the API. Nothing is fetched from outside the server.
package console

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// csp allows this server's own scripts, styles and API only.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"

// Assets are the console's files: index.html, console.css and js/*.js.
func Assets() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // a build mistake, not a request
	}
	return sub
}

// Handler serves the console's files. Mount it under a prefix with http.StripPrefix;
// "/" serves index.html.
func Handler() http.Handler {
	files := http.FileServerFS(Assets())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		// The assets change with the binary; revalidate rather than serve a stale console.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeFile is one file of a fake Hugging Face repo.
type fakeFile struct {
	body []byte
	// lfs serves the file like the Hub serves LFS files: a redirect to a CDN path whose first
	// response carries X-Linked-Etag (the SHA-256) and X-Linked-Size.
	lfs bool
	// etag overrides the advertised SHA-256 (to simulate corruption).
	etag string
}

// fakeHub is an httptest Hugging Face endpoint serving {repo}/resolve/{revision}/{path}.
type fakeHub struct {
	t   *testing.T
	srv *httptest.Server

	mu          sync.Mutex
	files       map[string]fakeFile // "org/name/revision/path"
	ignoreRange bool
	cutOnce     map[string]bool   // path -> cut the body halfway on the next request
	stallAfter  map[string]bool   // path -> send half the body, then wait for the client to go away
	renamed     map[string]string // old repo -> new repo, answered with a 307 like the Hub
	requests    []fakeRequest
}

type fakeRequest struct {
	Path, Range, Auth string
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{t: t, files: map[string]fakeFile{}, cutOnce: map[string]bool{}, stallAfter: map[string]bool{}, renamed: map[string]string{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *fakeHub) add(repo, revision, path string, f fakeFile) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[repo+"/"+revision+"/"+path] = f
}

func (h *fakeHub) log() []fakeRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]fakeRequest(nil), h.requests...)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (h *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, fakeRequest{Path: r.URL.Path, Range: r.Header.Get("Range"), Auth: r.Header.Get("Authorization")})
	h.mu.Unlock()

	cdn := strings.HasPrefix(r.URL.Path, "/cdn/")
	p := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/cdn"), "/")
	// org/name/resolve/revision/path...
	parts := strings.SplitN(p, "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	key := parts[0] + "/" + parts[1] + "/" + parts[3] + "/" + parts[4]
	h.mu.Lock()
	if to, ok := h.renamed[parts[0]+"/"+parts[1]]; ok && !cdn {
		h.mu.Unlock()
		http.Redirect(w, r, "/"+to+"/resolve/"+parts[3]+"/"+parts[4], http.StatusTemporaryRedirect)
		return
	}
	f, ok := h.files[key]
	ignoreRange := h.ignoreRange
	h.mu.Unlock()
	if !ok {
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	if f.lfs && !cdn {
		etag := f.etag
		if etag == "" {
			etag = sha(f.body)
		}
		w.Header().Set("X-Linked-Etag", `"`+etag+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.body)))
		w.Header().Set("ETag", `"`+etag+`"`)
		http.Redirect(w, r, "/cdn"+r.URL.Path, http.StatusFound)
		return
	}
	if !f.lfs {
		w.Header().Set("ETag", fmt.Sprintf(`"%040x"`, len(f.body))) // a git blob id, not a sha256
	}
	h.mu.Lock()
	cut := h.cutOnce[parts[4]]
	delete(h.cutOnce, parts[4])
	stall := h.stallAfter[parts[4]]
	h.mu.Unlock()
	body, status := f.body, http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" && !ignoreRange {
		start, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
		if err != nil || start >= len(f.body) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(f.body)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(f.body)-1, len(f.body)))
		body, status = f.body[start:], http.StatusPartialContent
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	switch {
	case cut:
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	case stall:
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	default:
		w.Write(body)
	}
}

package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
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

// fakeGraph describes an ONNX file built by fakeONNX.
type fakeGraph struct {
	inputs   []string // int64 [batch, seq]; past_key_values.* float32 rank 4
	output   string   // float32 [batch, seq, dim], or [batch, dim] when pooled
	dim      int      // ≤ 0: symbolic
	pooled   bool
	external []string // one initializer stored in each of these files
	constExt string   // a Constant node whose tensor lives in this file
	padding  int      // bytes of an inline initializer (a graph that carries its weights)
}

// bertGraph is the signature of a BERT export.
func bertGraph(dim int) fakeGraph {
	return fakeGraph{inputs: []string{"input_ids", "attention_mask", "token_type_ids"}, output: "last_hidden_state", dim: dim}
}

// fakeONNX encodes g as an ONNX ModelProto (field numbers from onnx.proto).
func fakeONNX(g fakeGraph) []byte {
	msg := func(fields ...[]byte) []byte { return bytes.Join(fields, nil) }
	bytesField := func(num protowire.Number, b []byte) []byte {
		out := protowire.AppendTag(nil, num, protowire.BytesType)
		return protowire.AppendBytes(out, b)
	}
	str := func(num protowire.Number, s string) []byte { return bytesField(num, []byte(s)) }
	varint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	dimParam := func(p string) []byte { return bytesField(1, str(2, p)) }
	dimValue := func(v int) []byte { return bytesField(1, varint(1, uint64(v))) }
	valueInfo := func(name string, elem int, dims ...[]byte) []byte {
		tensor := msg(varint(1, uint64(elem)), bytesField(2, msg(dims...)))
		return msg(str(1, name), bytesField(2, bytesField(1, tensor)))
	}
	externalTensor := func(name, loc string) []byte {
		return msg(varint(1, 4), varint(2, 1), str(8, name),
			bytesField(13, msg(str(1, "location"), str(2, loc))),
			bytesField(13, msg(str(1, "offset"), str(2, "0"))),
			varint(14, 1))
	}
	var graph [][]byte
	graph = append(graph, bytesField(1, msg(str(1, "input_ids"), str(2, g.output), str(4, "Identity"))))
	if g.constExt != "" {
		attr := msg(str(1, "value"), bytesField(5, externalTensor("const", g.constExt)), varint(20, 4))
		graph = append(graph, bytesField(1, msg(str(2, "c"), str(4, "Constant"), bytesField(5, attr))))
	}
	graph = append(graph, str(2, "fake"))
	if g.padding > 0 {
		raw := randomBytes(g.padding, 7)
		graph = append(graph, bytesField(5, msg(varint(1, uint64(g.padding)), varint(2, 2), str(8, "inline"), bytesField(9, raw))))
	}
	for i, loc := range g.external {
		graph = append(graph, bytesField(5, externalTensor(fmt.Sprintf("w%d", i), loc)))
	}
	for _, in := range g.inputs {
		if strings.HasPrefix(in, "past_key_values.") { // float32 [batch, heads, past, head_dim]
			graph = append(graph, bytesField(11, valueInfo(in, 1, dimParam("batch"), dimValue(2), dimParam("past"), dimValue(8))))
			continue
		}
		graph = append(graph, bytesField(11, valueInfo(in, 7, dimParam("batch"), dimParam("seq"))))
	}
	width := dimValue(g.dim)
	if g.dim <= 0 {
		width = dimParam("hidden")
	}
	if g.pooled {
		graph = append(graph, bytesField(12, valueInfo(g.output, 1, dimParam("batch"), width)))
	} else {
		graph = append(graph, bytesField(12, valueInfo(g.output, 1, dimParam("batch"), dimParam("seq"), width)))
	}
	return msg(varint(1, 8), bytesField(8, msg(str(1, ""), varint(2, 17))), str(2, "instructd-test"), bytesField(7, msg(graph...)))
}

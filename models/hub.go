package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hugging Face Hub, used when neither PullOptions.Endpoint nor
// $HF_ENDPOINT is set.
const DefaultEndpoint = "https://huggingface.co"

// Progress reports how much of one file has been downloaded.
type Progress struct {
	// File is the pack file being written, e.g. "model.onnx".
	File string
	// Done counts bytes on disk, including bytes resumed from an earlier attempt.
	Done int64
	// Total is the file size, or -1 when the server does not say.
	Total int64
}

// ErrUnreachable means the hub could not be reached at all: offline, unknown host, refused.
var ErrUnreachable = errors.New("models: cannot reach the model hub")

// errResumable marks a transfer that stopped early; its partial file is kept for the next pull.
var errResumable = errors.New("transfer failed, pull again to resume")

// hub downloads files of one repo revision from a Hugging Face-compatible endpoint.
type hub struct {
	client   *http.Client
	endpoint string
	repo     string
	revision string
	token    string
	progress func(Progress)
	log      *slog.Logger
}

// newDefaultClient returns an HTTP client that fails fast when the hub is unreachable but lets
// a large body stream for as long as it takes.
func newDefaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t}
}

// url returns {endpoint}/{repo}/resolve/{revision}/{path} with each part escaped.
func (h *hub) url(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return h.endpoint + "/" + h.repo + "/resolve/" + url.PathEscape(h.revision) + "/" + strings.Join(segs, "/")
}

// get sends a GET for path and returns the response plus the headers that describe the file:
// for LFS files the hub answers with a redirect to a CDN and the checksum headers
// (X-Linked-Etag, X-Linked-Size) live on that redirect, not on the final response. A renamed
// repo adds a plain redirect first, so the last redirect carrying those headers wins.
func (h *hub) get(ctx context.Context, path string, offset int64) (*http.Response, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url(path), nil)
	if err != nil {
		return nil, nil, err
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	var linked http.Header
	c := *h.client
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		if hr := r.Response; hr != nil && (hr.Header.Get("X-Linked-Etag") != "" || hr.Header.Get("X-Linked-Size") != "") {
			linked = hr.Header
		}
		return nil
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil && unreachable(err) {
			return nil, nil, fmt.Errorf("%w at %s (offline? set HF_ENDPOINT to a reachable mirror, or use `instructd model import` on a local export): %w",
				ErrUnreachable, h.endpoint, err)
		}
		return nil, nil, err
	}
	if linked == nil {
		linked = resp.Header
	}
	return resp, linked, nil
}

// statusError turns a non-success response into a clear error; 404 wraps errNotFound.
func (h *hub) statusError(path string, resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s has no %s at revision %s (%s)", errNotFound, h.repo, path, h.revision, h.url(path))
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("models: %s: access denied (%s); gated or private repos need HF_TOKEN", h.url(path), resp.Status)
	default:
		return fmt.Errorf("models: %s: unexpected status %s", h.url(path), resp.Status)
	}
}

// readSmall returns a small file (a config) in memory, or errNotFound.
func (h *hub) readSmall(ctx context.Context, path string) ([]byte, error) {
	resp, _, err := h.get(ctx, path, 0)
	if errors.Is(err, ErrUnreachable) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("models: fetch %s: %w", h.url(path), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, h.statusError(path, resp)
	}
	const limit = 16 << 20
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("models: fetch %s: %w", h.url(path), err)
	}
	if len(raw) > limit {
		return nil, fmt.Errorf("models: fetch %s: larger than %d bytes", h.url(path), limit)
	}
	return raw, nil
}

// download fetches path into dst, resuming from dst+".part" when an earlier attempt was cut
// short, and returns the hex SHA-256 of the complete file. The hash covers resumed bytes too;
// when the hub states a SHA-256 (LFS files) a mismatch deletes the partial file and fails.
func (h *hub) download(ctx context.Context, path, dst, name string) (string, error) {
	if exists(dst) { // completed and verified by an earlier, interrupted pull
		return FileSHA256(dst)
	}
	part := dst + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	defer f.Close()
	hasher := sha256.New()
	offset, err := io.Copy(hasher, f) // re-hash what an earlier attempt wrote
	if err != nil {
		return "", fmt.Errorf("models: read %s: %w", part, err)
	}
	for attempt := 0; ; attempt++ {
		sum, retry, err := h.fetchInto(ctx, path, f, hasher, offset, name)
		if retry && err == nil {
			if attempt > 0 {
				return "", fmt.Errorf("models: download %s: the server refused to restart from zero", h.url(path))
			}
			offset = 0
			continue
		}
		if err != nil {
			if !errors.Is(err, errResumable) {
				f.Close()
				os.Remove(part) // not worth resuming: missing, refused or corrupt
			}
			return "", err
		}
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("models: sync %s: %w", part, err)
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("models: close %s: %w", part, err)
		}
		if err := os.Rename(part, dst); err != nil {
			return "", fmt.Errorf("models: %w", err)
		}
		return sum, nil
	}
}

// fetchInto streams path into f starting at offset. It reports retry when the partial file had
// to be discarded (the server refused the range) so that the caller starts again from zero.
func (h *hub) fetchInto(ctx context.Context, path string, f *os.File, hasher hash.Hash, offset int64, name string) (string, bool, error) {
	resp, first, err := h.get(ctx, path, offset)
	if errors.Is(err, ErrUnreachable) {
		if offset == 0 {
			return "", false, err // nothing arrived: nothing to resume, the staging goes
		}
		return "", false, fmt.Errorf("%w; %w", err, errResumable) // keep partial files for later
	}
	if err != nil {
		return "", false, fmt.Errorf("models: %w: %w", errResumable, err)
	}
	defer resp.Body.Close()
	total := int64(-1)
	if n, err := strconv.ParseInt(first.Get("X-Linked-Size"), 10, 64); err == nil {
		total = n
	}
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", offset)) {
			return "", true, h.restart(f, hasher, path, "unexpected Content-Range "+resp.Header.Get("Content-Range"))
		}
		if total < 0 {
			if _, size, ok := strings.Cut(resp.Header.Get("Content-Range"), "/"); ok {
				if n, err := strconv.ParseInt(size, 10, 64); err == nil {
					total = n
				}
			}
		}
	case resp.StatusCode == http.StatusOK:
		if offset > 0 { // the server ignored Range: start over
			h.log.Info("models: server ignored the range request; restarting download", "file", path)
			if err := h.restart(f, hasher, path, ""); err != nil {
				return "", false, err
			}
			offset = 0
		}
		if total < 0 && resp.ContentLength >= 0 {
			total = resp.ContentLength
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0:
		if resp.Header.Get("Content-Range") == fmt.Sprintf("bytes */%d", offset) {
			// The partial file is already whole (an earlier pull died before renaming it).
			sum := hex.EncodeToString(hasher.Sum(nil))
			if want := etagSHA256(first); want == "" || strings.EqualFold(want, sum) {
				return sum, false, nil
			}
		}
		return "", true, h.restart(f, hasher, path, "range not satisfiable")
	default:
		return "", false, h.statusError(path, resp)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", false, fmt.Errorf("models: %w", err)
	}
	done := offset
	report := func() {
		if h.progress != nil {
			h.progress(Progress{File: name, Done: done, Total: total})
		}
	}
	report()
	buf := make([]byte, 1<<20)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return "", false, fmt.Errorf("models: write %s: %w", name, err)
			}
			hasher.Write(buf[:n])
			done += int64(n)
			report()
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			f.Sync() // keep what arrived for the next attempt
			return "", false, fmt.Errorf("models: %s: %w (%d bytes kept): %w", h.url(path), errResumable, done, rerr)
		}
	}
	if total >= 0 && done != total {
		if done > total {
			h.restart(f, hasher, path, "")
			return "", false, fmt.Errorf("models: download %s: got %d bytes, expected %d", h.url(path), done, total)
		}
		return "", false, fmt.Errorf("models: %s: %w: got %d of %d bytes", h.url(path), errResumable, done, total)
	}
	sum := hex.EncodeToString(hasher.Sum(nil))
	if want := etagSHA256(first); want != "" && !strings.EqualFold(want, sum) {
		h.restart(f, hasher, path, "")
		return "", false, fmt.Errorf("models: checksum mismatch for %s: downloaded sha256 %s, hub says %s", path, sum, want)
	}
	return sum, false, nil
}

// restart discards a partial download.
func (h *hub) restart(f *os.File, hasher hash.Hash, path, why string) error {
	if why != "" {
		h.log.Info("models: discarding partial download", "file", path, "reason", why)
	}
	hasher.Reset()
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("models: truncate partial %s: %w", path, err)
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// etagSHA256 returns the SHA-256 the hub states for an LFS file (X-Linked-Etag, else ETag),
// or "" when the tag is not a SHA-256 (plain git files carry a git blob id instead).
func etagSHA256(hdr http.Header) string {
	for _, k := range []string{"X-Linked-Etag", "ETag"} {
		v := strings.TrimPrefix(strings.TrimSpace(hdr.Get(k)), "W/")
		v = strings.Trim(v, `"`)
		if isSHA256(v) {
			return strings.ToLower(v)
		}
	}
	return ""
}

// unreachable reports whether err means no connection could be made (as opposed to one that
// broke mid-transfer).
func unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

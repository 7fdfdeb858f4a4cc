package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	if _, err := New("http://127.0.0.1:8080/"); err != nil {
		t.Fatal(err)
	}
}

// canned answers every request with status and body, recording the last request.
func canned(t *testing.T, status int, body string, hdr ...string) (*Client, *http.Request) {
	t.Helper()
	var last http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		last = *r
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithAPIKey("secret"))
	if err != nil {
		t.Fatal(err)
	}
	return c, &last
}

func TestErrors(t *testing.T) {
	c, last := canned(t, 429, `{"error":{"code":"overloaded","message":"queue full","field":"input"}}`, "Retry-After", "2")
	_, err := c.GetDocument(context.Background(), "c", "a/b ☃")
	var e *Error
	if !errors.As(err, &e) || e.Status != 429 || e.Code != "overloaded" || e.Field != "input" || e.RetryAfter != 2*time.Second {
		t.Fatalf("error %#v", err)
	}
	if got := last.URL.EscapedPath(); got != "/v1/collections/c/documents/a%2Fb%20%E2%98%83" {
		t.Errorf("path %q", got)
	}
	if last.Header.Get("Authorization") != "Bearer secret" {
		t.Errorf("no API key sent")
	}
	c, _ = canned(t, 502, "bad gateway")
	if err := c.Ping(context.Background()); !strings.Contains(err.Error(), "502") {
		t.Fatalf("non-JSON error: %v", err)
	}
}

func TestIngestStreamCut(t *testing.T) {
	c, last := canned(t, 200, "{\"committed\":2,\"through_line\":2,\"failed_count\":0}\n")
	var got []Progress
	_, err := c.IngestNDJSON(context.Background(), "c", strings.NewReader("{}\n{}\n"), func(p Progress) { got = append(got, p) })
	if !errors.Is(err, ErrStreamCut) || len(got) != 1 || got[0].ThroughLine != 2 {
		t.Fatalf("want ErrStreamCut after one progress line, got %v, %+v", err, got)
	}
	if last.Header.Get("Content-Type") != "application/x-ndjson" || last.Header.Get("Accept") != "application/x-ndjson" {
		t.Errorf("headers %v", last.Header)
	}
	c, _ = canned(t, 200, "{\"done\":false,\"upserted\":5,\"failed\":[],\"error\":{\"code\":\"unavailable\",\"message\":\"shutting down\"}}\n")
	res, err := c.IngestNDJSON(context.Background(), "c", strings.NewReader("{}\n"), nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != "unavailable" || res.Upserted != 5 {
		t.Fatalf("aborted stream: %+v %v", res, err)
	}
}

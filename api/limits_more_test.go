package api

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSearchResponseSizeCapped refuses searches whose response would exceed
// MaxResponseBytes before running them, naming what to change.
func TestSearchResponseSizeCapped(t *testing.T) {
	e := newTestEnv(t, Options{MaxResponseBytes: 8 << 10})
	e.seed()
	dim := e.fake.Models()[0].Dimension
	if dim == 0 {
		t.Fatal("fake model without a dimension")
	}
	r := e.do("POST", "/v1/collections/c/search", `{"query":"x","k":100,"include":["vector"]}`)
	e.expect(r, http.StatusBadRequest, "k=100 with vectors")
	if !strings.Contains(r.body, `"include"`) || !strings.Contains(r.body, "vector") {
		t.Errorf("error does not name include/vector: %s", r.body)
	}
	r = e.do("POST", "/v1/collections/c/search", `{"queries":[`+strings.Repeat(`{"query":"x","k":50},`, 3)+`{"query":"y","k":50}]}`)
	e.expect(r, http.StatusBadRequest, "batch of 4 × k=50")
	if !strings.Contains(r.body, `"k"`) {
		t.Errorf("error does not name k: %s", r.body)
	}
	e.expect(e.do("POST", "/v1/collections/c/search", `{"query":"x","k":10}`), http.StatusOK, "small search")
}

// TestJSONUpsertHasDeadline: a JSON upsert that does not finish in UpsertTimeout
// answers 504 instead of running on.
func TestJSONUpsertHasDeadline(t *testing.T) {
	e := newTestEnv(t, Options{UpsertTimeout: 50 * time.Millisecond})
	e.seed()
	e.fake.upsertWaits.Store(true)
	r := e.do("POST", "/v1/collections/c/documents", `{"documents":[{"id":"x","text":"y"}]}`)
	e.expect(r, http.StatusGatewayTimeout, "stuck JSON upsert")
}

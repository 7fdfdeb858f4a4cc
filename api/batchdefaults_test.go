package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestBatchSearchTopLevelDefaults runs against the real server: a top-level filter next
// to "queries" restricts every query (ANDed with a query's own filter), and top-level
// include and k apply to every query that does not set its own. Nothing is dropped.
func TestBatchSearchTopLevelDefaults(t *testing.T) {
	forEachBackend(t, testBatchSearchTopLevelDefaults)
}

func testBatchSearchTopLevelDefaults(t *testing.T, b backendKind) {
	e, _ := newRealEnv(t, b, Options{})
	e.expect(e.do("PUT", "/v1/collections/c", `{"dimension":2}`), http.StatusCreated, "create")
	e.expect(e.do("POST", "/v1/collections/c/documents", `{"documents":[
		{"id":"a1","vector":[1,0],"metadata":{"tenant":"a","n":1}},
		{"id":"a2","vector":[0.9,0.1],"metadata":{"tenant":"a","n":2}},
		{"id":"b1","vector":[1,0.01],"metadata":{"tenant":"b","n":1}},
		{"id":"b2","vector":[0.95,0.05],"metadata":{"tenant":"b","n":2}}]}`), http.StatusOK, "upsert")
	r := e.do("POST", "/v1/collections/c/search", `{
		"filter":{"tenant":"a"}, "include":["metadata"], "k":3,
		"queries":[{"vector":[1,0]}, {"vector":[1,0],"filter":{"n":2}}, {"vector":[1,0],"k":1,"include":[]}]}`)
	e.expect(r, http.StatusOK, "batch with top-level defaults")
	var got struct {
		Results []struct {
			Hits []struct {
				ID       string         `json:"id"`
				Metadata map[string]any `json:"metadata"`
			} `json:"hits"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 3 {
		t.Fatalf("%d results: %s", len(got.Results), r.body)
	}
	ids := func(i int) []string {
		var out []string
		for _, h := range got.Results[i].Hits {
			out = append(out, h.ID)
		}
		return out
	}
	for i, res := range got.Results {
		for _, h := range res.Hits {
			if h.ID[0] != 'a' {
				t.Errorf("query %d: hit %s of another tenant: the top-level filter was dropped", i, h.ID)
			}
		}
	}
	if g := ids(0); len(g) != 2 {
		t.Errorf("query 0 hits %v, want a1 and a2 (k=3 from the top level, 2 in tenant a)", g)
	}
	if len(got.Results[0].Hits) > 0 && got.Results[0].Hits[0].Metadata["tenant"] != "a" {
		t.Errorf("query 0: top-level include not applied: %+v", got.Results[0].Hits[0])
	}
	if g := ids(1); len(g) != 1 || g[0] != "a2" {
		t.Errorf("query 1 hits %v, want [a2] (own filter ANDed with the top-level one)", g)
	}
	if g := ids(2); len(g) != 1 || g[0] != "a1" {
		t.Errorf("query 2 hits %v, want [a1] (its own k wins)", g)
	}
	// A bad top-level value is rejected, not ignored.
	e.expect(e.do("POST", "/v1/collections/c/search", `{"mode":"fuzzy","queries":[{"vector":[1,0]}]}`),
		http.StatusBadRequest, "bad top-level mode")
}

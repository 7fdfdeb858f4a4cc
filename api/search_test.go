package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/server"
)

func TestSearch(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	ctx := context.Background()
	res, err := e.cl.Search(ctx, "c", server.SearchRequest{Query: "alpha beta", K: 1, Include: []string{"text", "metadata"}})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != "a/b" || res.Hits[0].Text != "alpha beta" {
		t.Fatalf("search: %+v %v", res, err)
	}
	r := e.do("POST", "/v1/collections/c/search", `{"query":"city"}`)
	e.expect(r, http.StatusOK, "default k")
	if !strings.Contains(r.body, `"timings"`) || !strings.Contains(r.body, `"hits"`) {
		t.Fatalf("body %s", r.body)
	}
	batch, err := e.cl.SearchBatch(ctx, "c", []server.SearchRequest{{Query: "city", K: 1}, {Vector: fakeVector("alpha beta"), K: 1}})
	if err != nil || len(batch) != 2 || batch[0].Hits[0].ID != "zürich ☃" || batch[1].Hits[0].ID != "a/b" {
		t.Fatalf("batch: %+v %v", batch, err)
	}
}

func TestSearchBadInput(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	e.fake.limits.MaxBatchQueries = 2
	for _, tc := range []struct{ name, body, want string }{
		{"empty query", `{"query":""}`, "query"},
		{"whitespace query", `{"query":"  \t\n"}`, "whitespace"},
		{"no query", `{}`, "required"},
		{"query and vector", `{"query":"x","vector":[1]}`, "not both"},
		{"k zero", `{"query":"x","k":0}`, "k"},
		{"k negative", `{"query":"x","k":-1}`, "k"},
		{"k above max", `{"query":"x","k":1001}`, "k"},
		{"k not a number", `{"query":"x","k":"5"}`, "k"},
		{"filter not object", `{"query":"x","filter":[1]}`, "filter"},
		{"bad mode", `{"query":"x","mode":"fuzzy"}`, "mode"},
		{"bad include", `{"query":"x","include":["secrets"]}`, "include"},
		{"negative ef", `{"query":"x","ef":-3}`, "ef"},
		{"unknown field", `{"query":"x","kk":3}`, "unknown field"},
		{"other API's name", `{"query":"x","top_k":3}`, `unknown field \"top_k\"; did you mean \"k\"?`},
		{"misspelt field", `{"query":"x","instrucion":"y"}`, `did you mean \"instruction\"?`},
		{"int out of range", `{"query":"x","k":1e30}`, "out of range for an integer"},
		{"trailing garbage", `{"query":"x"} {"query":"y"}`, "after the JSON value"},
		{"malformed", `{"query":`, "malformed"},
		{"empty vector", `{"vector":[]}`, "vector"},
		{"wrong dimension", `{"vector":[1,2]}`, "dimension"},
		{"huge number", `{"vector":[1e400,0,0,0,0,0,0,0]}`, "out of range for a number"},
		{"batch and single", `{"query":"x","queries":[{"query":"y"}]}`, "not both"},
		{"empty batch", `{"queries":[]}`, "empty"},
		{"batch too big", `{"queries":[{"query":"a"},{"query":"b"},{"query":"c"}]}`, "limit"},
		{"bad query in batch", `{"queries":[{"query":"a"},{"query":" "}]}`, "queries[1].query"},
	} {
		r := e.do("POST", "/v1/collections/c/search", tc.body)
		e.expect(r, http.StatusBadRequest, tc.name)
		if !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: body %s does not mention %q", tc.name, r.body, tc.want)
		}
		e.intact(2, tc.name)
	}
	e.expect(e.do("POST", "/v1/collections/nope/search", `{"query":"x"}`), http.StatusNotFound, "unknown collection")
}

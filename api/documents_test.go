package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/instructd/instructd/server"
)

func TestDocumentIDsWithSlashAndUnicode(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	ctx := context.Background()
	for _, id := range []string{"a/b", "zürich ☃"} {
		d, err := e.cl.GetDocument(ctx, "c", id)
		if err != nil || d.ID != id {
			t.Fatalf("GET %q: %+v, %v", id, d, err)
		}
	}
	// A raw slash works as well as %2F.
	e.expect(e.do("GET", "/v1/collections/c/documents/a/b", ""), http.StatusOK, "raw slash")
	e.expect(e.do("GET", "/v1/collections/c/documents/a%2Fb", ""), http.StatusOK, "escaped slash")
	e.expect(e.do("GET", "/v1/collections/c/documents/"+url.PathEscape("zürich ☃"), ""), http.StatusOK, "unicode")
	e.expect(e.do("GET", "/v1/collections/c/documents/", ""), http.StatusBadRequest, "empty id")
	e.expect(e.do("GET", "/v1/collections/c/documents/nope", ""), http.StatusNotFound, "unknown id")
	if err := e.cl.DeleteDocument(ctx, "c", "a/b"); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("GET", "/v1/collections/c/documents/a%2Fb", ""), http.StatusNotFound, "deleted")
	e.expect(e.do("DELETE", "/v1/collections/c/documents/a%2Fb", ""), http.StatusNotFound, "deleted twice")
}

func TestUpsertJSON(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	long := strings.Repeat("word ", 60)
	r := e.do("POST", "/v1/collections/c/documents", `{"documents":[{"_id":"beir","title":"T","text":"`+long+`"},{"id":"v","vector":[1,0,0,0,0,0,0,0]}]}`)
	e.expect(r, http.StatusOK, "upsert")
	if !strings.Contains(r.body, `"upserted":2`) || !strings.Contains(r.body, `"truncated":["beir"]`) {
		t.Fatalf("upsert body: %s", r.body)
	}
	e.intact(4, "after upsert")
	// All or nothing: one bad document stores none.
	r = e.do("POST", "/v1/collections/c/documents", `{"documents":[{"id":"ok","text":"x"},{"id":"bad","vector":[1,2]}]}`)
	e.expect(r, http.StatusBadRequest, "wrong dimension")
	if !strings.Contains(r.body, "documents[1].vector") {
		t.Fatalf("error does not name the document: %s", r.body)
	}
	e.intact(4, "after a bad upsert")
	e.fake.limits.MaxDocsPerRequest = 1
	e.expect(e.do("POST", "/v1/collections/c/documents", `{"documents":[{"id":"1","text":"x"},{"id":"2","text":"y"}]}`),
		http.StatusBadRequest, "too many documents")
	res, err := e.cl.Upsert(context.Background(), "c", []server.Document{{ID: "x", Text: "y"}})
	if err != nil || res.Upserted != 1 {
		t.Fatalf("client upsert: %+v %v", res, err)
	}
}

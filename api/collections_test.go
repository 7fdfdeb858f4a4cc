package api

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

func TestCollectionsLifecycle(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.expect(e.do("PUT", "/v1/collections/one", ""), http.StatusCreated, "PUT empty body")
	e.expect(e.do("PUT", "/v1/collections/one", "{}"), http.StatusOK, "PUT identical {}")
	e.expect(e.do("PUT", "/v1/collections/one", `{"dimension":3}`), http.StatusConflict, "PUT different spec")
	e.expect(e.do("PUT", "/v1/collections/two", `{"dimension":3}`), http.StatusCreated, "PUT vector-only")
	e.expect(e.do("GET", "/v1/collections/one", ""), http.StatusOK, "GET")
	e.expect(e.do("GET", "/v1/collections/nope", ""), http.StatusNotFound, "GET unknown")

	ctx := context.Background()
	list, err := e.cl.ListCollections(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "one" || list[1].Name != "two" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	_, created, err := e.cl.CreateCollection(ctx, "one", server.CollectionSpec{})
	if err != nil || created {
		t.Fatalf("client create again: created=%v err=%v", created, err)
	}
	e.expect(e.do("DELETE", "/v1/collections/one", ""), http.StatusNoContent, "DELETE")
	err = e.cl.DeleteCollection(ctx, "one")
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusNotFound || ce.Code != "not_found" || !client.IsNotFound(err) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestCollectionNames(t *testing.T) {
	e := newTestEnv(t, Options{})
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/collections/..%2Fx", http.StatusBadRequest},
		{"/v1/collections/%2E%2E%2Fx", http.StatusBadRequest},
		{"/v1/collections/.hidden", http.StatusBadRequest},
		{"/v1/collections/a%20b", http.StatusBadRequest},
		{"/v1/collections/../x", http.StatusNotFound}, // no such route
	} {
		r := e.do("PUT", tc.path, "")
		e.expect(r, tc.status, "PUT "+tc.path)
	}
	if list, _ := e.cl.ListCollections(context.Background()); len(list) != 0 {
		t.Fatalf("bad names created collections: %+v", list)
	}
}

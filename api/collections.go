package api

import (
	"net/http"

	"github.com/instructd/instructd/server"
)

// collectionList is GET /v1/collections.
type collectionList struct {
	Collections []server.CollectionInfo `json:"collections"`
}

// listCollections answers GET /v1/collections.
func (h *handlers) listCollections(w http.ResponseWriter, r *http.Request) {
	infos, err := h.svc.ListCollections(r.Context())
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if infos == nil {
		infos = []server.CollectionInfo{}
	}
	writeJSON(w, http.StatusOK, collectionList{Collections: infos})
}

// putCollection answers PUT /v1/collections/{name}: 201 created, 200 when an identical
// collection exists, 409 when one exists with another spec. An empty body means {}.
func (h *handlers) putCollection(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	var spec server.CollectionSpec
	if err := decodeBody(r, &spec, true); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	info, created, err := h.svc.CreateCollection(r.Context(), name, spec)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, info)
}

// getCollection answers GET /v1/collections/{name}.
func (h *handlers) getCollection(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	info, err := h.svc.GetCollection(r.Context(), name)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// deleteCollection answers DELETE /v1/collections/{name} with 204.
func (h *handlers) deleteCollection(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if err := h.svc.DeleteCollection(r.Context(), name); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

package api

import (
	"errors"
	"net/http"

	"github.com/instructd/instructd/server"
)

// rerank answers POST /v1/rerank: the request shapes of Cohere, Jina and
// text-embeddings-inference (documents as strings or {"text"} objects, or texts), plus
// instruction; results best first.
func (h *handlers) rerank(w http.ResponseWriter, r *http.Request) {
	var req server.RerankRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	res, err := h.svc.Rerank(r.Context(), req)
	if err != nil {
		if errors.Is(err, server.ErrNotFound) {
			err = &httpError{status: http.StatusNotFound, code: codeModelNotFound, message: err.Error(), field: "model"}
		}
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

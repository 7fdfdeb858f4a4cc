package api

import (
	"net/http"

	"github.com/instructd/instructd/server/eval"
	"github.com/instructd/instructd/wire"
)

// evaluate answers POST /v1/collections/{name}/evaluate: queries and qrels in, nDCG@10,
// Recall@100, MRR@10 and MAP@100 per mode and per query out. The searches go through the
// same Service.Search as POST .../search.
func (h *handlers) evaluate(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	var req wire.EvaluateRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	res, err := eval.Evaluate(r.Context(), h.svc, name, req)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

package api

import (
	"net/http"

	"github.com/instructd/instructd/server"
)

// modelList is GET /v1/models in OpenAI's list shape.
type modelList struct {
	Object string             `json:"object"`
	Data   []server.ModelInfo `json:"data"`
}

// listModels answers GET /v1/models.
func (h *handlers) listModels(w http.ResponseWriter, r *http.Request) {
	models := h.svc.Models()
	if models == nil {
		models = []server.ModelInfo{}
	}
	for i := range models {
		if models[i].Object == "" {
			models[i].Object = "model"
		}
	}
	writeJSON(w, http.StatusOK, modelList{Object: "list", Data: models})
}

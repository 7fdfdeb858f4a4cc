package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/instructd/instructd/server"
)

// tokenizeRequest is POST /v1/tokenize: TEI's /tokenize fields plus model, input_type and
// instruction, so that a query is shown with the template it is embedded with.
type tokenizeRequest struct {
	Inputs           json.RawMessage `json:"inputs"`
	AddSpecialTokens *bool           `json:"add_special_tokens"`
	Model            string          `json:"model"`
	InputType        string          `json:"input_type"`
	Instruction      *string         `json:"instruction"`
}

// tokenizeItem is one input as the model sees it.
type tokenizeItem struct {
	Index int `json:"index"`
	// Text is the rendered input (template and instruction applied); offsets index it.
	Text              string   `json:"text"`
	IDs               []int64  `json:"ids"`
	Tokens            []string `json:"tokens"`
	Offsets           [][2]int `json:"offsets"`
	SpecialTokensMask []int    `json:"special_tokens_mask"`
	Count             int      `json:"count"`
	Truncated         bool     `json:"truncated"`
}

// tokenizeResponse answers POST /v1/tokenize.
type tokenizeResponse struct {
	Model string         `json:"model"`
	Data  []tokenizeItem `json:"data"`
}

// tokenize answers POST /v1/tokenize.
func (h *handlers) tokenize(w http.ResponseWriter, r *http.Request) {
	var req tokenizeRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	inputs, err := decodeTexts(req.Inputs)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	special := req.AddSpecialTokens == nil || *req.AddSpecialTokens
	res, err := h.svc.Tokenize(r.Context(), server.TokenizeRequest{Model: req.Model, Inputs: inputs, AddSpecialTokens: special,
		InputType: req.InputType, Instruction: req.Instruction})
	if err != nil {
		if errors.Is(err, server.ErrNotFound) {
			err = &httpError{status: http.StatusNotFound, code: codeModelNotFound, message: err.Error(), field: "model"}
		}
		writeError(w, r, h.log, err)
		return
	}
	out := tokenizeResponse{Model: res.Model, Data: make([]tokenizeItem, len(res.Results))}
	for i, t := range res.Results {
		mask := make([]int, len(t.Special))
		for j, s := range t.Special {
			if s {
				mask[j] = 1
			}
		}
		out.Data[i] = tokenizeItem{Index: i, Text: t.Text, IDs: t.IDs, Tokens: t.Tokens, Offsets: t.Offsets,
			SpecialTokensMask: mask, Count: len(t.IDs), Truncated: t.Truncated}
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeTexts reads TEI's "inputs": one string or an array of strings. Limits and empty
// strings are the server's to judge.
func decodeTexts(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("inputs", "required: a string or an array of strings")
	}
	var one string
	if raw[0] == '"' && json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if raw[0] == '[' && json.Unmarshal(raw, &many) == nil {
		return many, nil
	}
	return nil, badRequest("inputs", "must be a string or an array of strings")
}

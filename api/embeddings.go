package api

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"

	"github.com/instructd/instructd/server"
)

// embeddingsRequest is POST /v1/embeddings: OpenAI's fields plus input_type and instruction.
type embeddingsRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
	User           string          `json:"user"` // accepted for OpenAI compatibility, ignored
	InputType      string          `json:"input_type"`
	Instruction    *string         `json:"instruction"`
}

// embeddingItem is one vector; Embedding is []float32 or a base64 string.
type embeddingItem struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

// embeddingsUsage counts tokens like OpenAI does.
type embeddingsUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// embeddingsResponse is the OpenAI-compatible answer.
type embeddingsResponse struct {
	Object string          `json:"object"`
	Data   []embeddingItem `json:"data"`
	Model  string          `json:"model"`
	Usage  embeddingsUsage `json:"usage"`
}

// embeddings answers POST /v1/embeddings.
func (h *handlers) embeddings(w http.ResponseWriter, r *http.Request) {
	var req embeddingsRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	inputs, err := parseInputs(req.Input, h.svc.Limits().MaxInputs)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		writeError(w, r, h.log, badRequest("encoding_format", "must be float or base64, got %q", req.EncodingFormat))
		return
	}
	switch req.InputType {
	case "", "query", "document":
	default:
		writeError(w, r, h.log, badRequest("input_type", "must be query or document, got %q", req.InputType))
		return
	}
	if req.Dimensions < 0 {
		writeError(w, r, h.log, badRequest("dimensions", "must be positive, got %d", req.Dimensions))
		return
	}
	res, err := h.svc.Embed(r.Context(), server.EmbedRequest{Model: req.Model, Inputs: inputs,
		InputType: req.InputType, Instruction: req.Instruction, Dimensions: req.Dimensions})
	if err != nil {
		if errors.Is(err, server.ErrNotFound) {
			err = &httpError{status: http.StatusNotFound, code: codeModelNotFound, message: err.Error(), field: "model"}
		}
		writeError(w, r, h.log, err)
		return
	}
	out := embeddingsResponse{Object: "list", Model: res.Model, Data: make([]embeddingItem, len(res.Vectors)),
		Usage: embeddingsUsage{PromptTokens: res.Tokens, TotalTokens: res.Tokens}}
	for i, v := range res.Vectors {
		var e any = v
		if req.EncodingFormat == "base64" {
			e = base64Floats(v)
		}
		out.Data[i] = embeddingItem{Object: "embedding", Index: i, Embedding: e}
	}
	writeJSON(w, http.StatusOK, out)
}

// parseInputs accepts a string or an array of strings; token-id arrays are refused.
func parseInputs(raw json.RawMessage, max int) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, badRequest("input", "required: a string or an array of strings")
	}
	var inputs []string
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badRequest("input", "%v", err)
		}
		inputs = []string{s}
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, badRequest("input", "%v", err)
		}
		if len(items) == 0 {
			return nil, badRequest("input", "empty array")
		}
		inputs = make([]string, len(items))
		for i, it := range items {
			if len(it) == 0 || it[0] != '"' {
				if len(it) > 0 && (it[0] == '[' || it[0] == '-' || (it[0] >= '0' && it[0] <= '9')) {
					return nil, badRequest("input", "token-id arrays are not supported: send text strings")
				}
				return nil, badRequest("input", "input[%d] must be a string", i)
			}
			if err := json.Unmarshal(it, &inputs[i]); err != nil {
				return nil, badRequest("input", "input[%d]: %v", i, err)
			}
		}
	default:
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			return nil, badRequest("input", "token-id arrays are not supported: send text strings")
		}
		return nil, badRequest("input", "must be a string or an array of strings")
	}
	if max > 0 && len(inputs) > max {
		return nil, badRequest("input", "%d inputs is more than the limit of %d", len(inputs), max)
	}
	for i, s := range inputs {
		if strings.TrimSpace(s) == "" {
			return nil, badRequest("input", "input[%d] is empty", i)
		}
	}
	return inputs, nil
}

// base64Floats encodes v as little-endian float32s in standard base64, as OpenAI does.
func base64Floats(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

package client

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
)

// EmbedRequest asks POST /v1/embeddings for vectors.
type EmbedRequest struct {
	// Model names a pack; "" is the server's default.
	Model string `json:"model,omitempty"`
	// Input holds the texts.
	Input []string `json:"input"`
	// InputType is "query" or "document" (the server's default: document).
	InputType string `json:"input_type,omitempty"`
	// Instruction overrides the pack's default instruction for queries.
	Instruction *string `json:"instruction,omitempty"`
	// Dimensions > 0 truncates and re-normalises the vectors.
	Dimensions int `json:"dimensions,omitempty"`
}

// EmbedResponse holds one vector per input, in order.
type EmbedResponse struct {
	Model        string
	Vectors      [][]float32
	PromptTokens int
}

// Embed calls POST /v1/embeddings (vectors travel as base64 float32s).
func (c *Client) Embed(ctx context.Context, req EmbedRequest) (EmbedResponse, error) {
	body := struct {
		EmbedRequest
		EncodingFormat string `json:"encoding_format"`
	}{req, "base64"}
	var out struct {
		Data []struct {
			Index     int    `json:"index"`
			Embedding string `json:"embedding"`
		} `json:"data"`
		Model string `json:"model"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/v1/embeddings", body, &out); err != nil {
		return EmbedResponse{}, err
	}
	res := EmbedResponse{Model: out.Model, PromptTokens: out.Usage.PromptTokens, Vectors: make([][]float32, len(req.Input))}
	for _, d := range out.Data {
		if d.Index < 0 || d.Index >= len(res.Vectors) {
			return EmbedResponse{}, fmt.Errorf("client: embeddings: index %d out of range", d.Index)
		}
		b, err := base64.StdEncoding.DecodeString(d.Embedding)
		if err != nil || len(b)%4 != 0 {
			return EmbedResponse{}, fmt.Errorf("client: embeddings: bad base64 vector %d", d.Index)
		}
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		res.Vectors[d.Index] = v
	}
	return res, nil
}

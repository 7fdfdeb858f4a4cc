package wire

import (
	"bytes"
	"encoding/json"
	"errors"
)

// RerankStage re-scores a search's top candidates with a reranker pack: the first
// Candidates hits (before k is applied) are scored against the query and returned in the
// reranker's order, their score the reranker's.
type RerankStage struct {
	// Model names a loaded reranker pack; empty means the first reranker loaded.
	Model string `json:"model,omitempty"`
	// Candidates is how many of the first-stage hits are re-scored (default 50, at least k).
	Candidates int `json:"candidates,omitempty"`
	// Instruction overrides the reranker's default instruction; nil keeps the search's
	// instruction when it has one, else the pack's default.
	Instruction *string `json:"instruction,omitempty"`
}

// RerankDocument is one document to rerank. In JSON it is a string or an object with
// a "text" field (Cohere's and Jina's shapes); it is always written as an object.
type RerankDocument struct {
	Text string `json:"text"`
}

// UnmarshalJSON accepts "text" or {"text": "..."}.
func (d *RerankDocument) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &d.Text)
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("a document must be a string or an object with a \"text\" field")
	}
	var obj struct {
		Text *string `json:"text"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return err
	}
	if obj.Text == nil {
		return errors.New("a document object needs a \"text\" field")
	}
	d.Text = *obj.Text
	return nil
}

// RerankRequest is POST /v1/rerank: the shapes Cohere, Jina and text-embeddings-inference
// clients send, plus instruction.
type RerankRequest struct {
	// Model names a loaded reranker pack; empty means the first reranker loaded.
	Model string `json:"model,omitempty"`
	// Query is what the documents are judged against.
	Query string `json:"query"`
	// Documents are the texts to score (strings or {"text"} objects).
	Documents []RerankDocument `json:"documents,omitempty"`
	// Texts is text-embeddings-inference's name for Documents (strings); send one of the two.
	Texts []string `json:"texts,omitempty"`
	// TopN keeps the best n results; 0 keeps all.
	TopN int `json:"top_n,omitempty"`
	// ReturnDocuments adds each document's text to its result.
	ReturnDocuments bool `json:"return_documents,omitempty"`
	// Instruction overrides the reranker's default instruction (LLM rerankers and packs
	// whose query template names {instruction}).
	Instruction *string `json:"instruction,omitempty"`
}

// RerankResult is one scored document.
type RerankResult struct {
	// Index is the document's position in the request.
	Index int `json:"index"`
	// RelevanceScore is the reranker's score; higher is more relevant.
	RelevanceScore float64 `json:"relevance_score"`
	// Document is set when the request asked for return_documents.
	Document *RerankDocument `json:"document,omitempty"`
}

// RerankUsage counts the tokens the reranker ran.
type RerankUsage struct {
	TotalTokens int `json:"total_tokens"`
}

// RerankResponse lists results best first.
type RerankResponse struct {
	Model   string         `json:"model"`
	Results []RerankResult `json:"results"`
	Usage   RerankUsage    `json:"usage"`
}

package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"unicode/utf8"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/wire"
)

// maxIDBytes is the longest document id the server accepts.
const maxIDBytes = 512

// docInput is one document as sent by clients, in the JSON body or as an NDJSON line.
// BEIR corpus lines ({"_id","title","text"}) are accepted as they are.
type docInput struct {
	ID       *string        `json:"id"`
	BEIRID   *string        `json:"_id"`
	Text     string         `json:"text"`
	Title    string         `json:"title"`
	Metadata map[string]any `json:"metadata"`
	Vector   []float32      `json:"vector"`
}

// document resolves id/_id and returns the server's document.
func (d *docInput) document() (server.Document, error) {
	var id string
	switch {
	case d.ID != nil && d.BEIRID != nil && *d.ID != *d.BEIRID:
		return server.Document{}, fmt.Errorf("id and _id disagree (%q, %q)", *d.ID, *d.BEIRID)
	case d.ID != nil:
		id = *d.ID
	case d.BEIRID != nil:
		id = *d.BEIRID
	}
	return server.Document{ID: id, Text: d.Text, Title: d.Title, Metadata: d.Metadata, Vector: d.Vector}, nil
}

// checkDocument repeats the server's per-document validation so that NDJSON lines fail
// alone, before batching, instead of failing a whole batch in the server.
func checkDocument(doc *server.Document, info *server.CollectionInfo, lim server.Limits) error {
	switch {
	case doc.ID == "":
		return fmt.Errorf("id: missing (send \"id\" or \"_id\")")
	case len(doc.ID) > maxIDBytes:
		return fmt.Errorf("id: %d bytes is longer than %d", len(doc.ID), maxIDBytes)
	case !utf8.ValidString(doc.ID):
		return fmt.Errorf("id: not valid UTF-8")
	case lim.MaxTextBytes > 0 && len(doc.Text) > lim.MaxTextBytes:
		return fmt.Errorf("text: %d bytes is longer than the limit of %d", len(doc.Text), lim.MaxTextBytes)
	case lim.MaxTextBytes > 0 && len(doc.Title) > lim.MaxTextBytes:
		return fmt.Errorf("title: %d bytes is longer than the limit of %d", len(doc.Title), lim.MaxTextBytes)
	case doc.Text == "" && doc.Title == "" && doc.Vector == nil:
		return fmt.Errorf("text: a document needs text, a title or a vector")
	case doc.Vector == nil && info.Model == "":
		return fmt.Errorf("vector: collection %q has no model, so every document needs a vector", info.Name)
	}
	if doc.Vector != nil {
		if info.Dimension > 0 && len(doc.Vector) != info.Dimension {
			return fmt.Errorf("vector: dimension %d, collection has %d", len(doc.Vector), info.Dimension)
		}
		var norm float64
		for i, f := range doc.Vector {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return fmt.Errorf("vector[%d]: not a finite number", i)
			}
			norm += float64(f) * float64(f)
		}
		if norm == 0 && (info.Spec.Metric == wire.Cosine || info.Spec.Metric == "") {
			return fmt.Errorf("vector: all zeros, which cosine similarity cannot compare")
		}
	}
	return nil
}

// upsertBody is the JSON form of POST /v1/collections/{name}/documents.
type upsertBody struct {
	Documents []docInput `json:"documents"`
}

// upsertDocuments answers POST /v1/collections/{name}/documents: an NDJSON stream
// goes to ingestNDJSON; a JSON body is upserted all-or-nothing.
func (h *handlers) upsertDocuments(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if isNDJSON(r) {
		h.ingestNDJSON(w, r, name)
		return
	}
	var body upsertBody
	if err := decodeBody(r, &body, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	lim := h.svc.Limits()
	if lim.MaxDocsPerRequest > 0 && len(body.Documents) > lim.MaxDocsPerRequest {
		writeError(w, r, h.log, badRequest("documents", "%d documents is more than the limit of %d per request; stream NDJSON instead",
			len(body.Documents), lim.MaxDocsPerRequest))
		return
	}
	docs := make([]server.Document, len(body.Documents))
	for i := range body.Documents {
		if docs[i], err = body.Documents[i].document(); err != nil {
			writeError(w, r, h.log, badRequest(fmt.Sprintf("documents[%d]", i), "%v", err))
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.UpsertTimeout)
	defer cancel()
	res, err := h.svc.Upsert(ctx, name, docs)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if res.Truncated == nil {
		res.Truncated = []string{}
	}
	writeJSON(w, http.StatusOK, upsertResponse{Upserted: res.Upserted, Truncated: res.Truncated})
}

// upsertResponse answers the JSON form.
type upsertResponse struct {
	Upserted  int      `json:"upserted"`
	Truncated []string `json:"truncated"`
}

// getDocument answers GET /v1/collections/{name}/documents/{id}.
func (h *handlers) getDocument(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	id, err := documentParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	doc, err := h.svc.GetDocument(r.Context(), name, id)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// deleteDocument answers DELETE /v1/collections/{name}/documents/{id} with 204.
func (h *handlers) deleteDocument(w http.ResponseWriter, r *http.Request) {
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	id, err := documentParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	if err := h.svc.DeleteDocument(r.Context(), name, id); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

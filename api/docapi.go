package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/wire"
)

// DocumentService is the part of *server.Server behind the document and collection
// maintenance routes (list, patch, bulk delete, stats, compact, backup, restore). A
// Service that does not implement it answers those routes with 501.
type DocumentService interface {
	ListDocuments(ctx context.Context, collection, cursor string, limit int, filter json.RawMessage) (wire.DocumentPage, error)
	PatchDocument(ctx context.Context, collection, id string, patch wire.DocumentPatch) (wire.Document, error)
	DeleteDocuments(ctx context.Context, collection string, req wire.DeleteDocumentsRequest) (int, error)
	PatchCollection(ctx context.Context, collection string, patch wire.CollectionPatch) (wire.CollectionInfo, error)
	Stats(ctx context.Context, collection string) (wire.CollectionStats, error)
	Compact(ctx context.Context, collection string) (bool, error)
	Backup(ctx context.Context, collection string, head func(wire.BackupHeader) error, rec func(wire.BackupRecord) error) error
	Restore(ctx context.Context, collection string, head wire.BackupHeader, next func() (wire.BackupRecord, error)) (int, error)
}

// maxRestoreLine bounds one line of a restore stream (a chunked document carries all
// its passages' vectors on one line).
const maxRestoreLine = 64 << 20

// docService returns the DocumentService or answers 501.
func (h *handlers) docService(w http.ResponseWriter, r *http.Request) (DocumentService, bool) {
	ds, ok := h.svc.(DocumentService)
	if !ok {
		writeError(w, r, h.log, &httpError{status: http.StatusNotImplemented, code: "not_implemented",
			message: r.Method + " " + r.URL.Path + " is not available on this server"})
	}
	return ds, ok
}

// docCollection is the opening of every document-maintenance handler: the service and the
// collection named in the path; when it reports false it has answered the error.
func (h *handlers) docCollection(w http.ResponseWriter, r *http.Request) (DocumentService, string, bool) {
	ds, ok := h.docService(w, r)
	if !ok {
		return nil, "", false
	}
	name, err := collectionParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return nil, "", false
	}
	return ds, name, true
}

// listDocuments answers GET /v1/collections/{name}/documents?limit=&cursor=&filter=.
func (h *handlers) listDocuments(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		var err error
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			writeError(w, r, h.log, badRequest("limit", "must be a positive integer, got %q", v))
			return
		}
	}
	var filter json.RawMessage
	if v := q.Get("filter"); v != "" {
		if !json.Valid([]byte(v)) {
			writeError(w, r, h.log, badRequest("filter", "not valid JSON (URL-encode a filter object)"))
			return
		}
		filter = json.RawMessage(v)
	}
	page, err := ds.ListDocuments(r.Context(), name, q.Get("cursor"), limit, filter)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// patchDocument answers PATCH /v1/collections/{name}/documents/{id}.
func (h *handlers) patchDocument(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	id, err := documentParam(r)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	var patch wire.DocumentPatch
	if err := decodeBody(r, &patch, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	doc, err := ds.PatchDocument(r.Context(), name, id, patch)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// deleteDocuments answers POST /v1/collections/{name}/delete ({"ids"} or {"filter"}).
func (h *handlers) deleteDocuments(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	var req wire.DeleteDocumentsRequest
	if err := decodeBody(r, &req, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	n, err := ds.DeleteDocuments(r.Context(), name, req)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.DeleteDocumentsResult{Deleted: n})
}

// patchCollection answers PATCH /v1/collections/{name}.
func (h *handlers) patchCollection(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	var patch wire.CollectionPatch
	if err := decodeBody(r, &patch, false); err != nil {
		writeError(w, r, h.log, err)
		return
	}
	info, err := ds.PatchCollection(r.Context(), name, patch)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// collectionStats answers GET /v1/collections/{name}/stats.
func (h *handlers) collectionStats(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	st, err := ds.Stats(r.Context(), name)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// compact answers POST /v1/collections/{name}/compact with 202: the rebuild runs in
// the background (GET .../stats shows "compacting").
func (h *handlers) compact(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	started, err := ds.Compact(r.Context(), name)
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.CompactResult{Started: started})
}

// backup answers GET /v1/collections/{name}/backup with an NDJSON stream: a
// wire.BackupHeader line, then one wire.BackupRecord line per document.
func (h *handlers) backup(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the client's pace rules
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	started := false
	err := ds.Backup(r.Context(), name, func(hd wire.BackupHeader) error {
		started = true
		w.Header().Set("Content-Type", ndjsonType)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".ndjson"))
		w.WriteHeader(http.StatusOK)
		return enc.Encode(hd)
	}, func(rec wire.BackupRecord) error { return enc.Encode(rec) })
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		if !started {
			writeError(w, r, h.log, err)
			return
		}
		// Mid-stream: the body ends early; a restore of it fails on the missing lines'
		// count check (the header says how many documents there are).
		h.log.WarnContext(r.Context(), "backup stream cut", "collection", name, "err", err)
	}
}

// restore answers POST /v1/collections/{name}/restore with a backup stream as body.
func (h *handlers) restore(w http.ResponseWriter, r *http.Request) {
	ds, name, ok := h.docCollection(w, r)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	lr := newLineReader(r.Body, maxRestoreLine)
	readLine := func(dst any) (bool, error) {
		for {
			line, num, tooLong, err := lr.next()
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			if tooLong {
				return false, badRequest(fmt.Sprintf("line %d", num), "longer than %d bytes", maxRestoreLine)
			}
			if len(line) == 0 {
				continue
			}
			if err := json.Unmarshal(line, dst); err != nil {
				return false, badRequest(fmt.Sprintf("line %d", num), "not a backup line: %v", err)
			}
			return true, nil
		}
	}
	var head wire.BackupHeader
	if ok, err := readLine(&head); err != nil || !ok {
		if err == nil {
			err = badRequest("body", "empty: send the NDJSON stream GET .../backup produced")
		}
		writeError(w, r, h.log, err)
		return
	}
	seen := 0
	n, err := ds.Restore(r.Context(), name, head, func() (wire.BackupRecord, error) {
		var rec wire.BackupRecord
		ok, err := readLine(&rec)
		if err != nil {
			return rec, err
		}
		if !ok {
			if seen != head.Documents {
				return rec, badRequest("body", "backup holds %d documents, its header says %d: the stream was cut", seen, head.Documents)
			}
			return rec, server.EndOfBackup()
		}
		seen++
		return rec, nil
	})
	if err != nil {
		writeError(w, r, h.log, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.RestoreResult{Restored: n})
}

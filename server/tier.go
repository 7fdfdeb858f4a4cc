package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/instructd/instructd/wire"
)

// tier is where a server's collections are stored and searched. Two implement it:
// localTier, the local engine (bbolt store, hnswlib and BM25 indexes, change log,
// snapshots, recovery), and remoteTier, a backend.Backend such as Weaviate
// (remote.go). Server's exported collection and document methods are this interface;
// what both tiers share above storage — spec validation, instructions and embedding,
// the search stages (through searchSource), limits — is written once and called by
// both.
type tier interface {
	createCollection(ctx context.Context, name string, spec CollectionSpec) (CollectionInfo, bool, error)
	getCollection(ctx context.Context, name string) (CollectionInfo, error)
	listCollections(ctx context.Context) ([]CollectionInfo, error)
	deleteCollection(ctx context.Context, name string) error
	upsert(ctx context.Context, collection string, docs []Document) (UpsertResult, error)
	getDocument(ctx context.Context, collection, id string) (Document, error)
	deleteDocument(ctx context.Context, collection, id string) error
	listDocuments(ctx context.Context, collection, cursor string, limit int, filter json.RawMessage) (DocumentPage, error)
	patchDocument(ctx context.Context, collection, id string, patch DocumentPatch) (Document, error)
	deleteDocuments(ctx context.Context, collection string, req DeleteDocumentsRequest) (int, error)
	patchCollection(ctx context.Context, collection string, patch CollectionPatch) (CollectionInfo, error)
	stats(ctx context.Context, collection string) (CollectionStats, error)
	compact(ctx context.Context, collection string) (bool, error)
	backup(ctx context.Context, collection string, head func(wire.BackupHeader) error, rec func(wire.BackupRecord) error) error
	restore(ctx context.Context, collection string, head wire.BackupHeader, next func() (wire.BackupRecord, error)) (int, error)

	// searchCollection returns the collection a search runs on.
	searchCollection(ctx context.Context, name string) (*collection, error)
	// searchSource returns what one planned search reads its candidates and documents from.
	searchSource(c *collection, p *searchPlan, allowPartial bool) searchSource
	// searchErr maps an error of a search's reads (the remote tier forgets a
	// collection its backend no longer has).
	searchErr(c *collection, err error) error
	// efWarning says why a request's ef (> 0) is not applied; "" when it is.
	efWarning(ef int) string
}

// localTier is the local engine.
type localTier struct{ s *Server }

var (
	_ tier = localTier{}
	_ tier = (*remoteTier)(nil)
)

func (t localTier) searchCollection(_ context.Context, name string) (*collection, error) {
	return t.s.collection(name)
}

func (t localTier) searchSource(c *collection, _ *searchPlan, _ bool) searchSource {
	return localSource{s: t.s, c: c}
}

func (localTier) searchErr(_ *collection, err error) error { return err }

func (localTier) efWarning(int) string { return "" }

func (t *remoteTier) searchCollection(ctx context.Context, name string) (*collection, error) {
	return t.s.remoteCollection(ctx, name)
}

func (t *remoteTier) searchSource(c *collection, p *searchPlan, allowPartial bool) searchSource {
	return t.s.newRemoteSource(c, p, allowPartial)
}

func (t *remoteTier) searchErr(c *collection, err error) error { return t.s.remoteForget(c.name, err) }

// efWarning: Weaviate sets ef per collection, not per gRPC query.
func (t *remoteTier) efWarning(ef int) string {
	if ef <= 0 {
		return ""
	}
	return fmt.Sprintf("ef %d is not applied: the %s backend sets ef per collection (PATCH the collection's ef_search, or create it with index.target_recall)", ef, t.b.Name())
}

// CreateCollection creates a collection. The same spec again gives created=false and
// no error; a different spec for an existing name gives ErrConflict.
func (s *Server) CreateCollection(ctx context.Context, name string, spec CollectionSpec) (CollectionInfo, bool, error) {
	return s.tier.createCollection(ctx, name, spec)
}

// GetCollection describes one collection.
func (s *Server) GetCollection(ctx context.Context, name string) (CollectionInfo, error) {
	return s.tier.getCollection(ctx, name)
}

// ListCollections describes every collection, sorted by name.
func (s *Server) ListCollections(ctx context.Context) ([]CollectionInfo, error) {
	return s.tier.listCollections(ctx)
}

// DeleteCollection removes a collection, its documents and its snapshot files. It waits
// for that collection's in-flight write, never under the server-wide lock: other
// collections (and listing) go on meanwhile.
func (s *Server) DeleteCollection(ctx context.Context, name string) error {
	return s.tier.deleteCollection(ctx, name)
}

// Upsert validates every document first, embeds those without vectors (waiting on the
// queue), writes them durably in one transaction and only then updates the indexes.
// Validation is all or nothing (an *InputError names "documents[i].field"); duplicate
// ids inside one call: the last wins. An existing id is replaced under the same key.
func (s *Server) Upsert(ctx context.Context, collection string, docs []Document) (UpsertResult, error) {
	return s.tier.upsert(ctx, collection, docs)
}

// GetDocument returns a stored document with its vector (nil for chunked documents).
func (s *Server) GetDocument(ctx context.Context, collection, id string) (Document, error) {
	return s.tier.getDocument(ctx, collection, id)
}

// DeleteDocument removes a document (and all its passages) durably, then from the indexes.
func (s *Server) DeleteDocument(ctx context.Context, collection, id string) error {
	return s.tier.deleteDocument(ctx, collection, id)
}

// ListDocuments pages through a collection's documents in id order, without vectors.
// cursor is the previous page's NextCursor ("" for the first page); filter is a
// metadata filter as in search.
func (s *Server) ListDocuments(ctx context.Context, collection, cursor string, limit int, filter json.RawMessage) (DocumentPage, error) {
	return s.tier.listDocuments(ctx, collection, cursor, limit, filter)
}

// PatchDocument changes a document's title and/or metadata (JSON merge patch) without
// re-embedding it: the stored vectors are kept and written back with the new fields.
func (s *Server) PatchDocument(ctx context.Context, collection, id string, patch DocumentPatch) (Document, error) {
	return s.tier.patchDocument(ctx, collection, id, patch)
}

// DeleteDocuments removes documents by ids or by metadata filter in one durable
// transaction and returns how many were removed.
func (s *Server) DeleteDocuments(ctx context.Context, collection string, req DeleteDocumentsRequest) (int, error) {
	return s.tier.deleteDocuments(ctx, collection, req)
}

// PatchCollection changes settings that need no rebuild: the default ef_search.
func (s *Server) PatchCollection(ctx context.Context, collection string, patch CollectionPatch) (CollectionInfo, error) {
	return s.tier.patchCollection(ctx, collection, patch)
}

// Stats reports a collection's storage and index state.
func (s *Server) Stats(ctx context.Context, collection string) (CollectionStats, error) {
	return s.tier.stats(ctx, collection)
}

// Compact rebuilds the collection's vector index without tombstones, in the
// background; started is false when one is already running.
func (s *Server) Compact(ctx context.Context, collection string) (bool, error) {
	return s.tier.compact(ctx, collection)
}

// Backup streams a consistent copy of a collection: head first, then every document
// with its vectors, from one read transaction of the store (writers go on).
func (s *Server) Backup(ctx context.Context, collection string, head func(wire.BackupHeader) error, rec func(wire.BackupRecord) error) error {
	return s.tier.backup(ctx, collection, head, rec)
}

// Restore creates collection from a backup: the header's spec, then the records next
// yields (io.EOF ends them), written without re-embedding. The collection must not
// exist. A bad record fails the restore, naming it; what was written stays.
func (s *Server) Restore(ctx context.Context, collection string, head wire.BackupHeader, next func() (wire.BackupRecord, error)) (int, error) {
	return s.tier.restore(ctx, collection, head, next)
}

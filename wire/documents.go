package wire

import "encoding/json"

// DocumentPage is one page of GET /v1/collections/{name}/documents, in id order.
type DocumentPage struct {
	Documents []Document `json:"documents"`
	// NextCursor continues the listing (pass it as ?cursor=); empty at the end.
	NextCursor string `json:"next_cursor,omitempty"`
}

// DocumentPatch changes a stored document without re-embedding it
// (PATCH /v1/collections/{name}/documents/{id}). The vector stays as it is.
type DocumentPatch struct {
	// Title, when set, replaces the title (lexical search sees the new one).
	Title *string `json:"title,omitempty"`
	// Metadata is a JSON merge patch (RFC 7396) on the metadata: keys set to null are
	// removed, others set (objects merge recursively).
	Metadata map[string]any `json:"metadata,omitempty"`
}

// DeleteDocumentsRequest is POST /v1/collections/{name}/documents/delete: exactly one
// of IDs and Filter.
type DeleteDocumentsRequest struct {
	IDs    []string        `json:"ids,omitempty"`
	Filter json.RawMessage `json:"filter,omitempty"`
}

// DeleteDocumentsResult reports a bulk delete.
type DeleteDocumentsResult struct {
	Deleted int `json:"deleted"`
}

// CollectionPatch is PATCH /v1/collections/{name}.
type CollectionPatch struct {
	// EfSearch, when set, becomes the collection's default ef (per-query ef still wins).
	EfSearch *int `json:"ef_search,omitempty"`
}

// CollectionStats is GET /v1/collections/{name}/stats.
type CollectionStats struct {
	Name      string `json:"name"`
	Status    string `json:"status"`
	Documents int    `json:"documents"`
	// LiveVectors are searchable vectors; DeletedVectors are tombstones still in the
	// HNSW graph (compaction removes them).
	LiveVectors    int    `json:"live_vectors"`
	DeletedVectors int    `json:"deleted_vectors"`
	Engine         string `json:"engine"`
	EfSearch       int    `json:"ef_search"`
	// StoreBytes are the collection's pages in the store file; SnapshotBytes its snapshot files.
	StoreBytes    int64 `json:"store_bytes"`
	SnapshotBytes int64 `json:"snapshot_bytes"`
	// Generation is that of the last write; SnapshotGeneration that of the last snapshot.
	Generation         uint64 `json:"generation"`
	SnapshotGeneration uint64 `json:"snapshot_generation"`
	// SnapshotAgeSeconds is how old the snapshot files are; absent when there is none.
	SnapshotAgeSeconds *float64 `json:"snapshot_age_seconds,omitempty"`
	// LoggedWrites are the change-log entries a restart would replay.
	LoggedWrites int  `json:"logged_writes"`
	Compacting   bool `json:"compacting"`
	// CalibratedEf is the ef chosen for index.target_recall (absent until the HNSW graph
	// was calibrated), with the recall@10 it measured and the vectors it was measured on.
	CalibratedEf      int     `json:"calibrated_ef,omitempty"`
	CalibratedRecall  float64 `json:"calibrated_recall,omitempty"`
	CalibratedVectors int     `json:"calibrated_vectors,omitempty"`
}

// CompactResult answers POST /v1/collections/{name}/compact.
type CompactResult struct {
	// Started is false when a compaction of the collection was already running.
	Started bool `json:"started"`
}

// BackupHeader is the first line of a backup stream (GET /v1/collections/{name}/backup);
// every further line is a BackupRecord.
type BackupHeader struct {
	Format     string         `json:"format"` // "instructd-backup-1"
	Collection string         `json:"collection"`
	Spec       CollectionSpec `json:"spec"`
	Generation uint64         `json:"generation"`
	Documents  int            `json:"documents"`
}

// BackupRecord is one document of a backup, with its vector or its passages' vectors.
type BackupRecord struct {
	ID       string          `json:"id"`
	Title    string          `json:"title,omitempty"`
	Text     string          `json:"text,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Vector   []float32       `json:"vector,omitempty"`
	Passages []BackupPassage `json:"passages,omitempty"`
}

// BackupPassage is one window of a chunked document in a backup.
type BackupPassage struct {
	Start  int       `json:"start"`
	End    int       `json:"end"`
	Vector []float32 `json:"vector"`
}

// BackupFormat names the backup stream's format.
const BackupFormat = "instructd-backup-1"

// RestoreResult answers POST /v1/collections/{name}/restore.
type RestoreResult struct {
	Restored int `json:"restored"`
}

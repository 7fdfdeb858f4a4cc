// Package store is instructd's durable document store: one bbolt file holding every
// collection's spec, documents (text, title, metadata) and their vectors.
//
// Why bbolt: it is pure Go, a single file, a B+tree with copy-on-write pages that
// fsyncs on every commit (NoSync stays false), so an acknowledged transaction
// survives kill -9 and power loss. It is etcd's own store and a small dependency,
// where Pebble would bring a large tree for an LSM we don't need at 100k documents.
//
// # Layout
//
//	meta/                      bucket; its sequence is the store-wide write generation
//	collections/<name>/        one nested bucket per collection
//	    info                   key: the caller's collection spec (opaque bytes, JSON in server)
//	    gen                    key: generation of the last write tx (8 bytes big-endian)
//	    docs/<id>              record (see below); the bucket's sequence allocates uint64 keys
//	    keys/<key BE64>        string id, then uvarint(passage index + 1) (0 = the whole document)
//	    log/<gen BE64>         change log: uvarint n, n string ids written or deleted by that
//	                           write tx, uvarint m, m uvarint index keys it dropped
//	    logstart               key: the log holds every write after this generation (8 bytes BE)
//
// Every write transaction (Put, Delete) takes the next value of the store-wide
// generation and writes it to the collection's gen key. Generations never repeat,
// even across a collection's deletion and re-creation, so a snapshot tagged with a
// generation is fresh exactly when the tag equals the stored value.
//
// The change log lets a restart load an index snapshot taken at generation G and
// replay only the writes after G (ChangesSince), like a WAL tail over a checkpoint;
// TrimLog drops entries up to G once a snapshot at G is durable.
//
// One Put call is one transaction: the caller batches documents (group commit) and
// acknowledges only after Put returns, i.e. after bbolt's fsync.
//
// # Record encoding (version 1)
//
// All integers are unsigned varints unless noted; strings are uvarint length + bytes;
// vectors are uvarint dimension + dimension × float32 little-endian (raw, never JSON).
//
//	byte     version (1)
//	uvarint  key
//	string   id
//	string   title
//	string   text
//	string   metadata (JSON object, empty when absent)
//	vector   vector (dimension 0 when the document is chunked)
//	uvarint  passage count, then per passage: uvarint key, uvarint start,
//	         uvarint end (byte offsets into text), vector
//
// Decoding checks every length against the remaining bytes, so a damaged record
// yields ErrCorrupt, never a panic or a huge allocation.
package store

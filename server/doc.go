// Package server is instructd's composition root and core: configuration, lifecycle
// (open store → recover collections → load packs → ready; shutdown in reverse),
// the collection registry, document upsert/get/delete, dense/lexical/hybrid search
// with metadata filters and negative constraints, raw embeddings and metrics.
//
// api calls the methods of *Server; cmd/instructd calls Run. server declares the small
// interfaces it consumes (embedder, index.Index, textIndex) so its tests use fakes.
//
// Durability lives in server/store (bbolt). An Upsert is acknowledged only after its
// transaction committed (fsync); the in-memory indexes are then updated. On Open each
// collection's index snapshot (DATA/indexes/<name>.idx, with a .gen sidecar) is loaded
// when its generation equals the store's, else rebuilt from the stored vectors —
// never re-embedded. See docs/server.md.
package server

// Package index holds instructd's vector indexes behind one interface, Index:
// upsert (insert or replace by key), delete, search with k, ef and an optional filter,
// Len, Stats, Save and Close. It keeps hnswlib's types to itself so that another
// backend can sit behind the same interface.
//
// # Engines
//
//   - New: the index collections use. It searches exactly while small and switches,
//     transparently and once, to HNSW when it reaches Config.ExactThreshold live vectors
//     (the switch builds the graph from the exact store and then drops that store).
//   - NewExact: contiguous float32 storage and a full scan with SIMD dot products
//     (vek32: AVX2+FMA when the CPU has them), a fixed-size top-k heap, and the scan
//     split across Config.Workers goroutines for large stores. Perfect recall.
//   - NewHNSW: hnswlib 0.6.2 (Debian's header-only libhnswlib-dev) through a small cgo
//     shim (hnswlib_shim*.{h,cc}). The shim is compiled twice, for AVX2+FMA and for
//     baseline x86-64, with hnswlib wrapped in a different C++ namespace each time;
//     hnsw.go picks the build with golang.org/x/sys/cpu. Labels are the uint64 keys.
//     Search is the shim's own copy of searchKnn with ef as a parameter (hnswlib's
//     searchKnn reads the shared member ef_), one cgo call per query, results written
//     straight into the returned []Result. Deletes are hnswlib tombstones (the node keeps
//     routing, never comes back); an upsert of a deleted key revives and updates it in
//     place. Capacity doubles under the exclusive lock. C++ exceptions never cross into
//     Go: the shim catches them and returns an error string.
//
// # Replay overlay
//
// BeginOverlay puts a New/Load index that is on HNSW into overlay mode for a burst of
// writes that must not wait for the graph (instructd's start-up replay of the writes
// logged after the snapshot: an upsert of a replaced key is hnswlib's updatePoint,
// milliseconds each): writes go to a small exact side index and the graph's copies of
// the written keys are hidden; searches merge the graph's top k (minus hidden keys,
// over-fetching when some were hidden; allow-lists and predicates lose the hidden keys
// too) with the side index's exact top k. StartFold then copies the hidden keys into
// the graph in the background, catches up with the writes made meanwhile in rounds,
// and swaps the graph in under the exclusive lock, like the exact → HNSW build (same
// catch-up and finish code). WaitBuild waits for it; Save waits for it and then writes
// the graph; Close during it is safe.
//
// Vectors are normalised on insert under cosine, so cosine and dot both score with the
// inner product; l2 scores with the negated squared distance (higher is better).
//
// # Filtered search
//
// With an allow-list (Filter.Keys) the HNSW engine scans exactly — by key, with
// hnswlib's distance kernels on its own copy of the vectors, so no second store is
// kept — when the list holds at most Config.ExactThreshold keys or at most 10% of the
// live vectors; otherwise it walks the graph with a per-query bitset of allowed nodes
// built in C, and falls back to the exact scan if the walk returns fewer than k. With a
// predicate (Filter.Allow) it over-fetches from the graph (ef×2, growing ×4 up to 2048)
// and filters in Go, then falls back to evaluating the predicate on every live key and
// scanning the matches exactly. So whenever at least k live keys match, exactly k come
// back, and on the exact path they are the true top k among the matches.
//
// # Concurrency
//
// Every engine is safe for concurrent use. The HNSW engine holds a RWMutex shared for
// searches and upserts (hnswlib orders concurrent inserts with its own per-node locks)
// and exclusive for growing the capacity, deletes and Close; Save excludes writers but
// not searches. The auto index holds its own RWMutex exclusively only while it swaps
// engines. Upserts of large batches split the work across Config.Workers goroutines,
// each making one cgo call per chunk of 64 vectors; no goroutine outlives the call.
//
// # Snapshot format (version 1, little-endian)
//
// Save writes path+".tmp" in the same directory, fsyncs it, renames it over path and
// fsyncs the directory. Load removes a leftover path+".tmp", reads the whole file and
// verifies the framing and the checksum before it looks at the body; any damage gives
// an error wrapping ErrCorrupt. The HNSW body is also checked structurally (link
// counts, neighbour ids, levels, duplicate keys), so even a forged checksum cannot make
// the graph walk out of bounds.
//
//	offset  size  field
//	0       8     magic "INSTRIDX"
//	8       4     format version (1)
//	12      1     engine: 1 exact, 2 hnsw
//	13      1     flags: bit 0 = written by New's self-switching index
//	14      1     metric: 1 cosine, 2 dot, 3 l2
//	15      1     reserved (0)
//	16      4     dimension
//	20      4     M
//	24      4     ef_construction
//	28      4     ef_search
//	32      4     exact threshold
//	36      4     reserved (0)
//	40      8     live vector count
//	48      8     body length B
//	56      8     reserved (0)
//	64      B     body
//	64+B    4     CRC-32C (Castagnoli) of bytes [0, 64+B)
//	68+B    4     trailer "IEND"
//
// Exact body: count keys (u64), then count vectors (dimension × f32, normalised under
// cosine). HNSW body: u64 element count (tombstones included), u64 maxM, u64 maxM0,
// u64 M, i32 max level, u32 entry point, then every element's level-0 record exactly as
// hnswlib lays it out in memory (u16 link count, u8 flags with bit 0 = deleted, u8
// unused, maxM0 × u32 links, the vector, the u64 key), then per element a u32 byte
// length and its upper-level link lists. The package builds on amd64 only (the shim
// uses x86 intrinsics), so the in-memory layouts are little-endian.
package index

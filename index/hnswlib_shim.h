// hnswlib_shim.h is the C interface between Go (hnsw.go) and hnswlib 0.6.2.
// Every function catches C++ exceptions and reports them through err (IXH_ERR_LEN
// bytes, NUL-terminated); no exception ever crosses into Go.
#ifndef INSTRUCTD_HNSWLIB_SHIM_H
#define INSTRUCTD_HNSWLIB_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IXH_ERR_LEN 256

// Spaces.
#define IXH_SPACE_IP 0
#define IXH_SPACE_L2 1

// ixh_hit mirrors index.Result: a key and a "higher is better" score.
typedef struct {
    uint64_t key;
    float score;
} ixh_hit;

typedef struct ixh_index ixh_index;

// ixh_new creates an empty graph. avx2 selects the AVX2 build of hnswlib.
ixh_index *ixh_new(int space, int dim, size_t capacity, int m, int ef_construction, size_t seed, int avx2, char *err);
void ixh_free(ixh_index *h);
int ixh_resize(ixh_index *h, size_t capacity, char *err);
size_t ixh_capacity(ixh_index *h);
// ixh_count is the number of slots in use, tombstones included.
size_t ixh_count(ixh_index *h);
size_t ixh_bytes(ixh_index *h);
int ixh_upsert(ixh_index *h, const uint64_t *keys, const float *vecs, size_t n, size_t *revived, char *err);
int ixh_delete(ixh_index *h, const uint64_t *keys, size_t n, size_t *deleted, char *err);
// ixh_search: graph search with an explicit ef; allow (nallow keys) restricts results when non-NULL.
int ixh_search(ixh_index *h, const float *q, size_t k, size_t ef, int has_deletions,
               const uint64_t *allow, size_t nallow, ixh_hit *out, size_t *nout, char *err);
// ixh_exact: brute force over the listed keys (all live elements when keys is NULL).
int ixh_exact(ixh_index *h, const float *q, size_t k, const uint64_t *keys, size_t nkeys,
              ixh_hit *out, size_t *nout, char *err);
// ixh_live_keys writes up to cap live keys.
int ixh_live_keys(ixh_index *h, uint64_t *out, size_t cap, size_t *n, char *err);
// ixh_get copies the stored vector of a live key; returns 1 when found.
int ixh_get(ixh_index *h, uint64_t key, float *out);
size_t ixh_serialized_size(ixh_index *h);
int ixh_serialize(ixh_index *h, char *buf, size_t len, char *err);
ixh_index *ixh_deserialize(int space, int dim, int ef_construction, const char *buf, size_t len, int avx2, char *err);
// ixh_has_avx tells whether the selected build computes distances with AVX.
int ixh_uses_avx(ixh_index *h);

#ifdef __cplusplus
}
#endif

#endif

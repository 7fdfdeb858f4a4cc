// hnswlib_shim_internal.h declares the per-build function table behind hnswlib_shim.h.
#ifndef INSTRUCTD_HNSWLIB_SHIM_INTERNAL_H
#define INSTRUCTD_HNSWLIB_SHIM_INTERNAL_H

#include "hnswlib_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    void *(*create)(int space, int dim, size_t capacity, int m, int efc, size_t seed, char *err);
    void (*destroy)(void *p);
    int (*resize)(void *p, size_t capacity, char *err);
    size_t (*capacity)(void *p);
    size_t (*count)(void *p);
    size_t (*bytes)(void *p);
    int (*upsert)(void *p, const uint64_t *keys, const float *vecs, size_t n, size_t *revived, char *err);
    int (*del)(void *p, const uint64_t *keys, size_t n, size_t *deleted, char *err);
    int (*search)(void *p, const float *q, size_t k, size_t ef, int has_del, const uint64_t *allow, size_t nallow,
                  ixh_hit *out, size_t *nout, char *err);
    int (*exact)(void *p, const float *q, size_t k, const uint64_t *keys, size_t nkeys, ixh_hit *out, size_t *nout,
                 char *err);
    int (*live_keys)(void *p, uint64_t *out, size_t cap, size_t *n, char *err);
    int (*get)(void *p, uint64_t key, float *out);
    size_t (*serialized_size)(void *p);
    int (*serialize)(void *p, char *buf, size_t len, char *err);
    void *(*deserialize)(int space, int dim, int efc, const char *buf, size_t len, char *err);
    int (*uses_avx)(void *p);
} ixh_vtable;

extern const ixh_vtable ixh_vtable_avx2;
extern const ixh_vtable ixh_vtable_generic;

#ifdef __cplusplus
}
#endif

#endif

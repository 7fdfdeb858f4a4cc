// hnswlib_shim.cc implements hnswlib_shim.h by dispatching to the build (AVX2 or generic)
// chosen when the index was created.
#include <new>

#include "hnswlib_shim_internal.h"

struct ixh_index {
    const ixh_vtable *vt;
    void *impl;
};

static const ixh_vtable *pick(int avx2) { return avx2 ? &ixh_vtable_avx2 : &ixh_vtable_generic; }

static ixh_index *wrap(const ixh_vtable *vt, void *impl) {
    if (impl == nullptr) return nullptr;
    ixh_index *h = new (std::nothrow) ixh_index;
    if (h == nullptr) {
        vt->destroy(impl);
        return nullptr;
    }
    h->vt = vt;
    h->impl = impl;
    return h;
}

extern "C" {

ixh_index *ixh_new(int space, int dim, size_t capacity, int m, int ef_construction, size_t seed, int avx2, char *err) {
    const ixh_vtable *vt = pick(avx2);
    return wrap(vt, vt->create(space, dim, capacity, m, ef_construction, seed, err));
}

void ixh_free(ixh_index *h) {
    if (h == nullptr) return;
    h->vt->destroy(h->impl);
    delete h;
}

int ixh_resize(ixh_index *h, size_t capacity, char *err) { return h->vt->resize(h->impl, capacity, err); }
size_t ixh_capacity(ixh_index *h) { return h->vt->capacity(h->impl); }
size_t ixh_count(ixh_index *h) { return h->vt->count(h->impl); }
size_t ixh_bytes(ixh_index *h) { return h->vt->bytes(h->impl); }

int ixh_upsert(ixh_index *h, const uint64_t *keys, const float *vecs, size_t n, size_t *revived, char *err) {
    return h->vt->upsert(h->impl, keys, vecs, n, revived, err);
}

int ixh_delete(ixh_index *h, const uint64_t *keys, size_t n, size_t *deleted, char *err) {
    return h->vt->del(h->impl, keys, n, deleted, err);
}

int ixh_search(ixh_index *h, const float *q, size_t k, size_t ef, int has_deletions, const uint64_t *allow,
               size_t nallow, ixh_hit *out, size_t *nout, char *err) {
    return h->vt->search(h->impl, q, k, ef, has_deletions, allow, nallow, out, nout, err);
}

int ixh_exact(ixh_index *h, const float *q, size_t k, const uint64_t *keys, size_t nkeys, ixh_hit *out,
              size_t *nout, char *err) {
    return h->vt->exact(h->impl, q, k, keys, nkeys, out, nout, err);
}

int ixh_live_keys(ixh_index *h, uint64_t *out, size_t cap, size_t *n, char *err) {
    return h->vt->live_keys(h->impl, out, cap, n, err);
}

int ixh_get(ixh_index *h, uint64_t key, float *out) { return h->vt->get(h->impl, key, out); }
size_t ixh_serialized_size(ixh_index *h) { return h->vt->serialized_size(h->impl); }
int ixh_serialize(ixh_index *h, char *buf, size_t len, char *err) { return h->vt->serialize(h->impl, buf, len, err); }

ixh_index *ixh_deserialize(int space, int dim, int ef_construction, const char *buf, size_t len, int avx2, char *err) {
    const ixh_vtable *vt = pick(avx2);
    return wrap(vt, vt->deserialize(space, dim, ef_construction, buf, len, err));
}

int ixh_uses_avx(ixh_index *h) { return h->vt->uses_avx(h->impl); }

}  // extern "C"

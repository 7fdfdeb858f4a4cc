// hnswlib_shim_impl.h holds the body of the hnswlib shim. It is compiled twice,
// by hnswlib_shim_avx2.cc (AVX2+FMA code generation, hnswlib's USE_AVX paths) and by
// hnswlib_shim_generic.cc (the baseline x86-64 / portable build). Each includes it with a
// different IXH_NS so that the two copies of hnswlib live in different namespaces and
// the linker can never mix an AVX2-compiled template with the portable one.
// The including file must define IXH_NS and IXH_VTABLE and include
// hnswlib_shim_internal.h and the standard headers first.

namespace IXH_NS {
#include <hnswlib/hnswlib.h>
}

namespace IXH_NS {

using HNSW = hnswlib::HierarchicalNSW<float>;
using tableint = hnswlib::tableint;
using labeltype = hnswlib::labeltype;
using maxq = std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
                                 HNSW::CompareByFirst>;

struct Impl {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    std::unique_ptr<HNSW> alg;
    int kind;
    size_t dim;
};

static void set_err(char *err, const char *msg) {
    if (err != nullptr) {
        snprintf(err, IXH_ERR_LEN, "%s", msg);
    }
}

#define IXH_TRY try {
#define IXH_CATCH(ret)                               \
    }                                                \
    catch (const std::exception &e) {                \
        set_err(err, e.what());                      \
        return ret;                                  \
    }                                                \
    catch (...) {                                    \
        set_err(err, "unknown C++ exception");       \
        return ret;                                  \
    }

static inline float score_of(int kind, float d) { return kind == IXH_SPACE_IP ? 1.0f - d : -d; }

static std::unique_ptr<hnswlib::SpaceInterface<float>> make_space(int kind, size_t dim) {
    if (kind == IXH_SPACE_L2) {
        return std::unique_ptr<hnswlib::SpaceInterface<float>>(new hnswlib::L2Space(dim));
    }
    return std::unique_ptr<hnswlib::SpaceInterface<float>>(new hnswlib::InnerProductSpace(dim));
}

static void *x_new(int kind, int dim, size_t capacity, int m, int efc, size_t seed, char *err) {
    IXH_TRY
    std::unique_ptr<Impl> im(new Impl());
    im->kind = kind;
    im->dim = (size_t)dim;
    im->space = make_space(kind, (size_t)dim);
    if (capacity < 1) capacity = 1;
    im->alg.reset(new HNSW(im->space.get(), capacity, (size_t)m, (size_t)efc, seed));
    return im.release();
    IXH_CATCH(nullptr)
}

static void x_free(void *p) { delete static_cast<Impl *>(p); }

static int x_resize(void *p, size_t capacity, char *err) {
    IXH_TRY
    static_cast<Impl *>(p)->alg->resizeIndex(capacity);
    return 0;
    IXH_CATCH(-1)
}

static size_t x_capacity(void *p) { return static_cast<Impl *>(p)->alg->max_elements_; }

static size_t x_count(void *p) {
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    std::unique_lock<std::mutex> lock(a->cur_element_count_guard_);
    return a->cur_element_count;
}

static size_t x_bytes(void *p) {
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    size_t count = x_count(p);
    size_t b = a->max_elements_ * a->size_data_per_element_;  // level 0: links, vector, label
    b += a->max_elements_ * (sizeof(void *) + sizeof(int) + sizeof(std::mutex) + sizeof(unsigned short));
    for (size_t i = 0; i < count; i++) {
        if (a->element_levels_[i] > 0) b += a->size_links_per_element_ * (size_t)a->element_levels_[i];
    }
    b += count * 32;  // label_lookup_ (unordered_map node + bucket), approximate
    return b;
}

// lookup returns the internal id of label, or false.
static bool lookup(HNSW *a, uint64_t label, tableint *id) {
    auto it = a->label_lookup_.find((labeltype)label);
    if (it == a->label_lookup_.end()) return false;
    *id = it->second;
    return true;
}

static const unsigned char kDeleteMark = 0x01;

static int x_upsert(void *p, const uint64_t *keys, const float *vecs, size_t n, size_t *revived, char *err) {
    IXH_TRY
    Impl *im = static_cast<Impl *>(p);
    HNSW *a = im->alg.get();
    size_t rev = 0;
    for (size_t i = 0; i < n; i++) {
        tableint id;
        bool found;
        {
            std::unique_lock<std::mutex> lock(a->cur_element_count_guard_);
            found = lookup(a, keys[i], &id);
        }
        if (found) {
            // Revive a tombstone ourselves, under the element's update lock, so that
            // concurrent upserts of one key count the revival once; hnswlib's own
            // unmark would also touch the unsynchronised num_deleted_.
            std::unique_lock<std::mutex> lock(a->link_list_update_locks_[id & (HNSW::max_update_element_locks - 1)]);
            unsigned char *mark = ((unsigned char *)a->get_linklist0(id)) + 2;
            if (*mark & kDeleteMark) {
                *mark &= (unsigned char)~kDeleteMark;
                rev++;
            }
            // The same vector again (a re-sent document, a replayed write): keep the
            // node and its links. hnswlib's updatePoint would rewire the neighbourhood
            // for nothing, and repeated updates leave nodes unreachable by search.
            if (::memcmp(a->getDataByInternalId(id), vecs + i * im->dim, im->dim * sizeof(float)) == 0) {
                continue;
            }
        }
        a->addPoint((const void *)(vecs + i * im->dim), (labeltype)keys[i]);
    }
    *revived = rev;
    return 0;
    IXH_CATCH(-1)
}

// x_delete must not run concurrently with x_upsert (the Go side holds an exclusive lock).
static int x_delete(void *p, const uint64_t *keys, size_t n, size_t *deleted, char *err) {
    IXH_TRY
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    size_t del = 0;
    for (size_t i = 0; i < n; i++) {
        tableint id;
        if (!lookup(a, keys[i], &id)) continue;
        unsigned char *mark = ((unsigned char *)a->get_linklist0(id)) + 2;
        if (*mark & kDeleteMark) continue;
        *mark |= kDeleteMark;
        del++;
    }
    *deleted = del;
    return 0;
    IXH_CATCH(-1)
}

template <bool has_del, bool filtered>
static maxq base_search(const HNSW *a, tableint ep, const void *q, size_t ef, const std::vector<uint64_t> &bits) {
    const size_t nbits = bits.size() * 64;
    auto accept = [&](tableint id) -> bool {
        if (has_del && a->isMarkedDeleted(id)) return false;
        if (filtered) {
            if ((size_t)id >= nbits) return false;
            return (bits[id >> 6] >> (id & 63)) & 1;
        }
        return true;
    };
    hnswlib::VisitedList *vl = a->visited_list_pool_->getFreeVisitedList();
    hnswlib::vl_type *visited = vl->mass;
    hnswlib::vl_type tag = vl->curV;
    maxq top;
    maxq cand;
    float lower;
    if (accept(ep)) {
        float d = a->fstdistfunc_(q, a->getDataByInternalId(ep), a->dist_func_param_);
        lower = d;
        top.emplace(d, ep);
        cand.emplace(-d, ep);
    } else {
        lower = std::numeric_limits<float>::max();
        cand.emplace(-lower, ep);
    }
    visited[ep] = tag;
    while (!cand.empty()) {
        std::pair<float, tableint> cur = cand.top();
        if ((-cur.first) > lower && (top.size() == ef || (!has_del && !filtered))) break;
        cand.pop();
        int *data = (int *)a->get_linklist0(cur.second);
        size_t size = a->getListCount((hnswlib::linklistsizeint *)data);
#ifdef USE_SSE
        _mm_prefetch((char *)(visited + *(data + 1)), _MM_HINT_T0);
        _mm_prefetch((char *)(visited + *(data + 1) + 64), _MM_HINT_T0);
        _mm_prefetch(a->data_level0_memory_ + (*(data + 1)) * a->size_data_per_element_ + a->offsetData_, _MM_HINT_T0);
        _mm_prefetch((char *)(data + 2), _MM_HINT_T0);
#endif
        for (size_t j = 1; j <= size; j++) {
            int cid = *(data + j);
#ifdef USE_SSE
            _mm_prefetch((char *)(visited + *(data + j + 1)), _MM_HINT_T0);
            _mm_prefetch(a->data_level0_memory_ + (*(data + j + 1)) * a->size_data_per_element_ + a->offsetData_,
                         _MM_HINT_T0);
#endif
            if (visited[cid] == tag) continue;
            visited[cid] = tag;
            float d = a->fstdistfunc_(q, a->getDataByInternalId(cid), a->dist_func_param_);
            if (top.size() < ef || lower > d) {
                cand.emplace(-d, cid);
#ifdef USE_SSE
                _mm_prefetch(a->data_level0_memory_ + cand.top().second * a->size_data_per_element_ +
                                 a->offsetLevel0_,
                             _MM_HINT_T0);
#endif
                if (accept(cid)) top.emplace(d, cid);
                if (top.size() > ef) top.pop();
                if (!top.empty()) lower = top.top().first;
            }
        }
    }
    a->visited_list_pool_->releaseVisitedList(vl);
    return top;
}

static void drain(const Impl *im, maxq &top, size_t k, ixh_hit *out, size_t *nout) {
    const HNSW *a = im->alg.get();
    while (top.size() > k) top.pop();
    size_t n = top.size();
    *nout = n;
    while (!top.empty()) {
        n--;
        out[n].key = (uint64_t)a->getExternalLabel(top.top().second);
        out[n].score = score_of(im->kind, top.top().first);
        top.pop();
    }
}

static int x_search(void *p, const float *q, size_t k, size_t ef, int has_del, const uint64_t *allow,
                    size_t nallow, ixh_hit *out, size_t *nout, char *err) {
    IXH_TRY
    Impl *im = static_cast<Impl *>(p);
    HNSW *a = im->alg.get();
    *nout = 0;
    if (k == 0) return 0;
    size_t count = x_count(p);
    tableint cur = a->enterpoint_node_;
    if (count == 0 || cur == (tableint)-1 || (size_t)cur >= count) return 0;
    // Start at the entry point's own level: reading maxlevel_ separately could pair a new
    // maxlevel_ with an old entry point while an insert raises the top level.
    int top_level = a->element_levels_[cur];
    float curdist = a->fstdistfunc_(q, a->getDataByInternalId(cur), a->dist_func_param_);
    for (int level = top_level; level > 0; level--) {
        bool changed = true;
        while (changed) {
            changed = false;
            unsigned int *data = (unsigned int *)a->get_linklist(cur, level);
            int size = a->getListCount(data);
            tableint *datal = (tableint *)(data + 1);
            for (int i = 0; i < size; i++) {
                tableint c = datal[i];
                if ((size_t)c >= a->max_elements_) throw std::runtime_error("hnsw: corrupt link");
                float d = a->fstdistfunc_(q, a->getDataByInternalId(c), a->dist_func_param_);
                if (d < curdist) {
                    curdist = d;
                    cur = c;
                    changed = true;
                }
            }
        }
    }
    size_t e = std::max(ef, k);
    std::vector<uint64_t> bits;
    maxq top;
    if (allow != nullptr) {
        bits.assign((count + 63) / 64, 0);
        {
            std::unique_lock<std::mutex> lock(a->cur_element_count_guard_);
            for (size_t i = 0; i < nallow; i++) {
                tableint id;
                if (lookup(a, allow[i], &id) && (size_t)id < count) bits[id >> 6] |= (uint64_t)1 << (id & 63);
            }
        }
        top = base_search<true, true>(a, cur, q, e, bits);
    } else if (has_del) {
        top = base_search<true, false>(a, cur, q, e, bits);
    } else {
        top = base_search<false, false>(a, cur, q, e, bits);
    }
    drain(im, top, k, out, nout);
    return 0;
    IXH_CATCH(-1)
}

static int x_exact(void *p, const float *q, size_t k, const uint64_t *keys, size_t nkeys, ixh_hit *out,
                   size_t *nout, char *err) {
    IXH_TRY
    Impl *im = static_cast<Impl *>(p);
    HNSW *a = im->alg.get();
    *nout = 0;
    if (k == 0) return 0;
    maxq top;
    auto consider = [&](tableint id) {
        if (a->isMarkedDeleted(id)) return;
        float d = a->fstdistfunc_(q, a->getDataByInternalId(id), a->dist_func_param_);
        if (top.size() < k) {
            top.emplace(d, id);
        } else if (d < top.top().first) {
            top.pop();
            top.emplace(d, id);
        }
    };
    if (keys == nullptr) {
        size_t count = x_count(p);
        for (size_t i = 0; i < count; i++) consider((tableint)i);
    } else {
        std::vector<tableint> ids;
        ids.reserve(nkeys);
        {
            std::unique_lock<std::mutex> lock(a->cur_element_count_guard_);
            for (size_t i = 0; i < nkeys; i++) {
                tableint id;
                if (lookup(a, keys[i], &id)) ids.push_back(id);
            }
        }
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        for (tableint id : ids) consider(id);
    }
    drain(im, top, k, out, nout);
    return 0;
    IXH_CATCH(-1)
}

static int x_live_keys(void *p, uint64_t *out, size_t cap, size_t *n, char *err) {
    IXH_TRY
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    size_t count = x_count(p);
    size_t w = 0;
    for (size_t i = 0; i < count && w < cap; i++) {
        if (a->isMarkedDeleted((tableint)i)) continue;
        out[w++] = (uint64_t)a->getExternalLabel((tableint)i);
    }
    *n = w;
    return 0;
    IXH_CATCH(-1)
}

static int x_get(void *p, uint64_t key, float *out) {
    try {
        Impl *im = static_cast<Impl *>(p);
        HNSW *a = im->alg.get();
        tableint id;
        {
            std::unique_lock<std::mutex> lock(a->cur_element_count_guard_);
            if (!lookup(a, key, &id)) return 0;
        }
        if (a->isMarkedDeleted(id)) return 0;
        memcpy(out, a->getDataByInternalId(id), im->dim * sizeof(float));
        return 1;
    } catch (...) {
        return 0;
    }
}

// Serialised graph (all little-endian, written by x_serialize, read by x_deserialize):
//   u64 count, u64 maxM, u64 maxM0, u64 M, i32 maxlevel, u32 enterpoint,
//   count × level-0 record (size_data_per_element bytes: links, vector, label),
//   count × (u32 n, n bytes of upper-level links).
static const size_t kGraphHeader = 8 * 4 + 4 + 4;

static size_t x_serialized_size(void *p) {
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    size_t count = a->cur_element_count;
    size_t s = kGraphHeader + count * a->size_data_per_element_;
    for (size_t i = 0; i < count; i++) {
        s += 4;
        if (a->element_levels_[i] > 0) s += a->size_links_per_element_ * (size_t)a->element_levels_[i];
    }
    return s;
}

template <typename T>
static void put(char *&w, T v) {
    memcpy(w, &v, sizeof(T));
    w += sizeof(T);
}

template <typename T>
static bool take(const char *&r, const char *end, T *v) {
    if ((size_t)(end - r) < sizeof(T)) return false;
    memcpy(v, r, sizeof(T));
    r += sizeof(T);
    return true;
}

static int x_serialize(void *p, char *buf, size_t len, char *err) {
    IXH_TRY
    HNSW *a = static_cast<Impl *>(p)->alg.get();
    if (len != x_serialized_size(p)) throw std::runtime_error("serialize: buffer size mismatch");
    size_t count = a->cur_element_count;
    char *w = buf;
    put<uint64_t>(w, count);
    put<uint64_t>(w, a->maxM_);
    put<uint64_t>(w, a->maxM0_);
    put<uint64_t>(w, a->M_);
    put<int32_t>(w, a->maxlevel_);
    put<uint32_t>(w, a->enterpoint_node_);
    memcpy(w, a->data_level0_memory_, count * a->size_data_per_element_);
    w += count * a->size_data_per_element_;
    for (size_t i = 0; i < count; i++) {
        uint32_t n = a->element_levels_[i] > 0 ? (uint32_t)(a->size_links_per_element_ * a->element_levels_[i]) : 0;
        put<uint32_t>(w, n);
        if (n) {
            memcpy(w, a->linkLists_[i], n);
            w += n;
        }
    }
    return 0;
    IXH_CATCH(-1)
}

// check_links validates one link list against the element count.
static bool check_links(const HNSW *a, const char *ll, size_t maxn, size_t count, size_t self) {
    unsigned short n;
    memcpy(&n, ll, sizeof(n));
    if (n > maxn) return false;
    const tableint *ids = (const tableint *)(ll + sizeof(hnswlib::linklistsizeint));
    for (size_t j = 0; j < n; j++) {
        if ((size_t)ids[j] >= count || (size_t)ids[j] == self) return false;
    }
    return true;
}

static void *x_deserialize(int kind, int dim, int efc, const char *buf, size_t len, char *err) {
    IXH_TRY
    const char *r = buf;
    const char *end = buf + len;
    uint64_t count, maxM, maxM0, M;
    int32_t maxlevel;
    uint32_t ep;
    if (!take(r, end, &count) || !take(r, end, &maxM) || !take(r, end, &maxM0) || !take(r, end, &M) ||
        !take(r, end, &maxlevel) || !take(r, end, &ep)) {
        throw std::runtime_error("graph header truncated");
    }
    if (M < 2 || M > 10000 || maxM != M || maxM0 != 2 * M) throw std::runtime_error("graph header: bad M");
    if (count > 0xffffffffull) throw std::runtime_error("graph header: bad count");
    if (count == 0 ? (maxlevel != -1 || ep != (uint32_t)-1) : (maxlevel < 0 || maxlevel > 64 || ep >= count)) {
        throw std::runtime_error("graph header: bad entry point");
    }
    std::unique_ptr<Impl> im(new Impl());
    im->kind = kind;
    im->dim = (size_t)dim;
    im->space = make_space(kind, (size_t)dim);
    size_t capacity = count < 16 ? 16 : (size_t)count;
    im->alg.reset(new HNSW(im->space.get(), capacity, (size_t)M, (size_t)efc, 100));
    HNSW *a = im->alg.get();
    size_t rec = a->size_data_per_element_;
    if ((size_t)(end - r) / rec < count) throw std::runtime_error("graph: level 0 truncated");
    memcpy(a->data_level0_memory_, r, count * rec);
    r += count * rec;
    a->cur_element_count = count;
    a->maxlevel_ = maxlevel;
    a->enterpoint_node_ = ep;
    size_t deleted = 0;
    for (size_t i = 0; i < count; i++) {
        a->element_levels_[i] = 0;
        a->linkLists_[i] = nullptr;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t n;
        if (!take(r, end, &n)) throw std::runtime_error("graph: link lists truncated");
        if (n % a->size_links_per_element_ != 0 || n / a->size_links_per_element_ > (size_t)maxlevel ||
            (size_t)(end - r) < n) {
            throw std::runtime_error("graph: bad link list size");
        }
        int levels = (int)(n / a->size_links_per_element_);
        if (levels > 0) {
            a->linkLists_[i] = (char *)malloc(n);
            if (a->linkLists_[i] == nullptr) throw std::runtime_error("graph: out of memory");
            memcpy(a->linkLists_[i], r, n);
            r += n;
        }
        a->element_levels_[i] = levels;
    }
    if (r != end) throw std::runtime_error("graph: trailing bytes");
    if (count > 0 && a->element_levels_[ep] != maxlevel) throw std::runtime_error("graph: entry point level");
    for (size_t i = 0; i < count; i++) {
        if (!check_links(a, (const char *)a->get_linklist0((tableint)i), a->maxM0_, count, i)) {
            throw std::runtime_error("graph: bad level-0 links");
        }
        for (int l = 1; l <= a->element_levels_[i]; l++) {
            if (!check_links(a, (const char *)a->get_linklist((tableint)i, l), a->maxM_, count, i)) {
                throw std::runtime_error("graph: bad upper links");
            }
        }
        // Upper-level neighbours must exist on that level.
        for (int l = 1; l <= a->element_levels_[i]; l++) {
            unsigned int *ll = a->get_linklist((tableint)i, l);
            unsigned short n = a->getListCount(ll);
            tableint *ids = (tableint *)(ll + 1);
            for (unsigned short j = 0; j < n; j++) {
                if (a->element_levels_[ids[j]] < l) throw std::runtime_error("graph: link to a lower element");
            }
        }
        labeltype label = a->getExternalLabel((tableint)i);
        if (!a->label_lookup_.emplace(label, (tableint)i).second) throw std::runtime_error("graph: duplicate key");
        if (a->isMarkedDeleted((tableint)i)) deleted++;
    }
    a->num_deleted_ = deleted;
    return im.release();
    IXH_CATCH(nullptr)
}

static int x_uses_avx(void *) {
#ifdef USE_AVX
    return 1;
#else
    return 0;
#endif
}

}  // namespace IXH_NS

extern "C" const ixh_vtable IXH_VTABLE = {
    IXH_NS::x_new,    IXH_NS::x_free,   IXH_NS::x_resize,     IXH_NS::x_capacity,
    IXH_NS::x_count,  IXH_NS::x_bytes,  IXH_NS::x_upsert,     IXH_NS::x_delete,
    IXH_NS::x_search, IXH_NS::x_exact,  IXH_NS::x_live_keys,  IXH_NS::x_get,
    IXH_NS::x_serialized_size, IXH_NS::x_serialize, IXH_NS::x_deserialize, IXH_NS::x_uses_avx,
};

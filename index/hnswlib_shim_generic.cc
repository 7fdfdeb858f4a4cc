// hnswlib_shim_generic.cc is the portable build of the shim (baseline x86-64: SSE paths).
#include "hnswlib_shim_std.h"

#define IXH_NS ixh_generic
#define IXH_VTABLE ixh_vtable_generic
#include "hnswlib_shim_impl.h"

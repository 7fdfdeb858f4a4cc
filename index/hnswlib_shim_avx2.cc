// hnswlib_shim_avx2.cc is the AVX2+FMA build of the shim. hnswlib picks its SIMD kernels at
// compile time (#ifdef __AVX__), and GCC's target pragma does not define __AVX__ in C++,
// so we set the pragma for code generation and define hnswlib's USE_AVX switch ourselves,
// after the system headers (so no std:: code is compiled for AVX2) and before hnswlib.
// hnsw.go only selects this build when golang.org/x/sys/cpu reports AVX2 and FMA.
#include "hnswlib_shim_std.h"

#pragma GCC target("avx2,fma")
#define USE_AVX

#define IXH_NS ixh_avx2
#define IXH_VTABLE ixh_vtable_avx2
#include "hnswlib_shim_impl.h"

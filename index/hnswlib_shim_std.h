// hnswlib_shim_std.h includes, at global scope, every system header hnswlib 0.6.2 uses, so
// that hnswlib itself can then be included inside a namespace (see hnswlib_shim_impl.h).
#ifndef INSTRUCTD_HNSWLIB_SHIM_STD_H
#define INSTRUCTD_HNSWLIB_SHIM_STD_H

#include <assert.h>
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hnswlib_shim_internal.h"

#endif

#ifndef STREAMREC_CBLAS_SHIM_H
#define STREAMREC_CBLAS_SHIM_H
// pkg-config openblas supplies the include folder that holds cblas.h.
#include <cblas.h>

/// Asks the CPU to bring the cache line holding `p` closer (a hint: never faults). Swift has no
/// prefetch of its own; the session encoder uses it to overlap its table gathers with compute.
static inline void streamrec_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
#endif

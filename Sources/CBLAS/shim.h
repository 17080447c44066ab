#ifndef STREAMREC_CBLAS_SHIM_H
#define STREAMREC_CBLAS_SHIM_H
// pkg-config openblas supplies the include folder that holds cblas.h.
#include <cblas.h>
#endif

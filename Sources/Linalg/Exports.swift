// Linalg is LinalgCore (seeded RNG, top-K selection: pure Swift, no C) plus the BLAS-backed
// storage and kernels; importing Linalg brings both.
@_exported import LinalgCore

//===- Hydragen.h - shared-prefix decode scenarios --------------*- C++ -*-===//

#ifndef ATTUNE_BENCH_HYDRAGEN_H
#define ATTUNE_BENCH_HYDRAGEN_H

#include "Machine.h"

namespace attune::bench {

/// Registers hydragen_<dtype>_hkv<H>/B=<b>,P=<p>/<impl> for impl in
/// attune_hydragen, attune_per_row, openblas_unfused.
void registerHydragen(const Machine &machine);

} // namespace attune::bench

#endif // ATTUNE_BENCH_HYDRAGEN_H

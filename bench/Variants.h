//===- Variants.h - variant scenarios of attune-bench -----------*- C++ -*-===//

#ifndef ATTUNE_BENCH_VARIANTS_H
#define ATTUNE_BENCH_VARIANTS_H

#include "Problem.h"

#include <cstdint>
#include <functional>
#include <string>

namespace attune::bench {

/// Registers `<name>/attune` running `run` (which returns the kernel status)
/// on the shared problem of `shape`.
using RegisterFn = std::function<void(
    const std::string &name, const Shape &shape,
    std::function<int32_t(Problem &)> run)>;

void registerVariants(const RegisterFn &registerAttune);

} // namespace attune::bench

#endif // ATTUNE_BENCH_VARIANTS_H

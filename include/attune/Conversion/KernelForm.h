//===- KernelForm.h - functions in the form kernels are emitted from -*- C++
//-*-===//
//
// A kernel function takes its inputs as tensor arguments and writes its
// results into memref arguments with bufferization.materialize_in_destination
// (the form attune-compile gives models too). Both emitters (CPU entry
// points, GPU kernels) map values back to those arguments.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_KERNELFORM_H
#define ATTUNE_CONVERSION_KERNELFORM_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir {
namespace attune {

/// The argument of `func` that `value` is, or that it is materialized in.
std::optional<unsigned> kernelArgumentOf(func::FuncOp func, Value value);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_KERNELFORM_H

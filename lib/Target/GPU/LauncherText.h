//===- LauncherText.h - pieces of the CUDA launcher's C text ----*- C++ -*-===//

#ifndef ATTUNE_LIB_TARGET_GPU_LAUNCHERTEXT_H
#define ATTUNE_LIB_TARGET_GPU_LAUNCHERTEXT_H

#include "attune/Target/GPU/CudaLauncher.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir {
namespace attune {
namespace detail {

/// C expression of dimension `dim` of host argument `arg`.
std::string extent(const KernelSignature &signature, int64_t arg,
                   unsigned dim);

/// Declares `name`, the flat buffer of host argument `arg`.
void writeBuffer(llvm::raw_ostream &os, const KernelSignature &sig,
                 const std::string &name, int64_t arg);

/// The five kernel parameters of flat buffer `name`.
std::string bufferParams(const std::string &name);

/// TMA kernels (`kernel.tensorMapRows` > 0): declares the tensor maps of
/// the kernel's K and V, `key_map<suffix>_` and `value_map<suffix>_`, on
/// `keys` (a C expression) keys, and returns their encoding's status in
/// `status`.
void writeTensorMaps(llvm::raw_ostream &os, const KernelSignature &sig,
                     const CudaKernel &kernel, const std::string &suffix,
                     const std::string &keys);

/// Prefix attention's launches (after the argument checks): each segment's
/// kernel writes its slots of the workspace, then the merge kernel combines
/// the slots into the outputs. `first`, `merge`: the indices of the first
/// segment's kernel and of the merge kernel; the later segments' kernels
/// follow from `later` on.
void writeSegmentedLaunch(llvm::raw_ostream &os, const CudaKernel &kernel,
                          size_t first, size_t merge, size_t later);

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_TARGET_GPU_LAUNCHERTEXT_H

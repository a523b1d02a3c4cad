//===- CudaLauncher.h - C header and launcher of GPU kernels ----*- C++ -*-===//
//
// A GPU kernel is called like a CPU one (same name, same arguments: device
// pointers, then the dynamic sizes) plus a CUDA stream last. The launcher is
// C source over the CUDA driver API, found at run time (dlopen of
// libcuda.so.1): it embeds the cubin (or PTX, which the driver compiles),
// loads it once per CUDA context, checks the arguments and launches.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_TARGET_GPU_CUDALAUNCHER_H
#define ATTUNE_TARGET_GPU_CUDALAUNCHER_H

#include "attune/Target/CPU/KernelABI.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir {
namespace attune {

/// One kernel of the module and how to launch it.
struct CudaKernel {
  KernelSignature signature;
  /// The gpu.func (the signature's name, or a later segment's kernel).
  std::string kernelName;
  /// Host argument each memref parameter of the kernel reads.
  std::vector<int64_t> hostArgs;
  /// Sizes after B, Lq, Lk: (parameter, dimension) pairs.
  std::vector<int64_t> extraSizes;
  int64_t blockRows = 0, threads = 0, sharedBytes = 0, queryHeads = 0;
  int64_t headsPerBlock = 1;
  /// Query rows per block of the block lists (0 without lists).
  int64_t queryBlock = 0;
  /// The split-KV merge kernel; the value head dim; whether there is an LSE.
  std::string mergeKernel;
  int64_t valueDim = 0;
  bool hasLse = false;
  /// Prefix attention (Hydragen): the kernels of the segments after the
  /// first (this one), in order; each writes its workspace slot, and the
  /// merge kernel combines them.
  std::vector<CudaKernel> segments;
  /// A shared segment's kernel with the batch rows stacked into its tiles:
  /// grid z = its key chunks (GPUKernelAttrs::stackedRows).
  bool stackedRows = false;
  /// A segment whose mask sits on the concatenation: takes its key offset
  /// and the concatenation's length (GPUKernelAttrs::positionedKeys).
  bool positionedKeys = false;
  /// ... under ragged suffixes: also the last segment's key offset
  /// (GPUKernelAttrs::raggedConcatenation).
  bool raggedConcatenation = false;
  /// TMA: the keys of a tensor map's box (GPUKernelAttrs::tensorMapRows),
  /// 0 without; the key head dim (the value head dim is valueDim).
  int64_t tensorMapRows = 0;
  int64_t headDim = 0;
};

/// Reads the kernels convert-attn-to-gpu built in `module` for the
/// functions `signatures` describe (in that order).
FailureOr<std::vector<CudaKernel>>
collectCudaKernels(ModuleOp module, ArrayRef<KernelSignature> signatures);

/// Writes the C header of `kernels` (`arch`: the GPU they were built for).
void writeCudaHeader(llvm::raw_ostream &os, ArrayRef<CudaKernel> kernels,
                     StringRef guard, StringRef source, StringRef arch);

/// Writes the launcher: `image` (a cubin, or PTX text when `isPTX`) embedded,
/// one C function per kernel declared in `header` (the include line's path).
void writeCudaLauncher(llvm::raw_ostream &os, ArrayRef<CudaKernel> kernels,
                       StringRef header, StringRef image, bool isPTX);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_TARGET_GPU_CUDALAUNCHER_H

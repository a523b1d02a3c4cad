//===- KernelABI.h - C ABI of kernels emitted for the CPU -------*- C++ -*-===//
//
// An emitted kernel is a plain C function: one pointer per argument of the
// MLIR function (inputs const), then one int64_t per dynamic size (batch,
// q_len, kv_len, ...), returning an int32_t status. Tensors are row-major and
// contiguous. The wrapper checks its arguments before touching memory and
// writes nothing when they are bad.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_TARGET_CPU_KERNELABI_H
#define ATTUNE_TARGET_CPU_KERNELABI_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir {
namespace attune {

/// Status codes returned by emitted kernels (also written into the header).
enum KernelStatus : int32_t {
  kStatusOk = 0,
  kStatusNullPointer = 1,
  kStatusBadSize = 2, // negative, above INT32_MAX, or not a fixed extent
  // GPU launchers only:
  kStatusNoDriver = 3,    // libcuda.so.1 could not be loaded
  kStatusNoContext = 4,   // no CUDA context is current on the calling thread
  kStatusDriverError = 5, // the driver failed to load the module or launch
  kStatusMisaligned = 6,  // a TMA kernel's K or V is not 16-byte aligned
};

/// Writes the status codes (a C enum under the ATTUNE_STATUS_CODES guard)
/// that every emitted header declares.
void writeStatusCodes(llvm::raw_ostream &os);

/// One argument of an emitted kernel.
struct KernelArgument {
  std::string name;                 // "q", "k", "out", ... or "arg<N>"
  std::string elementType;          // "f32", "f16", "bf16", "i32"
  std::vector<int64_t> staticShape; // ShapedType::kDynamic where dynamic
  std::vector<int> sizeOf;          // per dim: index into sizes, or -1
  bool output = false;              // a memref the kernel writes
};

/// An extent of a kernel argument: a size argument, or a static value.
struct KernelExtent {
  int size = -1;     // index into KernelSignature::sizes, or -1
  int64_t value = 0; // the extent when static
};

/// Block lists must cover the queries: `blocks` query blocks of `rows`
/// rows each hold at least `length` queries (the entry point checks it when
/// one of them is a size argument).
struct BlockCoverage {
  KernelExtent blocks, length;
  int64_t rows = 0;
};

/// The C view of one public function of the module.
struct KernelSignature {
  std::string name;
  std::vector<KernelArgument> arguments;
  std::vector<std::string> sizes;  // names of the int64_t size arguments
  std::vector<int64_t> fixedSizes; // per size: the value a static extent of
                                   // the module fixes, or -1
  std::string summary;             // what the function computes, one line each
  std::vector<BlockCoverage> coverage; // block lists against query lengths
};

/// Turns the tensor results of `func` (a model as an exporter writes it:
/// `(tensor) -> tensor`) into output memref arguments appended after the
/// others, each written with bufferization.materialize_in_destination, so
/// that the function has the kernel form below. A dynamic result extent must
/// provably equal an input's (the caller sizes the output from it); the
/// output argument records which in `attune.dims_of`. Fails (with a
/// diagnostic) otherwise.
LogicalResult resultsToOutputArguments(func::FuncOp func);

/// Reads the C view of `func`: tensor arguments are inputs, identity-layout
/// memref arguments outputs. A dynamic dimension is a size argument: one of
/// the sizes of an attn.attention in the body (batch, query or key length),
/// or else an input's own (`<arg>_dim<d>`, the size of a model's input); an
/// output's dynamic dimension must be one of those. Emits a diagnostic on
/// `func` and fails otherwise.
FailureOr<KernelSignature> analyzeKernel(func::FuncOp func);

/// Opens the doc comment of `kernel` in a header: what it computes, each
/// argument's shape, dtype and direction, the sizes a static extent fixes.
void writeKernelDoc(llvm::raw_ostream &os, const KernelSignature &kernel);

/// Writes the C header declaring `kernels`; `cachedBuffers` says whether
/// the object keeps large freed temporaries per thread (attune-buffer-cache).
void writeKernelHeader(llvm::raw_ostream &os, ArrayRef<KernelSignature> kernels,
                       StringRef guard, StringRef source, StringRef cpu,
                       bool cachedBuffers = false);

/// After lowering to the LLVM dialect, adds the C entry point of every kernel:
/// llvm.func @<name>(ptr..., i64 sizes...) -> i32, which checks its arguments
/// and calls `implName(name)`, the lowered function.
LogicalResult addCEntryPoints(ModuleOp module,
                              ArrayRef<KernelSignature> kernels);

/// Symbol the MLIR function of kernel `name` is renamed to before lowering.
std::string implName(StringRef name);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_TARGET_CPU_KERNELABI_H

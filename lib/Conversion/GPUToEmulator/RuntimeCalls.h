//===- RuntimeCalls.h - the emulator lowering's shared pieces ---*- C++ -*-===//
//
// Private to lib/Conversion/GPUToEmulator: what the pass
// (ConvertGPUToEmulator.cpp) shares with the patterns that turn operations
// into calls of the emulator's runtime (RuntimeCallPatterns.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_GPUTOEMULATOR_RUNTIMECALLS_H
#define ATTUNE_LIB_CONVERSION_GPUTOEMULATOR_RUNTIMECALLS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace attune {
namespace detail {

/// Calls runtime entry point `name` (declared by declareEmulatorRuntime) at
/// `at`.
LLVM::CallOp callRuntime(OpBuilder &b, Operation *at, StringRef name,
                         ValueRange args);

inline constexpr llvm::StringLiteral kMmaForms =
    "the emulator runs mma.sync m16n8k16 with f16 or bf16 operands "
    "(row-major A, column-major B) and f32 accumulators";
/// m16n8k16, f16 or bf16 operands (row-major A, column-major B), f32
/// accumulators: the only form the kernels use.
bool isEmulatedMma(NVVM::MmaOp op);

inline constexpr llvm::StringLiteral kWgmmaForms =
    "the emulator runs wgmma.mma_async m64nNk16 with f16 or bf16 operands "
    "from shared memory (A K-major, B K- or N-major, no negation) and f32 "
    "accumulators";
/// m64nNk16, f16 or bf16 operands from descriptors (A K-major, B K- or
/// N-major, no negation), f32 accumulators.
bool isEmulatedWgmma(NVVM::WgmmaMmaAsyncOp op);

inline constexpr llvm::StringLiteral kInlineAsmForms =
    "the emulator runs no inline assembly but the wgmma with A in registers "
    "that the GPU kernels emit (WgmmaRegisterA)";

inline constexpr llvm::StringLiteral kTmaLoadForms =
    "the emulator runs cp.async.bulk.tensor loads in tile mode of up to 5 "
    "dimensions, without multicast, cache hints, CTA groups or predicates";
bool isEmulatedTmaLoad(NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp op);

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_GPUTOEMULATOR_RUNTIMECALLS_H

//===- RuntimeCalls.h - the emulator lowering's shared pieces ---*- C++ -*-===//
//
// Private to lib/Conversion/GPUToEmulator: what the pass
// (ConvertGPUToEmulator.cpp) shares with the patterns that turn operations
// into calls of the emulator's runtime (RuntimeCallPatterns.cpp: threads,
// warps, cp.async, mma.sync; Sm90CallPatterns.cpp: wgmma, mbarriers, the
// TMA, setmaxnreg), and what those two share.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_GPUTOEMULATOR_RUNTIMECALLS_H
#define ATTUNE_LIB_CONVERSION_GPUTOEMULATOR_RUNTIMECALLS_H

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace attune {
namespace detail {

/// Calls runtime entry point `name` (declared by declareEmulatorRuntime) at
/// `at`.
LLVM::CallOp callRuntime(OpBuilder &b, Operation *at, StringRef name,
                         ValueRange args);

inline Value i32Constant(OpBuilder &b, Location loc, int64_t value) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(value));
}

/// A 32-bit register: a vector<2xf16> (or bf16) pair or an i32, as bits.
inline Value asRegister(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isInteger(32))
    return value;
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), value);
}

/// `n` elements of `element` on the stack for the duration of one runtime
/// call (stacksave / stackrestore, so that a call in a loop does not grow
/// the thread's stack).
struct Scratch {
  Value saved, memory;
  Type element;
  Scratch(OpBuilder &b, Location loc, Type element, int64_t n)
      : element(element) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    saved = LLVM::StackSaveOp::create(b, loc, ptr);
    Value count = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                           b.getI64IntegerAttr(n));
    memory = LLVM::AllocaOp::create(b, loc, ptr, element, count, 16);
  }
  /// The address of element `i`.
  Value at(OpBuilder &b, Location loc, int64_t i) {
    return LLVM::GEPOp::create(b, loc, memory.getType(), element, memory,
                               ArrayRef<LLVM::GEPArg>{i});
  }
  /// Elements 0.. of the array as the literal struct `type`.
  Value load(OpBuilder &b, Location loc, Type type) {
    Value result = LLVM::PoisonOp::create(b, loc, type);
    int64_t n = cast<LLVM::LLVMStructType>(type).getBody().size();
    for (int64_t i = 0; i < n; ++i)
      result = LLVM::InsertValueOp::create(
          b, loc, result, LLVM::LoadOp::create(b, loc, element, at(b, loc, i)),
          ArrayRef<int64_t>{i});
    return result;
  }
  void release(OpBuilder &b, Location loc) {
    LLVM::StackRestoreOp::create(b, loc, saved);
  }
};

/// The sm_90 patterns (Sm90CallPatterns.cpp): wgmma (A from shared memory
/// or registers) and its fences, the async-proxy fence, mbarriers, TMA
/// loads, setmaxnreg.
void populateSm90CallPatterns(LLVMTypeConverter &converter,
                              RewritePatternSet &patterns);

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

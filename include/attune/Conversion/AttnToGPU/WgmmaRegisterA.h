//===- WgmmaRegisterA.h - wgmma with its A operand in registers -*- C++ -*-===//
//
// wgmma.mma_async m64nNk16 with f32 accumulators, A from registers (each
// warp of the warpgroup holds 16 rows in mma.sync m16n8k16's A fragment:
// four 32-bit registers of two 16-bit values) and B from shared memory
// through a matrix descriptor. The NVVM dialect's nvvm.wgmma.mma_async takes
// both operands as descriptors, so this form is inline PTX (llvm.inline_asm):
// built by the GPU kernel (AttnToGPU) for P V with P kept in registers, and
// recognized, by the exact text it is built with, by the CUDA emulator's
// conversion (GPUToEmulator).
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_ATTNTOGPU_WGMMAREGISTERA_H
#define ATTUNE_CONVERSION_ATTNTOGPU_WGMMAREGISTERA_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir {
namespace attune {

/// The form of one such wgmma: N (8 to 256, a multiple of 8), the operand
/// type and whether B is read N-major (transposed).
struct WgmmaRegisterA {
  int64_t n;
  bool bf16;
  bool transposeB;

  /// The PTX text and the constraints of the inline assembly. Operands: the
  /// four A registers (i32), B's descriptor (i64), scale-d (i32: 0 ignores
  /// the accumulators' inputs), then the N / 2 accumulators (f32, tied to
  /// the results, a struct of N / 2 f32).
  std::string ptx() const;
  std::string constraints() const;

  /// acc = A B (+ acc when `scaleD` is not 0), for the calling thread's
  /// accumulators `acc` and A registers `a`.
  LLVM::InlineAsmOp build(OpBuilder &b, Location loc, ValueRange acc,
                          ValueRange a, Value descB, Value scaleD) const;

  /// The form of `op` when it is an inline assembly that build() made (its
  /// text, constraints and operand types), std::nullopt otherwise.
  static std::optional<WgmmaRegisterA> match(LLVM::InlineAsmOp op);
};

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_ATTNTOGPU_WGMMAREGISTERA_H

//===- ObjectEmitter.h - LLVM dialect to a native object file ---*- C++ -*-===//

#ifndef ATTUNE_TARGET_CPU_OBJECTEMITTER_H
#define ATTUNE_TARGET_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace mlir {
namespace attune {

/// An x86-64 target machine for `cpu` ("native" = this host, with its
/// features), position independent, -O3 code generation. Fails with a
/// message for an unknown CPU name.
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createCPUTargetMachine(StringRef cpu, std::string &error);

/// f32 lanes of the widest vectors `machine` has (16 with AVX-512, else 8).
int64_t vectorLanes(const llvm::TargetMachine &machine);

/// Whether `machine` has AVX-512 BF16 dot products (vdpbf16ps).
bool hasBf16Dot(const llvm::TargetMachine &machine);

/// Whether `machine` has AMX tiles with bf16 products (amx-tile, amx-bf16).
bool hasAmxBf16(const llvm::TargetMachine &machine);

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at -O3 for
/// `machine` and writes an object file to `os`.
LogicalResult emitObjectFile(ModuleOp module, llvm::TargetMachine &machine,
                             llvm::raw_pwrite_stream &os, std::string &error);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_TARGET_CPU_OBJECTEMITTER_H

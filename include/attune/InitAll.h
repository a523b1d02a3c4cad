//===- InitAll.h - register everything Attune provides ----------*- C++ -*-===//
//
// One place that names every dialect, pass, pipeline and translation an Attune
// tool needs, so that attune-opt, attune-runner and attune-compile agree.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_INITALL_H
#define ATTUNE_INITALL_H

namespace mlir {
class DialectRegistry;
class MLIRContext;

namespace attune {

/// Registers the attn dialect plus every upstream dialect and extension.
void registerAllDialects(DialectRegistry &registry);

/// Registers the LLVM IR translations of every dialect that has one (needed by
/// ExecutionEngine and gpu-module-to-binary).
void registerAllTranslations(DialectRegistry &registry);

/// Registers all upstream passes, Attune's passes and Attune's pipelines.
void registerAllPasses();

} // namespace attune
} // namespace mlir

#endif // ATTUNE_INITALL_H

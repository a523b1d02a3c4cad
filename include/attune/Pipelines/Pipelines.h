//===- Pipelines.h - Attune's named pass pipelines --------------*- C++ -*-===//
//
// Pipelines are library functions with option structs; they are registered
// for attune-opt (`attune-<target>-pipeline`) and reused by the other tools.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_PIPELINES_PIPELINES_H
#define ATTUNE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace attune {

/// Options of the reference CPU pipeline.
struct ReferenceCPUPipelineOptions
    : public PassPipelineOptions<ReferenceCPUPipelineOptions> {};

/// Lowers a module holding attn ops (on tensors, in functions) through the
/// reference lowering (convert-attn-to-linalg), bufferization and loops to the
/// LLVM dialect: slow, obviously right, the oracle for every fast path.
void buildReferenceCPUPipeline(OpPassManager &pm,
                               const ReferenceCPUPipelineOptions &options = {});

/// Registers `attune-reference-cpu-pipeline` (and later pipelines).
void registerPipelines();

} // namespace attune
} // namespace mlir

#endif // ATTUNE_PIPELINES_PIPELINES_H

//===- Passes.h - passes that leave the attn dialect ------------*- C++ -*-===//

#ifndef ATTUNE_CONVERSION_PASSES_H
#define ATTUNE_CONVERSION_PASSES_H

#include "attune/Conversion/AttnToLinalg/AttnToLinalg.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace attune {

#define GEN_PASS_DECL
#include "attune/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attune/Conversion/Passes.h.inc"

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_PASSES_H

//===- Passes.td - passes that leave the attn dialect ------*- tablegen -*-===//

#ifndef ATTUNE_CONVERSION_PASSES_TD
#define ATTUNE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

include "attune/Conversion/CPUPasses.td"
include "attune/Conversion/GPUPasses.td"

#endif // ATTUNE_CONVERSION_PASSES_TD

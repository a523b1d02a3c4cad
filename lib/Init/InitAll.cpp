//===- InitAll.cpp - register everything Attune provides ------------------===//

#include "attune/InitAll.h"

#include "attn/IR/AttnOps.h"
#include "attn/Transforms/Passes.h"
#include "attune/Conversion/Passes.h"
#include "attune/Pipelines/Pipelines.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::attune::registerAllDialects(DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<attn::AttnDialect>();
}

void mlir::attune::registerAllTranslations(DialectRegistry &registry) {
  mlir::registerAllToLLVMIRTranslations(registry);
}

void mlir::attune::registerAllPasses() {
  mlir::registerAllPasses();
  attn::registerAttnTransformsPasses();
  registerConversionPasses();
  registerPipelines();
}

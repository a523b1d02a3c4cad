//===- attune-opt.cpp - Attune's optimizer driver -------------------------===//
//
// mlir-opt with the attn dialect, Attune's passes and pipelines, and every
// upstream dialect, pass, extension and LLVM IR translation (so that upstream
// GPU-to-binary flows work from the same tool).
//
//===----------------------------------------------------------------------===//

#include "attune/InitAll.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::attune::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::attune::registerAllDialects(registry);
  mlir::attune::registerAllTranslations(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Attune optimizer driver\n", registry));
}

//===- attune-fuzz.cpp - libFuzzer target: parse + verify attn IR ---------===//
//
// Feeds arbitrary bytes to the MLIR parser with the attn dialect loaded, then
// verifies what parsed. Any input may be rejected with a diagnostic; none may
// crash, hang or trip a sanitizer. Run with `make fuzz`; the seed corpus in
// test/Fuzz/Inputs/corpus is replayed by the lit suite.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

// LLVM's bump allocators poison their slabs from header code inlined here but
// not in the uninstrumented libMLIR.so; manual poisoning would only give false
// reports, so turn it off. Real out-of-bounds accesses are still caught.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0:detect_leaks=0";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context per process: dialect loading dominates otherwise.
  static MLIRContext *context = [] {
    DialectRegistry registry;
    registry.insert<attn::AttnDialect, arith::ArithDialect, func::FuncDialect,
                    tensor::TensorDialect>();
    auto *ctx = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    ctx->loadAllAvailableDialects();
    return ctx;
  }();
  // Diagnostics are the expected outcome for most inputs: swallow them.
  ScopedDiagnosticHandler handler(context, [](Diagnostic &) {
    return success();
  });
  // The MLIR lexer expects a null-terminated buffer; libFuzzer's is not.
  std::string source(reinterpret_cast<const char *>(data), size);
  ParserConfig config(context, /*verifyAfterParse=*/true);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, config, "fuzz-input");
  if (module)
    (void)verify(*module);
  return 0;
}

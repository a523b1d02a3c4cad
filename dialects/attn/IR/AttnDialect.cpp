//===- AttnDialect.cpp - attn dialect -------------------------------------===//
//
// Registration of the attn dialect's operations and attributes.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnOps.h"

using namespace mlir;
using namespace mlir::attn;

#include "attn/IR/AttnDialect.cpp.inc"
#include "attn/IR/AttnEnums.cpp.inc"
#include "attn/IR/AttnInterfaces.cpp.inc"

void AttnDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "attn/IR/AttnOps.cpp.inc"
      >();
}

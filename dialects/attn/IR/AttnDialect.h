//===- AttnDialect.h - attn dialect, attributes, interface ------*- C++ -*-===//
//
// The attn dialect class, its enums and attributes, and the attention op
// interface.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_IR_ATTNDIALECT_H
#define ATTN_IR_ATTNDIALECT_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include <cmath>

#include "attn/IR/AttnDialect.h.inc"
#include "attn/IR/AttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/IR/AttnAttrs.h.inc"

#include "attn/IR/AttnInterfaces.h.inc"

#endif // ATTN_IR_ATTNDIALECT_H

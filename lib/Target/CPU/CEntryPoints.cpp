//===- CEntryPoints.cpp - C entry points of emitted CPU kernels -----------===//
//
// The lowered MLIR function takes every memref as an expanded descriptor
// (allocated and aligned pointer, offset, sizes, strides). Its C entry point
// takes plain pointers and the dynamic sizes, rejects NULL pointers and
// sizes outside [0, INT32_MAX] before any memory is touched, and builds the
// descriptors of contiguous row-major tensors:
//
//   int32_t name(T *arg0, ..., int64_t size0, ...) {
//     if (arg0 == NULL || ...) return ATTUNE_ERR_NULL_POINTER;
//     if (size0 < 0 || size0 > INT32_MAX || size0 != <a static extent of
//         the same size, if the module has one> || ...
//         || q_blocks * <query block rows> < q_len)  (block lists)
//       return ATTUNE_ERR_BAD_SIZE;
//     __attune_impl_name(arg0, arg0, 0, <sizes>, <strides>, ...);
//     return ATTUNE_OK;
//   }
//
//===----------------------------------------------------------------------===//

#include "attune/Target/CPU/KernelABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;

static LogicalResult addEntryPoint(OpBuilder &b, ModuleOp module,
                                   const KernelSignature &kernel) {
  Location loc = module.getLoc();
  MLIRContext *context = module.getContext();
  auto impl = module.lookupSymbol<LLVM::LLVMFuncOp>(implName(kernel.name));
  if (!impl)
    return module.emitError("attune-compile: lowered function ")
           << implName(kernel.name) << " not found";
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  size_t expected = 0;
  for (const KernelArgument &arg : kernel.arguments)
    expected += 3 + 2 * arg.staticShape.size();
  if (impl.getNumArguments() != expected)
    return impl.emitError("attune-compile: unexpected lowered signature (")
           << impl.getNumArguments() << " parameters, expected " << expected
           << ")";

  // Only the checked entry point is visible outside the object.
  impl.setLinkage(LLVM::Linkage::Internal);

  SmallVector<Type> params(kernel.arguments.size(), ptr);
  params.append(kernel.sizes.size(), i64);
  auto fn = LLVM::LLVMFuncOp::create(b, loc, kernel.name,
                                     LLVM::LLVMFunctionType::get(i32, params));
  Block *entry = fn.addEntryBlock(b);
  Block *nullPointer = b.createBlock(&fn.getBody());
  Block *checkSizes = b.createBlock(&fn.getBody());
  Block *badSize = b.createBlock(&fn.getBody());
  Block *call = b.createBlock(&fn.getBody());
  auto constant = [&](Type type, int64_t value) -> Value {
    return LLVM::ConstantOp::create(b, loc, type,
                                    b.getIntegerAttr(type, value));
  };
  auto returnStatus = [&](Block *block, int32_t status) {
    b.setInsertionPointToStart(block);
    LLVM::ReturnOp::create(b, loc, constant(i32, status));
  };
  returnStatus(nullPointer, kStatusNullPointer);
  returnStatus(badSize, kStatusBadSize);

  // Any NULL pointer?
  b.setInsertionPointToStart(entry);
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  Value anyNull = constant(b.getI1Type(), 0);
  for (size_t i = 0; i < kernel.arguments.size(); ++i)
    anyNull =
        LLVM::OrOp::create(b, loc, anyNull,
                           LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                                entry->getArgument(i), null));
  LLVM::CondBrOp::create(b, loc, anyNull, nullPointer, checkSizes);

  // Any size outside [0, INT32_MAX]? (Unsigned compare catches negatives.)
  b.setInsertionPointToStart(checkSizes);
  Value anyBad = constant(b.getI1Type(), 0);
  Value limit = constant(i64, std::numeric_limits<int32_t>::max());
  for (size_t s = 0; s < kernel.sizes.size(); ++s) {
    Value size = entry->getArgument(kernel.arguments.size() + s);
    anyBad = LLVM::OrOp::create(
        b, loc, anyBad,
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ugt, size, limit));
    // A size that a static extent elsewhere in the module fixes.
    if (kernel.fixedSizes[s] >= 0)
      anyBad = LLVM::OrOp::create(
          b, loc, anyBad,
          LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, size,
                               constant(i64, kernel.fixedSizes[s])));
  }
  // Block lists too short for the queries.
  auto extent = [&](const KernelExtent &e) -> Value {
    return e.size >= 0 ? entry->getArgument(kernel.arguments.size() + e.size)
                       : constant(i64, e.value);
  };
  for (const BlockCoverage &c : kernel.coverage) {
    Value covered =
        LLVM::MulOp::create(b, loc, extent(c.blocks), constant(i64, c.rows));
    anyBad = LLVM::OrOp::create(
        b, loc, anyBad,
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, covered,
                             extent(c.length)));
  }
  LLVM::CondBrOp::create(b, loc, anyBad, badSize, call);

  // Descriptors of contiguous row-major tensors.
  b.setInsertionPointToStart(call);
  SmallVector<Value> operands;
  for (auto [i, arg] : llvm::enumerate(kernel.arguments)) {
    Value base = entry->getArgument(i);
    SmallVector<Value> sizes;
    for (auto [d, size] : llvm::enumerate(arg.staticShape))
      sizes.push_back(
          arg.sizeOf[d] >= 0
              ? entry->getArgument(kernel.arguments.size() + arg.sizeOf[d])
              : constant(i64, size));
    SmallVector<Value> strides(sizes.size());
    Value stride = constant(i64, 1);
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      strides[d] = stride;
      stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
    }
    operands.append({base, base, constant(i64, 0)});
    llvm::append_range(operands, sizes);
    llvm::append_range(operands, strides);
  }
  LLVM::CallOp::create(b, loc, impl, operands);
  LLVM::ReturnOp::create(b, loc, constant(i32, kStatusOk));
  return success();
}

LogicalResult attune::addCEntryPoints(ModuleOp module,
                                      ArrayRef<KernelSignature> kernels) {
  OpBuilder b(module.getContext());
  for (const KernelSignature &kernel : kernels) {
    b.setInsertionPointToEnd(module.getBody());
    if (failed(addEntryPoint(b, module, kernel)))
      return failure();
  }
  return success();
}

//===- WarpgroupOps.cpp - warpgroup-level pieces of the sm_90a kernel -----===//

#include "WarpgroupOps.h"

#include "attune/Conversion/AttnToGPU/WgmmaRegisterA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attune::detail;

WarpgroupOps::WarpgroupOps(OpBuilder &b, Location loc, Type elem, Value shared)
    : b(b), loc(loc), elem(elem) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared);
  base = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), address);
}

WarpgroupOps::Step WarpgroupOps::step(SharedLayout layout, int64_t rows,
                                      int64_t k, bool nMajor) {
  if (layout == SharedLayout::Swizzled128) {
    // K-major: 4 k-steps of 32 bytes per 128-byte row, then the next
    // 64-column block; atoms 1024 bytes apart along M / N, the leading
    // offset unused (1). N-major: 16 rows (2048 bytes) per k-step; atoms
    // 1024 bytes apart along K, 64-column blocks rows * 128 along N.
    if (nMajor)
      return {k * 2048, rows * 128, 1024};
    return {k / 4 * rows * 128 + k % 4 * 32, 16, 1024};
  }
  // Core matrices: a k-step is two columns of core matrices (K-major, each
  // rows * 16 bytes) or two rows of them (N-major, 128 bytes each).
  if (nMajor)
    return {k * 256, 128, rows * 16};
  return {k * 2 * rows * 16, rows * 16, 128};
}

Value WarpgroupOps::descriptor(Value tile, int64_t offset, int64_t leading,
                               int64_t stride, bool swizzled) {
  Type i32 = b.getI32Type();
  auto c32 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  assert(offset % 16 == 0 && leading % 16 == 0 && stride % 16 == 0 &&
         leading < (1 << 18) && stride < (1 << 18) &&
         "a descriptor's offsets are 14-bit / 16");
  // Bits 0-13: address bits 4-17 (the shared window is 2^18 bytes); 16-29:
  // the leading byte offset / 16; 32-45: the stride byte offset / 16; base
  // offset (49-51) 0 (atoms are 1024-byte aligned); 62-63 the layout: 0 no
  // swizzle, 1 the 128-byte swizzle. In 32-bit halves, the upper one a
  // constant. The operand lies inside the window, so the k-step's offset
  // added to the start field does not carry into the leading offset.
  Value address =
      arith::AddIOp::create(b, loc, arith::TruncIOp::create(b, loc, i32, base),
                            arith::IndexCastUIOp::create(b, loc, i32, tile));
  Value start = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, address, c32(0x3ffff)), c32(4));
  Value low = arith::OrIOp::create(b, loc, start, c32((leading >> 4) << 16));
  if (offset)
    low = arith::AddIOp::create(b, loc, low, c32(offset >> 4));
  int64_t high = stride >> 4 | (swizzled ? int64_t(1) << 30 : 0);
  Type i64 = b.getI64Type();
  return arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, low),
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(high << 32)));
}

void WarpgroupOps::fence() { NVVM::WgmmaFenceAlignedOp::create(b, loc); }

void WarpgroupOps::mma(MutableArrayRef<Value> acc, bool accumulate, Value descA,
                       Value descB, bool transposeB) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  int64_t n = static_cast<int64_t>(acc.size()) * 2;
  auto type =
      LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(acc.size(), f32));
  Value in = LLVM::PoisonOp::create(b, loc, type);
  if (accumulate)
    for (auto [i, value] : llvm::enumerate(acc))
      in = LLVM::InsertValueOp::create(b, loc, in, value,
                                       ArrayRef<int64_t>{int64_t(i)});
  auto wgmmaType =
      elem.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  auto op = NVVM::WgmmaMmaAsyncOp::create(
      b, loc, type, in, descA, descB,
      NVVM::MMAShapeAttr::get(ctx, kWarpgroupRows, n, 16),
      NVVM::WGMMATypesAttr::get(ctx, wgmmaType),
      NVVM::WGMMATypesAttr::get(ctx, wgmmaType),
      NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::f32),
      NVVM::WGMMAScaleOutAttr::get(ctx, accumulate ? NVVM::WGMMAScaleOut::one
                                                   : NVVM::WGMMAScaleOut::zero),
      NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
      NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one),
      NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row),
      NVVM::MMALayoutAttr::get(ctx, transposeB ? NVVM::MMALayout::row
                                               : NVVM::MMALayout::col),
      NVVM::MMAIntOverflowAttr());
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i)
    acc[i] = LLVM::ExtractValueOp::create(b, loc, op.getResults(),
                                          ArrayRef<int64_t>{i});
}

void WarpgroupOps::mmaRegisterA(MutableArrayRef<Value> acc, ValueRange a,
                                Value descB, bool transposeB) {
  WgmmaRegisterA form{static_cast<int64_t>(acc.size()) * 2, elem.isBF16(),
                      transposeB};
  Value one = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(1));
  LLVM::InlineAsmOp op = form.build(b, loc, acc, a, descB, one);
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i)
    acc[i] = LLVM::ExtractValueOp::create(b, loc, op.getResult(0),
                                          ArrayRef<int64_t>{i});
}

void WarpgroupOps::commit() { NVVM::WgmmaGroupSyncAlignedOp::create(b, loc); }

void WarpgroupOps::wait(int64_t pending) {
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, pending);
}

void WarpgroupOps::proxyFence() {
  MLIRContext *ctx = b.getContext();
  NVVM::FenceProxyOp::create(
      b, loc, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
      NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
}

WarpgroupTurns::WarpgroupTurns(OpBuilder &b, Location loc, Value tid,
                               int64_t warpgroups, int64_t firstBarrier)
    : b(b), loc(loc), warpgroups(warpgroups), firstBarrier(firstBarrier) {
  warpgroup = arith::IndexCastOp::create(
      b, loc, b.getI32Type(),
      arith::DivUIOp::create(
          b, loc, tid,
          arith::ConstantIndexOp::create(b, loc, kWarpgroupThreads)));
  own = arith::AddIOp::create(b, loc, warpgroup, i32(firstBarrier));
  next = arith::AddIOp::create(
      b, loc,
      arith::RemUIOp::create(b, loc,
                             arith::AddIOp::create(b, loc, warpgroup, i32(1)),
                             i32(warpgroups)),
      i32(firstBarrier));
}

Value WarpgroupTurns::i32(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

void WarpgroupTurns::start() {
  auto last =
      scf::IfOp::create(b, loc,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              warpgroup, i32(warpgroups - 1)),
                        false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(last.thenBlock());
  NVVM::BarrierArriveOp::create(b, loc, i32(firstBarrier),
                                i32(2 * kWarpgroupThreads));
}

void WarpgroupTurns::take() {
  NVVM::BarrierOp::create(b, loc, TypeRange{}, own, i32(2 * kWarpgroupThreads),
                          NVVM::BarrierReductionAttr(), Value());
}

void WarpgroupTurns::pass() {
  NVVM::BarrierArriveOp::create(b, loc, next, i32(2 * kWarpgroupThreads));
}

//===- TmaTiles.cpp - K and V tiles through the TMA (sm_90a) --------------===//

#include "TmaTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attune::detail;

namespace {
/// NVVM's address spaces of shared memory: the CTA's window and the
/// cluster's (a CTA address is a valid cluster address of the same CTA).
constexpr unsigned kSharedCta = 3, kSharedCluster = 7;
/// The mbarrier's suspend-time hint for try_wait (ns).
constexpr int64_t kWaitHintNs = 10000000;
} // namespace

TmaTiles::TmaTiles(OpBuilder &b, Location loc, const SharedTiles &tiles,
                   Value shared, Value keyMap, Value valueMap, Value headRow,
                   int64_t threads)
    : b(b), loc(loc), tiles(tiles), keyMap(keyMap), valueMap(valueMap),
      headRow(headRow), threads(threads) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared);
  base = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), address);
}

Value TmaTiles::i32(int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}
Value TmaTiles::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value TmaTiles::sharedPointer(Value offset, unsigned space) {
  Value address = arith::AddIOp::create(
      b, loc, base,
      arith::IndexCastUIOp::create(b, loc, b.getI64Type(), offset));
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext(), space), address);
}

Value TmaTiles::barrier(int64_t which, Value buffer) {
  Value offset = arith::AddIOp::create(
      b, loc, index(tiles.barrierOffset() + which * tiles.stages * 8),
      arith::MulIOp::create(b, loc, buffer, index(8)));
  return sharedPointer(offset, kSharedCta);
}

void TmaTiles::initBarriers() {
  for (int64_t i = 0; i < 3 * tiles.stages; ++i)
    NVVM::MBarrierInitOp::create(
        b, loc, sharedPointer(index(tiles.barrierOffset() + 8 * i), kSharedCta),
        i32(i < 2 * tiles.stages ? 1 : threads), Value());
  NVVM::FenceMbarrierInitOp::create(b, loc);
}

void TmaTiles::load(Value map, int64_t tileOffset, int64_t tileBytes,
                    int64_t columns, Value buffer, Value first, Value bar) {
  Type i32Type = b.getI32Type();
  Value bufferStart = arith::AddIOp::create(
      b, loc, index(tileOffset),
      arith::MulIOp::create(b, loc, buffer, index(tileBytes)));
  Value key = arith::IndexCastOp::create(b, loc, i32Type, first);
  Value head = arith::IndexCastOp::create(b, loc, i32Type, headRow);
  // Box c: head-dim columns [64c, 64c + 64) of the tile's keys, one column
  // block of the 128-byte swizzle (kvTile * 128 bytes).
  for (int64_t c = 0; c < columns / 64; ++c) {
    Value dst =
        sharedPointer(arith::AddIOp::create(b, loc, bufferStart,
                                            index(c * tiles.kvTile * 128)),
                      kSharedCluster);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, loc, dst, map, ValueRange{i32(64 * c), key, head}, bar,
        /*im2colOffsets=*/ValueRange{}, /*multicastMask=*/Value(),
        /*l2CacheHint=*/Value(), NVVM::TMALoadMode::TILE,
        /*isCTAOnly=*/false, NVVM::CTAGroupKindAttr(), /*predicate=*/Value());
  }
}

void TmaTiles::issue(Value copy, Value first, Value buffer) {
  Value keys = barrier(0, buffer), values = barrier(1, buffer);
  auto expect = [&](Value bar, int64_t bytes) {
    Value count = arith::SelectOp::create(b, loc, copy, i32(bytes), i32(0));
    NVVM::MBarrierArriveExpectTxOp::create(b, loc, Type(), bar, count,
                                           NVVM::MemScopeKind::CTA,
                                           /*relaxed=*/false, Value());
  };
  // Expected bytes first: the phase cannot complete before the arrival.
  expect(keys, tiles.kBytes);
  expect(values, tiles.vBytes);
  auto ifCopy = scf::IfOp::create(b, loc, copy, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifCopy.thenBlock());
  load(keyMap, tiles.kOffset(), tiles.kBytes, tiles.headCols, buffer, first,
       keys);
  load(valueMap, tiles.vOffset(), tiles.vBytes, tiles.valueCols, buffer, first,
       values);
}

void TmaTiles::wait(int64_t which, Value buffer, Value parity) {
  NVVM::MBarrierTryWaitParityOp::create(b, loc, barrier(which, buffer), parity,
                                        i32(kWaitHintNs));
}

void TmaTiles::waitKeys(Value buffer, Value parity) { wait(0, buffer, parity); }

void TmaTiles::waitValues(Value buffer, Value parity) {
  wait(1, buffer, parity);
}

void TmaTiles::release(Value buffer) {
  NVVM::MBarrierArriveOp::create(b, loc, Type(), barrier(2, buffer), Value(),
                                 NVVM::MemScopeKind::CTA, /*relaxed=*/false);
}

void TmaTiles::waitReleased(Value buffer, Value parity) {
  wait(2, buffer, parity);
}

//===- TileProducts.cpp - the GPU kernel's two products per key tile ------===//

#include "TileProducts.h"

#include "GPUKernel.h"
#include "WarpgroupOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

SharedTiles SharedTiles::get(const GPUTiling &tiling, int64_t headDim,
                             int64_t valueDim) {
  SharedTiles t;
  t.rows = tiling.warps * kWarpRows;
  t.kvTile = tiling.kvTile;
  t.headPad = t.headCols = llvm::alignTo(headDim, 16);
  t.valuePad = t.valueCols = llvm::alignTo(valueDim, 16);
  if (tiling.mma == GPUMma::Wgmma) {
    // The TMA's boxes are 64 columns wide, swizzled; cp.async fills core
    // matrices.
    t.layout =
        tiling.tma ? SharedLayout::Swizzled128 : SharedLayout::CoreMatrices;
    if (tiling.tma) {
      t.headCols = llvm::alignTo(headDim, 64);
      t.valueCols = llvm::alignTo(valueDim, 64);
    }
    t.qBytes = t.rows * t.headCols * 2;
    t.kBytes = t.kvTile * t.headCols * 2;
    t.vBytes = t.kvTile * t.valueCols * 2;
  } else {
    t.layout = SharedLayout::PaddedRows;
    t.qBytes = t.rows * (t.headPad + kPad) * 2;
    t.kBytes = t.kvTile * (t.headPad + kPad) * 2;
    t.vBytes = t.kvTile * (t.valuePad + kPad) * 2;
  }
  t.stages = tiling.tma ? tiling.stages : 2;
  t.barrierBytes = tiling.tma ? 3 * t.stages * 8 : 0;
  t.alignment = t.layout == SharedLayout::Swizzled128 ? 1024 : 16;
  return t;
}

Value SharedTiles::place(OpBuilder &b, Location loc, Value dynamic) const {
  auto cIdx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  if (alignment <= 16)
    return dynamic;
  // (-address) mod alignment: the bytes up to the next aligned address.
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamic);
  Value shift = arith::AndIOp::create(
      b, loc, arith::SubIOp::create(b, loc, cIdx(0), address),
      cIdx(alignment - 1));
  return memref::ViewOp::create(b, loc, dynamic.getType(), dynamic, shift,
                                ValueRange{cIdx(usedBytes())});
}

SmallVector<Value> TileProducts::issueScores(Value) {
  llvm_unreachable("the overlap is wgmma's");
}
SmallVector<Value> TileProducts::packProbabilities(Value) {
  llvm_unreachable("the overlap is wgmma's");
}
void TileProducts::issueAccumulate(Value, ArrayRef<Value>,
                                   MutableArrayRef<Value>) {
  llvm_unreachable("the overlap is wgmma's");
}
void TileProducts::waitProducts(int64_t) {
  llvm_unreachable("the overlap is wgmma's");
}

Value TileProducts::cIdx(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value TileProducts::addC(Value x, int64_t c) {
  return c ? arith::AddIOp::create(b, loc, x, cIdx(c)).getResult() : x;
}
Value TileProducts::mulC(Value x, int64_t c) {
  return c == 1 ? x : arith::MulIOp::create(b, loc, x, cIdx(c)).getResult();
}
Value TileProducts::packPair(Value p, int64_t i) {
  auto at = [&](int64_t j) {
    return vector::ExtractOp::create(b, loc, p, ArrayRef<int64_t>{j});
  };
  Value two = vector::FromElementsOp::create(
      b, loc, VectorType::get({2}, b.getF32Type()),
      ValueRange{at(i), at(i + 1)});
  return arith::TruncFOp::create(b, loc, VectorType::get({2}, elem), two);
}

namespace {
/// A view of `shape` elements of `type` at byte `offset` of `shared`.
Value sharedView(OpBuilder &b, Location loc, Value shared,
                 ArrayRef<int64_t> shape, Type type, int64_t offset) {
  auto space = cast<MemRefType>(shared.getType()).getMemorySpace();
  return memref::ViewOp::create(
      b, loc, MemRefType::get(shape, type, nullptr, space), shared,
      arith::ConstantIndexOp::create(b, loc, offset), ValueRange{});
}

//===----------------------------------------------------------------------===//
// mma.sync
//===----------------------------------------------------------------------===//

/// Q, K and V rows padded by 16 bytes; every operand through ldmatrix x4
/// (V with .trans). Q fragments stay in registers up to D = 128 (32
/// registers); wider heads reload them from shared memory at every k-step,
/// or the accumulators would spill. P never leaves the registers: two score
/// slices packed to 16 bits are the A operand of a P V k-step.
class SyncProducts : public TileProducts {
public:
  SyncProducts(OpBuilder &b, Location loc, Type elem, const SharedTiles &tiles,
               Value shared, const LaneIds &lanes, WarpOps &warpOps)
      : TileProducts(b, loc, elem, tiles, lanes), warpOps(warpOps) {
    int64_t kPitch = tiles.headPad + kPad, vPitch = tiles.valuePad + kPad;
    q = sharedView(b, loc, shared, {tiles.rows, kPitch}, elem, 0);
    k = sharedView(b, loc, shared, {2, tiles.kvTile, kPitch}, elem,
                   tiles.kOffset());
    v = sharedView(b, loc, shared, {2, tiles.kvTile, vPitch}, elem,
                   tiles.vOffset());
    // ldmatrix x4: lane l gives the address of row l % 8 of matrix l / 8.
    Value lane = lanes.lane;
    laneRow = arith::RemUIOp::create(b, loc, lane, cIdx(16));
    laneHalf = mulC(arith::DivUIOp::create(b, loc, lane, cIdx(16)), 8);
    laneEighth = arith::RemUIOp::create(b, loc, lane, cIdx(8));
    laneOddEight = mulC(
        arith::RemUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, lane, cIdx(8)), cIdx(2)),
        8);
  }

  void loadQuery() override {
    queryInRegisters = tiles.headPad <= 128;
    for (int64_t ks = 0; queryInRegisters && ks < tiles.headPad / 16; ++ks)
      queryFragments.push_back(queryStep(ks));
  }

  SmallVector<Value> scores(Value buffer) override {
    // Each x4 load of K gives two 8-key slices of a 16-wide k-step.
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    SmallVector<Value> s(tiles.kvTile / 2, zero);
    for (int64_t jp = 0; jp < tiles.kvTile / 16; ++jp)
      for (int64_t ks = 0; ks < tiles.headPad / 16; ++ks) {
        Value keyRow =
            arith::AddIOp::create(b, loc, addC(laneHalf, jp * 16), laneEighth);
        auto kRegs = warpOps.loadMatrices(
            k, ValueRange{buffer, keyRow, addC(laneOddEight, ks * 16)}, false);
        SmallVector<Value, 4> query =
            queryInRegisters ? queryFragments[ks] : queryStep(ks);
        warpOps.mma(query, {kRegs[0], kRegs[1]},
                    MutableArrayRef<Value>(s).slice(2 * jp * 4, 4));
        warpOps.mma(query, {kRegs[2], kRegs[3]},
                    MutableArrayRef<Value>(s).slice((2 * jp + 1) * 4, 4));
      }
    return s;
  }

  void accumulate(Value buffer, Value p, MutableArrayRef<Value> o) override {
    // P's slices 2kk and 2kk + 1 form the A operand of k-step kk.
    auto pair = [&](int64_t i) { return warpOps.mmaRegister(packPair(p, i)); };
    for (int64_t kk = 0; kk < tiles.kvTile / 16; ++kk) {
      SmallVector<Value, 4> a = {pair(2 * kk * 4), pair(2 * kk * 4 + 2),
                                 pair((2 * kk + 1) * 4),
                                 pair((2 * kk + 1) * 4 + 2)};
      Value valueRow = arith::AddIOp::create(
          b, loc, addC(laneOddEight, kk * 16), laneEighth);
      for (int64_t np = 0; np < tiles.valuePad / 16; ++np) {
        auto vRegs = warpOps.loadMatrices(
            v, ValueRange{buffer, valueRow, addC(laneHalf, np * 16)}, true);
        warpOps.mma(a, {vRegs[0], vRegs[1]}, o.slice(2 * np * 4, 4));
        warpOps.mma(a, {vRegs[2], vRegs[3]}, o.slice((2 * np + 1) * 4, 4));
      }
    }
  }

private:
  /// The warp's Q fragments of k-step ks.
  SmallVector<Value, 4> queryStep(int64_t ks) {
    Value warpRow =
        arith::AddIOp::create(b, loc, mulC(lanes.warp, kWarpRows), laneRow);
    return warpOps.loadMatrices(q, ValueRange{warpRow, addC(laneHalf, ks * 16)},
                                false);
  }

  WarpOps &warpOps;
  Value laneRow, laneHalf, laneEighth, laneOddEight;
  bool queryInRegisters = false;
  SmallVector<SmallVector<Value, 4>> queryFragments;
};

//===----------------------------------------------------------------------===//
// wgmma
//===----------------------------------------------------------------------===//

/// Q, K and V in unpadded core matrices (cp.async) or 128-byte swizzled
/// rows (the TMA's boxes); warpgroup w's S wgmmas read rows [64w, 64w + 64)
/// of Q and all of K (both K-major), a descriptor per k-step; its P V
/// wgmmas take P from registers (the A fragment FlashAttention-3 keeps it
/// in: WgmmaRegisterA) and V N-major (its keys are the K dimension).
class WgmmaProducts : public TileProducts {
public:
  WgmmaProducts(OpBuilder &b, Location loc, Type elem, const SharedTiles &tiles,
                Value shared, const LaneIds &lanes)
      : TileProducts(b, loc, elem, tiles, lanes),
        warpgroup(b, loc, elem, shared),
        swizzled(tiles.layout == SharedLayout::Swizzled128) {
    // Core matrices [C / 8][R / 8][8][8]; swizzled [C / 64][R][8][8] (the
    // chunk index permuted by the writer).
    auto shape = [&](int64_t rows, int64_t cols) {
      return swizzled ? SmallVector<int64_t>{cols / 64, rows, 8, 8}
                      : SmallVector<int64_t>{cols / 8, rows / 8, 8, 8};
    };
    auto buffered = [&](SmallVector<int64_t> shape) {
      shape.insert(shape.begin(), tiles.stages);
      return shape;
    };
    q = sharedView(b, loc, shared, shape(tiles.rows, tiles.headCols), elem, 0);
    k = sharedView(b, loc, shared,
                   buffered(shape(tiles.kvTile, tiles.headCols)), elem,
                   tiles.kOffset());
    v = sharedView(b, loc, shared,
                   buffered(shape(tiles.kvTile, tiles.valueCols)), elem,
                   tiles.vOffset());
    // The byte offset of this warpgroup's first row in Q. The warpgroup's
    // index comes from lane 0 (the same value): ptxas then sees it uniform
    // across the warp and keeps Q's descriptors in uniform registers, a
    // k-step's one add away, instead of moving them there before each
    // wgmma (CUTLASS's canonical_warp_group_idx does the same).
    Value index32 = arith::IndexCastUIOp::create(
        b, loc, b.getI32Type(),
        arith::DivUIOp::create(b, loc, lanes.warp, cIdx(4)));
    Value uniform =
        gpu::ShuffleOp::create(
            b, loc, index32,
            arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
            arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(32)),
            gpu::ShuffleMode::IDX)
            .getShuffleResult();
    warpgroupOffset =
        mulC(arith::IndexCastUIOp::create(b, loc, b.getIndexType(), uniform),
             swizzled ? kWarpgroupRows * 128 : kWarpgroupRows / 8 * 128);
  }

  void copiesLanded() override { warpgroup.proxyFence(); }

  SmallVector<Value> scores(Value buffer) override {
    SmallVector<Value> s = issueScores(buffer);
    warpgroup.wait(0);
    return s;
  }

  SmallVector<Value> issueScores(Value buffer) override {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    SmallVector<Value> s(tiles.kvTile / 2, zero);
    Value keys = addC(mulC(buffer, tiles.kBytes), tiles.kOffset());
    warpgroup.fence();
    for (int64_t k = 0; k < tiles.headPad / 16; ++k)
      warpgroup.mma(s, /*accumulate=*/k > 0,
                    descriptor(warpgroupOffset, tiles.rows, k, false),
                    descriptor(keys, tiles.kvTile, k, false),
                    /*transposeB=*/false);
    warpgroup.commit();
    return s;
  }

  void accumulate(Value buffer, Value p, MutableArrayRef<Value> o) override {
    issueAccumulate(buffer, packProbabilities(p), o);
    warpgroup.wait(0);
  }

  SmallVector<Value> packProbabilities(Value p) override {
    // P stays in registers: as with mma.sync, its slices 2kk and 2kk + 1,
    // packed to 16-bit pairs, are k-step kk's A fragment (rows g and g + 8
    // of the warp's 16, keys 2t, 2t + 1 and 8 on).
    auto pair = [&](int64_t i) {
      return LLVM::BitcastOp::create(b, loc, b.getI32Type(), packPair(p, i))
          .getResult();
    };
    SmallVector<Value> a;
    for (int64_t kk = 0; kk < tiles.kvTile / 16; ++kk)
      a.append(
          {pair(8 * kk), pair(8 * kk + 2), pair(8 * kk + 4), pair(8 * kk + 6)});
    return a;
  }

  void issueAccumulate(Value buffer, ArrayRef<Value> a,
                       MutableArrayRef<Value> o) override {
    Value values = addC(mulC(buffer, tiles.vBytes), tiles.vOffset());
    warpgroup.fence();
    for (int64_t kk = 0; kk < tiles.kvTile / 16; ++kk)
      warpgroup.mmaRegisterA(o, a.slice(4 * kk, 4),
                             descriptor(values, tiles.kvTile, kk,
                                        /*nMajor=*/true),
                             /*transposeB=*/true);
    warpgroup.commit();
  }

  void waitProducts(int64_t pending) override { warpgroup.wait(pending); }

private:
  /// The descriptor of k-step `k` of a `rows`-row tile at byte `tile`,
  /// read K-major or (`nMajor`) with its rows as K.
  Value descriptor(Value tile, int64_t rows, int64_t k, bool nMajor) {
    WarpgroupOps::Step step = WarpgroupOps::step(tiles.layout, rows, k, nMajor);
    return warpgroup.descriptor(tile, step.offset, step.leading, step.stride,
                                swizzled);
  }

  WarpgroupOps warpgroup;
  bool swizzled;
  Value warpgroupOffset;
};
} // namespace

std::unique_ptr<TileProducts>
TileProducts::create(OpBuilder &b, Location loc, Type elem,
                     const SharedTiles &tiles, Value shared,
                     const LaneIds &lanes, WarpOps &warpOps) {
  if (tiles.layout != SharedLayout::PaddedRows)
    return std::make_unique<WgmmaProducts>(b, loc, elem, tiles, shared, lanes);
  return std::make_unique<SyncProducts>(b, loc, elem, tiles, shared, lanes,
                                        warpOps);
}

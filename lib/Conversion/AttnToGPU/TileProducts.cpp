//===- TileProducts.cpp - the GPU kernel's two products per key tile ------===//

#include "TileProducts.h"

#include "GPUKernel.h"
#include "WarpgroupOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
    t.pBytes = t.rows * llvm::alignTo(t.kvTile, tiling.tma ? 64 : 8) * 2;
  } else {
    t.layout = SharedLayout::PaddedRows;
    t.qBytes = t.rows * (t.headPad + kPad) * 2;
    t.kBytes = t.kvTile * (t.headPad + kPad) * 2;
    t.vBytes = t.kvTile * (t.valuePad + kPad) * 2;
    t.pBytes = 0;
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

/// Q, K, V and P in unpadded core matrices (cp.async) or 128-byte swizzled
/// rows (the TMA's boxes); warpgroup w's wgmmas read rows [64w, 64w + 64) of
/// Q and P (K-major) and all of K (K-major) and V (N-major: its keys are the
/// K dimension), a descriptor per k-step. The NVVM op takes A only from
/// shared memory, so P goes there (one 32-bit store per pair of 16-bit
/// values, conflict-free) instead of staying in registers.
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
    // P as pairs of 16-bit values.
    SmallVector<int64_t> pShape =
        shape(tiles.rows, tiles.pBytes / tiles.rows / 2);
    pShape.back() = 4;
    pairs = sharedView(b, loc, shared, pShape, b.getI32Type(), tiles.pOffset());
    // This warpgroup, and the byte offset of its first row in Q and P.
    warpgroupIndex = arith::DivUIOp::create(b, loc, lanes.warp, cIdx(4));
    warpgroupOffset = mulC(warpgroupIndex, swizzled ? kWarpgroupRows * 128
                                                    : kWarpgroupRows / 8 * 128);
  }

  void copiesLanded() override { warpgroup.proxyFence(); }

  SmallVector<Value> scores(Value buffer) override {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    SmallVector<Value> s(tiles.kvTile / 2, zero);
    product(s, /*accumulate=*/false, warpgroupOffset,
            addC(mulC(buffer, tiles.kBytes), tiles.kOffset()), tiles.kvTile,
            /*transposeB=*/false, tiles.headPad / 16);
    return s;
  }

  void accumulate(Value buffer, Value p, MutableArrayRef<Value> o) override {
    // P to shared memory (rows g, g + 8 of the warp's 16, columns 2t,
    // 2t + 1 of each 8-key slice), visible to the async proxy and to the
    // warpgroup (its own named barrier: a warpgroup reads only its rows)
    // before its wgmmas read it.
    for (int64_t j = 0; j < tiles.kvTile / 8; ++j)
      for (int64_t r = 0; r < 2; ++r) {
        Value packed = LLVM::BitcastOp::create(b, loc, b.getI32Type(),
                                               packPair(p, j * 4 + 2 * r));
        // Row 16 warp + 8 r + g, keys 8 j + 2 t: swizzled, its chunk j % 8
        // goes to j % 8 ^ g (the row modulo 8).
        SmallVector<Value, 4> at =
            swizzled
                ? SmallVector<Value, 4>{cIdx(j / 8),
                                        addC(add(mulC(lanes.warp, 16),
                                                 lanes.group),
                                             8 * r),
                                        arith::XOrIOp::create(
                                            b, loc, cIdx(j % 8), lanes.group),
                                        lanes.quad}
                : SmallVector<Value, 4>{cIdx(j), addC(mulC(lanes.warp, 2), r),
                                        lanes.group, lanes.quad};
        memref::StoreOp::create(b, loc, packed, pairs, at);
      }
    warpgroup.proxyFence();
    warpgroup.barrier(warpgroupIndex);
    product(o, /*accumulate=*/true, addC(warpgroupOffset, tiles.pOffset()),
            addC(mulC(buffer, tiles.vBytes), tiles.vOffset()), tiles.kvTile,
            /*transposeB=*/true, tiles.kvTile / 16);
  }

private:
  /// One batch of `steps` wgmmas (k-steps of 16): acc = A B, plus acc when
  /// `accumulate`. A: this warpgroup's rows at byte `a` of shared memory, a
  /// tile of tiles.rows rows read K-major (Q, P); B: at byte `bTile`, a tile
  /// of `bRows` rows read K-major (K) or, `transposeB`, N-major with its
  /// rows as K (V).
  void product(MutableArrayRef<Value> acc, bool accumulate, Value a,
               Value bTile, int64_t bRows, bool transposeB, int64_t steps) {
    auto descriptor = [&](Value tile, int64_t rows, int64_t k, bool nMajor) {
      WarpgroupOps::Step step =
          WarpgroupOps::step(tiles.layout, rows, k, nMajor);
      return warpgroup.descriptor(addC(tile, step.offset), step.leading,
                                  step.stride, swizzled);
    };
    warpgroup.fence();
    for (int64_t k = 0; k < steps; ++k)
      warpgroup.mma(acc, accumulate || k > 0,
                    descriptor(a, tiles.rows, k, false),
                    descriptor(bTile, bRows, k, transposeB), transposeB);
    warpgroup.commitAndWait();
  }

  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }

  WarpgroupOps warpgroup;
  bool swizzled;
  Value pairs, warpgroupIndex, warpgroupOffset;
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

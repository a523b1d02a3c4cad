//===- FusedEmitter.h - the fused CPU loop nest of attn.attention -*- C++ -*-===//
//
// Private to lib/Conversion/AttnToCPU: FusedEmitter.cpp builds the tiled
// online-softmax loop nest, MicroKernels.cpp the products inside it.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOCPU_FUSEDEMITTER_H
#define ATTUNE_LIB_CONVERSION_ATTNTOCPU_FUSEDEMITTER_H

#include "attune/Conversion/AttnToCPU/AttnToCPU.h"
#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <tuple>

namespace mlir {
namespace attune {
namespace detail {

/// Emits the fused loop nest of one attn.attention for one query tile height.
class FusedEmitter {
public:
  FusedEmitter(OpBuilder &b, Location loc, attn::AttentionOp op,
               const TileSemantics &sem, const FusedCPUTiling &tiling)
      : b(b), loc(loc), op(op), sem(sem), tiling(tiling) {}

  /// Buffers and sizes, set by the pattern before emitQueryTiles.
  Value q, k, v, out, lse, slopes, temperature, bias;
  /// kv_lengths (i32 [B]) of a ragged batch, when the op has them.
  Value kvLengths;
  /// Block-sparse lists (i32 buffers), when the op has them.
  struct {
    Value counts, indices, fullCounts, fullIndices;
  } blockLists;
  Value batch, qLen, kvLen;
  /// Lk of the layout (kvLen may be a ragged row's count inside a row).
  Value kvExtent;

  /// scf.parallel over (batch, unit, query tile) with `tileRows` rows per tile.
  void emitQueryTiles(int64_t tileRows);
  /// scf.parallel over (batch, unit), at most `maxRows` rows per unit, keys
  /// in lanes (RowKernel.cpp).
  void emitRowTiles(int64_t maxRows);

private:
  /// Within one batch row's loop body: `kvLen` reads that row's key count,
  /// clamp(kv_lengths[b], 0, Lk), so that key tiles, masks, ALiBi and the
  /// sigmoid bias all see the ragged row as it is. Restores `kvLen` after.
  class RowKeys {
  public:
    RowKeys(FusedEmitter &e, Value bi) : e(e), all(e.kvLen) {
      if (!e.kvLengths)
        return;
      Value n = memref::LoadOp::create(e.b, e.loc, e.kvLengths, ValueRange{bi});
      e.kvLen = TileSemantics::rowKeyCount(e.b, e.loc, n, all);
    }
    ~RowKeys() { e.kvLen = all; }

  private:
    FusedEmitter &e;
    Value all;
  };

  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cF32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value splatF32(float v) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(rowType, b.getF32FloatAttr(v)));
  }
  Value bcast(Value scalar) {
    return vector::BroadcastOp::create(b, loc, rowType, scalar);
  }
  Value toF32(Value x) {
    if (x.getType().isF32())
      return x;
    return arith::ExtFOp::create(b, loc, b.getF32Type(), x);
  }
  Value minIdx(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value scratch(ArrayRef<int64_t> shape, Type element = {}) {
    return memref::AllocaOp::create(
        b, loc, MemRefType::get(shape, element ? element : b.getF32Type()),
        b.getI64IntegerAttr(64));
  }
  /// acc = fn(i, acc) for i in [0, ub), from `init`; returns the last acc.
  Value foldLoop(Value ub, Value init,
                 llvm::function_ref<Value(Value, Value)> fn) {
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), ub, cIdx(1), ValueRange{init},
        [&](OpBuilder &nb, Location, Value iv, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          scf::YieldOp::create(b, loc, ValueRange{fn(iv, acc[0])});
        });
    return loop.getResult(0);
  }
  template <typename Fn> void forLoop(Value lb, Value ub, int64_t step, Fn fn) {
    scf::ForOp::create(b, loc, lb, ub, cIdx(step), ValueRange{},
                       [&](OpBuilder &nb, Location, Value iv, ValueRange) {
                         OpBuilder::InsertionGuard guard(b);
                         b.setInsertionPoint(
                             scf::YieldOp::create(nb, loc, ValueRange{}));
                         fn(iv);
                       });
  }

  /// The query head of tile row `row` (index) of unit `unit`.
  Value headOfRow(Value unit, Value row) {
    int64_t group = sem.groupSize();
    if (group == 1)
      return unit;
    return add(mul(unit, cIdx(group)),
               arith::RemUIOp::create(b, loc, row, cIdx(group)));
  }
  Value kvHeadOfUnit(Value unit);
  /// Query head and position of row `row` of unit `unit`.
  std::pair<Value, Value> rowOrigin(Value unit, Value row);
  /// scale * temperature[b, head, pos]: what multiplies q.k of that row.
  Value rowScoreScale(Value bi, Value head, Value pos);
  /// fn(first, count) over the value columns in blocks of `block` (a loop
  /// over the full blocks, then the remainder).
  void forColumnBlocks(int64_t block,
                       llvm::function_ref<void(Value, int64_t)> fn);

  void emitTile(Value bi, Value unit, Value tile);
  std::tuple<Value, Value, Value> onlineSoftmax(Value scores, Value m, Value l,
                                                Value pairs = {},
                                                Value scale = {});

  /// How the shared block-list walk (TiledAttention/BlockListWalk.h) reads
  /// this kernel's lists for batch row `bi` and query head `head`
  /// (BlockLists.cpp).
  BlockListAccess blockListAccess(Value bi, Value head);
  /// Partial results of split-KV decode: un-normalized rows `outs` [B,
  /// units, S, maxRows, Dv] and `stats` [B, units, S, 2, maxRows] (m, l).
  struct KvSplit {
    Value chunks, outs, stats;
  };
  Value kvSplitCount();
  /// Key chunk `chunk` of split (or all keys, writing the output, without).
  void emitRowTile(Value bi, Value unit, Value chunk = Value(),
                   const KvSplit *split = nullptr);
  void mergeKvSplits(Value bi, Value unit, const KvSplit &split);
  void packQuery(Value bi, Value unit, Value rowBegin, Value numRows,
                 Value qt, Value slopeBuf, Value scaleBuf);
  // Micro-kernels (MicroKernels.cpp). f32: Qt[d, r] holds the scaled query,
  // K and V are read as f32 (widened one key tile at a time if narrower).
  void convertRows(Value src, Value bi, Value kvHead, Value keyBegin,
                   Value dst, int64_t width);
  void scoreTile(Value qt, Value keys, Value bi, Value kvHead, Value keyBegin,
                 Value scores);
  void valueTile(Value scores, Value values, Value bi, Value kvHead,
                 Value keyBegin, Value numKeys, Value alpha, Value ot);
  // bf16 with AVX-512 BF16 dot products (vdpbf16ps): operands stay bf16 in
  // pairs along the reduction dimension, products accumulate in f32.
  bool useBf16Dot();
  void packValuePairs(Value bi, Value kvHead, Value keyBegin, Value vp);
  /// Pp[q, 2 r + t] = bf16(p_t[r]): the probabilities of keys 2q and 2q+1.
  void storeProbabilityPair(Value p0, Value p1, Value pp, Value q);
  void scoreTileDot(Value qp, Value bi, Value kvHead, Value keyBegin,
                    Value scores, Value rowScale);
  void valueTileDot(Value pp, Value vp, Value numKeys, Value alpha, Value ot);
  Value broadcastPair(Value buffer, ValueRange indices);
  // bf16 on AMX tiles (AmxKernels.cpp), with the dot products' packing of Q
  // and P^T, which is AMX's pair layout of the second operand:
  //   S^T (16 keys x 16 rows) += K (16 keys x 32 d) x Qp (16 d-pairs x 16 rows)
  //   Ot (16 cols x 16 rows) += Vt (16 cols x 32 keys) x Pp (16 key-pairs x 16)
  // K tiles load as they lie in memory; Vt is V transposed once per call.
  bool useAmx();
  /// Asks Linux for the AMX tile state (arch_prctl ARCH_REQ_XCOMP_PERM; a
  /// no-op after the first grant in a process): true when granted.
  Value requestAmxState();
  /// Set while the fallback for a refused tile state is emitted.
  bool amxRefused = false;
  /// valuesT[b, h, t, e, j] = V[b, h, t * kvTile + j, e] for the row's keys,
  /// 0 past them (one Dv x kvTile block per key tile t; heap, freed by the
  /// buffer deallocation pipeline).
  Value transposeValues();
  void scoreTileAmx(Value qp, Value bi, Value kvHead, Value keyBegin,
                    Value scores, Value rowScale, Value keyStage);
  void valueTileAmx(Value pp, Value bi, Value kvHead, Value keyBegin,
                    Value alpha, Value ot);
  /// transposeValues' buffer for the AMX tiles, set by emitQueryTiles.
  Value valuesT;
  /// Lanes [16 g, 16 g + 16) of a row vector.
  Value laneGroup(Value row, int64_t g);

  void storeRows(Value bi, Value unit, Value rowBegin, Value numRows, Value ot,
                 Value rowScale, Value rowLse);

  OpBuilder &b;
  Location loc;
  attn::AttentionOp op;
  const TileSemantics &sem;
  const FusedCPUTiling &tiling;
  int64_t tileRows = 0;
  VectorType rowType;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOCPU_FUSEDEMITTER_H

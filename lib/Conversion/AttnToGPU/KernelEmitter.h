//===- KernelEmitter.h - the attention kernel's emitter ---------*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: the FlashAttention-2 / -3 kernel of
// attn.attention, emitted into a gpu.func. One thread block per (query
// tile, query head, batch row), or per (query tile, KV head, batch row)
// when the query heads of a KV group are packed into one tile's rows (GQA:
// K and V read once per group). Warp w owns tile rows [16w, 16w + 16); lane
// l holds, in the m16n8 accumulator layout of mma.sync, rows g = l / 4 and
// g + 8 and columns 2t, 2t + 1 of every 8-column slice (t = l % 4). Per key
// tile:
//
//   S = Q K^T        TileProducts: mma.sync per warp (Q fragments in
//                    registers, K through ldmatrix) or wgmma per warpgroup
//                    (descriptors over shared memory); either way the lane's
//                    scores in the layout above
//   S -> P           scale, TileSemantics' modifiers and mask (the mask only
//                    on tiles that are not entirely visible), then the online
//                    softmax: row max over the lane's values and across the
//                    4 lanes of a row (shuffles), rescale of O and the partial
//                    row sum; or sigmoid weights, no running state
//   O += P V         TileProducts again: P packed to 16 bits is the A operand
//                    of the next mma.sync or wgmma as it lies (registers)
//
// The key tiles reach shared memory ahead of their use (KeyTilePipeline):
// cp.async copies the next one (16 bytes a thread and copy, rows past the
// end zero-filled, into the layout the products read) with one wait and one
// barrier a tile, or the TMA keeps tiles in flight on mbarriers (issued by
// thread 0 or by a producer warpgroup).
//
// AttentionKernel.cpp: the kernel's setup, probabilities and epilogue
// (emit) and the roles of warp specialization; KeyTileLoops.cpp: the loops
// over the key tiles, plain and overlapped; SoftmaxStep.cpp: the online
// softmax's step and O's rescale.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_KERNELEMITTER_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_KERNELEMITTER_H

#include "GPUKernel.h"
#include "KeyTilePipeline.h"
#include "TileProducts.h"
#include "WarpOps.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir {
namespace attune {
namespace detail {

class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, attn::AttentionOp op,
                const TileSemantics &sem, const GPUTiling &tiling)
      : b(b), loc(loc), op(op), sem(sem), tiling(tiling),
        warpOps(b, loc,
                cast<ShapedType>(op.getQuery().getType()).getElementType(),
                tiling.warps * 32) {
    auto qType = cast<ShapedType>(op.getQuery().getType());
    elem = qType.getElementType();
    outElem = cast<ShapedType>(op.getOutput().getType()).getElementType();
    headDim = op.getHeadDim();
    valueDim = op.getValueHeadDim();
    qHeads = op.getNumQueryHeads();
    kvHeads = op.getNumKvHeads();
    rows = tiling.warps * kWarpRows;
    threads = tiling.warps * 32;
    // Shared rows hold whole 16-column k-steps (zero-filled past D, Dv).
    headPad = llvm::alignTo(headDim, 16);
    // O's columns (not V's shared ones, SharedTiles::valuePad): mma.sync
    // computes them in pairs of 8-column slices (one ldmatrix.x4.trans of
    // V); a wgmma's N is any multiple of 8, and accumulators nobody stores
    // make ptxas serialize the overlap's wgmmas (C7511, "insufficient
    // register resources").
    outCols = llvm::alignTo(valueDim, tiling.mma == GPUMma::Wgmma ? 8 : 16);
  }

  void emit(const KernelValues &values);

private:
  /// Step i of the key tiles: its first key, and for listed blocks whether
  /// the block was listed full and whether the step is skipped.
  struct Step {
    Value keyBegin, listedFull, skip;
  };
  /// The online softmax over the steps: the lane's row maxima and partial
  /// sums (rows g, g + 8) and accumulators.
  struct RowState {
    Value m[2], l[2], acc;
  };
  using StepAt = function_ref<Step(Value)>;
  /// A step's probabilities from its raw scores (see emit).
  using Probabilities = function_ref<Value(
      ArrayRef<Value>, const Step &, Value (&)[2], Value (&)[2], Value (&)[2],
      Value (&)[2], Value (&)[2])>;

  /// The loop over steps [begin, end): per step S = Q K^T, the
  /// probabilities, O += P V, one after the other.
  RowState steps(TileProducts &products, KeyTilePipeline &pipeline, Value begin,
                 Value end, StepAt stepAt, Probabilities probabilities,
                 Value accInit);
  /// The same with FlashAttention-3's intra-warpgroup overlap (wgmma, the
  /// TMA with deferred release): step j issues S_j, then rescales O and
  /// issues the previous step's P V, waits for S_j alone and computes its
  /// probabilities while that P V runs; the loop carries P (packed) and
  /// its rescale factor to the next step, and a skipped step and the loop's
  /// end issue the pending P V (flush).
  RowState overlappedSteps(TileProducts &products, KeyTilePipeline &pipeline,
                           int64_t stages, Value begin, Value end,
                           StepAt stepAt, Probabilities probabilities,
                           Value accInit);
  /// The loop both share: steps [begin, end) carrying `init`; each
  /// iteration starts its step (its buffer, K waited for), yields
  /// `skipped(args, iv)` for a skipped step and `body(args, iv, buffer,
  /// step)` otherwise, and ends the step. Returns the loop's results.
  using SkippedStep =
      function_ref<SmallVector<Value>(ValueRange args, Value iv)>;
  using StepBody = function_ref<SmallVector<Value>(
      ValueRange args, Value iv, Value buffer, const Step &step)>;
  ValueRange stepLoop(KeyTilePipeline &pipeline, Value begin, Value end,
                      StepAt stepAt, ValueRange init, SkippedStep skipped,
                      StepBody body);
  /// Warp specialization: after a block barrier (the mbarriers initialized),
  /// the producer warpgroup (threads past the consumers') gives up
  /// registers and its first thread runs the pipeline's loads of steps
  /// [begin, end) (walking block lists when `walksLists`); the builder
  /// continues in the consumers' branch.
  void splitRoles(KeyTilePipeline &pipeline, Value begin, Value end,
                  bool walksLists);
  /// The elements of a vector.
  SmallVector<Value> elementsOf(Value vector);
  /// acc * alpha, alpha per row (g, g + 8) of the lane, skipped when both
  /// are 1.
  Value rescale(Value acc, Value (&alpha)[2]);
  /// How far (in base-2 exponent) a new row maximum may exceed the running
  /// one before the running one moves (softmaxStep).
  static constexpr float kStaleExponent = 8.0f;

  /// One key tile of the online softmax on the lane's scores (rows g and
  /// g + 8), taken times `scoreScale` (1 for scores already scaled): the new
  /// row maxima `newM` (the row's 4 lanes agree through shuffles; kept
  /// unless exceeded by more than kStaleExponent), the probabilities
  /// exp(scoreScale * (s - newM)) it returns, the lane's partial row sums
  /// `newL` (reduced across lanes at the end) and the factor
  /// exp(scoreScale * (m - newM)) the accumulators take, `alpha` (exactly 1
  /// for a kept maximum).
  Value softmaxStep(Value scores, double scoreScale, Value (&m)[2],
                    Value (&l)[2], Value (&newM)[2], Value (&newL)[2],
                    Value (&alpha)[2]);

  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cF32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value addC(Value x, int64_t c) { return c ? add(x, cIdx(c)) : x; }
  Value mulC(Value x, int64_t c) { return c == 1 ? x : mul(x, cIdx(c)); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value toI32(Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
  }
  Value fmax(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value extract(Value vector, int64_t i) {
    return vector::ExtractOp::create(b, loc, vector, ArrayRef<int64_t>{i});
  }
  Value shuffleXor(Value x, int32_t mask) {
    return gpu::ShuffleOp::create(b, loc, x, mask, 32, gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }
  /// A constant i32 vector.
  Value lanesOf(ArrayRef<int32_t> values) {
    auto type =
        VectorType::get({static_cast<int64_t>(values.size())}, b.getI32Type());
    return arith::ConstantOp::create(b, loc,
                                     DenseIntElementsAttr::get(type, values));
  }

  OpBuilder &b;
  Location loc;
  attn::AttentionOp op;
  const TileSemantics &sem;
  GPUTiling tiling;
  Type elem, outElem;
  int64_t headDim, valueDim, headPad, outCols, qHeads, kvHeads, rows, threads;
  Value tid;
  WarpOps warpOps;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_KERNELEMITTER_H

//===- AttentionKernel.cpp - the FlashAttention-2 kernel of attn.attention ===//
//
// One thread block per (query tile, query head, batch row), or per (query
// tile, KV head, batch row) when the query heads of a KV group are packed
// into one tile's rows (GQA: K and V read once per group). Warp w owns tile
// rows [16w, 16w + 16); lane l holds, in the m16n8 accumulator
// layout of mma.sync, rows g = l / 4 and g + 8 and columns 2t, 2t + 1 of every
// 8-column slice (t = l % 4). Per key tile:
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
//                    of the next mma.sync as it lies, or goes through shared
//                    memory for wgmma
//
// The key tiles reach shared memory ahead of their use (KeyTilePipeline):
// cp.async copies the next one (16 bytes a thread and copy, rows past the
// end zero-filled, into the layout the products read) with one wait and one
// barrier a tile, or the TMA keeps stages - 1 in flight on mbarriers.
//
//===----------------------------------------------------------------------===//

#include "BlockLayout.h"
#include "GPUKernel.h"
#include "KeyTilePipeline.h"
#include "TileProducts.h"
#include "TmaTiles.h"
#include "WarpOps.h"
#include "WarpgroupOps.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/RegionUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

namespace {

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
    valuePad = llvm::alignTo(valueDim, 16);
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
  /// acc * alpha, alpha per row (g, g + 8) of the lane.
  Value rescale(Value acc, Value (&alpha)[2]);

  /// One key tile of the online softmax on the lane's scores (rows g and
  /// g + 8): the new row maxima `newM` (the row's 4 lanes agree through
  /// shuffles), the probabilities exp(s - m) it returns, the lane's partial
  /// row sums `newL` (reduced across lanes at the end) and the factor
  /// exp(m - newM) the accumulators take, `alpha`.
  Value softmaxStep(Value scores, Value (&m)[2], Value (&l)[2],
                    Value (&newM)[2], Value (&newL)[2], Value (&alpha)[2]);

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
  int64_t headDim, valueDim, headPad, valuePad, qHeads, kvHeads, rows, threads;
  Value tid;
  WarpOps warpOps;
};

void KernelEmitter::emit(const KernelValues &values) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  const int64_t kvTile = tiling.kvTile;
  const int64_t scoreSlices = kvTile / 8, outSlices = valuePad / 8;
  const int64_t numScores = scoreSlices * 4, numOut = outSlices * 4;
  const float negInf = -std::numeric_limits<float>::infinity();

  tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  warpOps.setThread(tid);
  Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(32));
  Value laneGroup = arith::DivUIOp::create(b, loc, lane, cIdx(4)); // g
  Value quad = arith::RemUIOp::create(b, loc, lane, cIdx(4));      // t
  BlockLayout layout(b, loc, values, sem, rows, qHeads);
  Value batch = layout.batch, split = layout.split,
        firstHead = layout.firstHead, kvHead = layout.kvHead,
        packedLen = layout.packedLen, q0 = layout.q0;
  const int64_t group = layout.group;
  auto batchOf = [&](Value p) { return layout.batchOf(p); };
  auto positionOf = [&](Value p) { return layout.positionOf(p); };
  auto headOf = [&](Value p) { return layout.headOf(p); };
  auto queryRow = [&](Value row, Value head, Value pos, int64_t width) {
    return layout.queryRow(row, head, pos, width);
  };

  // Key count of this batch row: clamp(kv_lengths[b], 0, Lk) when ragged.
  // Addressing keeps the full Lk (the layout's extent).
  Value kvLen = values.kvLen;
  if (values.kvLengths) {
    Value n = memref::LoadOp::create(b, loc, values.kvLengths, batch);
    kvLen = TileSemantics::rowKeyCount(b, loc, n, values.kvLen);
  }

  Value kvBatch = batch;
  if (values.sharedKv)
    kvBatch = cIdx(0);
  else if (values.kvBatchTable)
    kvBatch = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        memref::LoadOp::create(b, loc, values.kvBatchTable, batch));
  Value kvHeadRow = add(mulC(kvBatch, kvHeads), kvHead);
  Value kvRow = mul(kvHeadRow, values.kvLen);
  Value kBase = mulC(kvRow, headDim);
  Value vBase = mulC(kvRow, valueDim);

  // Shared memory: the tiles the products read (TileProducts).
  auto space = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  SharedTiles tiles = SharedTiles::get(tiling, headDim, valueDim);
  Value dynamic =
      tiles.place(b, loc,
                  gpu::DynamicSharedMemoryOp::create(
                      b, loc,
                      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                                      nullptr, space)));
  std::unique_ptr<TileProducts> products =
      TileProducts::create(b, loc, elem, tiles, dynamic,
                           {warp, lane, laneGroup, quad}, warpOps);
  // K and V through the TMA (thread 0 loads) or cp.async (every thread).
  std::optional<TmaTiles> tma;
  if (values.keyMap)
    tma.emplace(b, loc, tiles, dynamic, values.keyMap, values.valueMap,
                kvHeadRow, threads);

  // What the variant needs of this tile (TileSemantics).
  TileRows tileRows;
  tileRows.firstRow = positionOf(q0);
  tileRows.lastRow = positionOf(
      arith::MinSIOp::create(b, loc, addC(q0, rows - 1), addC(packedLen, -1)));
  tileRows.qLen = values.qLen;
  // A positioned segment: the mask sees the concatenation's length.
  tileRows.kvLen = values.maskKvLen ? values.maskKvLen : kvLen;
  // Under ragged suffixes this row's concatenation ends with its suffix.
  if (values.suffixLengths) {
    Value n = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        memref::LoadOp::create(b, loc, values.suffixLengths, batch));
    tileRows.kvLen = arith::MinSIOp::create(
        b, loc,
        add(values.raggedOffset, arith::MaxSIOp::create(b, loc, n, cIdx(0))),
        tileRows.kvLen);
  }
  TileSemantics::Segment segment{values.keyOffset, kvLen};
  tileRows.batch = batch;
  // The heads of a group share their mask (TileSemantics packs only then).
  sem.maskBounds(b, loc, firstHead, tileRows.left, tileRows.right,
                 tileRows.sinks);
  tileRows.bias = values.bias;
  tileRows.biasKeys = values.kvLen;
  // What the regions capture, recomputed here, where it dominates every
  // use (TileSemantics inlines the regions inside the tile loop).
  IRMapping captured;
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()}) {
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(*region, above);
    for (Value value : above)
      recompute(b, op, values, value, captured);
  }
  auto capturedValue = [&](OpBuilder &, Value value) {
    return captured.lookup(value);
  };
  tileRows.captured = capturedValue;
  // The key tiles to visit: the range the mask leaves visible (sink tiles
  // first), or the blocks a block-sparse mask lists.
  KeyTileRange range;
  std::optional<BlockListWalk> walk;
  Value numTiles;
  if (values.counts) {
    walk.emplace(b, loc, sem.blockSizes(), kvTile,
                 flatBlockListAccess(b, loc, op, values, batch, firstHead),
                 tileRows.firstRow);
    numTiles = walk->numTiles();
  } else if (values.keyOffset) {
    range = sem.segmentKeyTiles(b, loc, tileRows, kvTile, segment);
    numTiles =
        add(range.numSinkTiles,
            arith::SubIOp::create(b, loc, range.mainEnd, range.mainBegin));
  } else {
    range = sem.keyTiles(b, loc, tileRows, kvTile);
    numTiles =
        add(range.numSinkTiles,
            arith::SubIOp::create(b, loc, range.mainEnd, range.mainBegin));
  }
  // This block's chunk of the steps: [numTiles * chunk / chunks, numTiles *
  // (chunk + 1) / chunks).
  Value stepBegin = arith::DivUIOp::create(b, loc, mul(numTiles, layout.chunk),
                                           layout.chunks);
  Value stepEnd = arith::DivUIOp::create(
      b, loc, mul(numTiles, addC(layout.chunk, 1)), layout.chunks);
  // Step i (< numTiles).
  auto stepAt = [&](Value i) -> Step {
    Step step;
    if (walk) {
      walk->tile(b, loc, i, kvLen, step.keyBegin, step.listedFull, step.skip);
      return step;
    }
    Value main = add(range.mainBegin,
                     arith::SubIOp::create(b, loc, i, range.numSinkTiles));
    step.keyBegin = mulC(select(lt(i, range.numSinkTiles), i, main), kvTile);
    return step;
  };
  // Where step i's key tile comes from: its first key and the limit below
  // which keys exist, 0 for skipped steps and those past the last (cp.async
  // zero-fills past it: a ragged row's unused cache may hold NaN, and P V
  // would multiply it by 0; the TMA copies nothing then, nobody reads it).
  auto keyTileSource = [&](Value i) -> std::pair<Value, Value> {
    Value inRange = lt(i, stepEnd);
    if (walk) {
      // Lists are read only below their counts.
      auto listed =
          scf::IfOp::create(b, loc, TypeRange{b.getIndexType(), b.getI1Type()},
                            inRange, true, true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(listed.thenBlock());
        Step step = stepAt(i);
        scf::YieldOp::create(b, loc, ValueRange{step.keyBegin, step.skip});
        b.setInsertionPointToStart(listed.elseBlock());
        scf::YieldOp::create(
            b, loc,
            ValueRange{cIdx(0),
                       arith::ConstantOp::create(b, loc, b.getBoolAttr(true))});
      }
      return {listed.getResult(0), select(listed.getResult(1), cIdx(0), kvLen)};
    }
    return {stepAt(i).keyBegin, select(inRange, kvLen, cIdx(0))};
  };
  KeyTilePipeline::TmaSchedule schedule;
  schedule.stages = tiles.stages;
  schedule.deferredRelease = tiling.overlap;
  schedule.producer = tiling.warpSpecialize;
  schedule.consumers = threads;
  std::unique_ptr<KeyTilePipeline> pipeline =
      tma ? KeyTilePipeline::tma(b, loc, keyTileSource, *tma, tid, schedule,
                                 *products)
          : KeyTilePipeline::cpAsync(
                b, loc, keyTileSource,
                [&](Value first, Value limit, Value buffer) {
                  warpOps.copySlab(products->keys(), buffer, values.k, kBase,
                                   first, limit, kvTile, headDim, headPad,
                                   tiles.layout);
                  return warpOps.copySlab(products->values(), buffer, values.v,
                                          vBase, first, limit, kvTile, valueDim,
                                          valuePad, tiles.layout);
                },
                *products);

  // Prologue: the Q tile and the first key tile (and, for mma.sync, the Q
  // fragments in registers).
  pipeline->initialize();
  if (tiling.warpSpecialize)
    splitRoles(*pipeline, stepBegin, stepEnd, walk.has_value());
  Value queryCopies = warpOps.copyRows(
      products->query(), {}, values.q,
      [&](Value row) -> std::pair<Value, Value> {
        Value p = add(q0, row);
        Value valid = lt(p, packedLen);
        p = select(valid, p, cIdx(0));
        return {valid, queryRow(batchOf(p), headOf(p), positionOf(p), headDim)};
      },
      rows, headDim, headPad, tiles.layout);
  pipeline->prologue(stepBegin, queryCopies);
  products->loadQuery();

  // Per score held: query position (rows g, g + 8) and key offset in the
  // tile (columns 2t, 2t + 1 of each 8-key slice).
  Value rowOfLane = add(add(q0, mulC(warp, kWarpRows)), laneGroup);
  SmallVector<int32_t> rowOffsets, keyOffsets;
  for (int64_t j = 0; j < scoreSlices; ++j)
    for (int64_t e = 0; e < 4; ++e) {
      rowOffsets.push_back(8 * (e / 2));
      keyOffsets.push_back(8 * j + e % 2);
    }
  auto scoreType = VectorType::get({numScores}, f32);
  auto i32Scores = VectorType::get({numScores}, b.getI32Type());
  Value packedRows = arith::AddIOp::create(
      b, loc, vector::BroadcastOp::create(b, loc, i32Scores, toI32(rowOfLane)),
      lanesOf(rowOffsets));
  Value positions = packedRows;
  tileRows.heads = firstHead;
  // Per row of the lane (g and g + 8): its head and position, clamped into
  // the problem for loads (rows past the end are never stored).
  Value laneHead[2], lanePos[2], laneBatch[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value p = arith::MinUIOp::create(b, loc, addC(rowOfLane, 8 * r),
                                     addC(packedLen, -1));
    laneHead[r] = headOf(p);
    lanePos[r] = positionOf(p);
    laneBatch[r] = batchOf(p);
  }
  // Per score, from the lane's two rows.
  auto perRow = [&](Value(&values)[2]) -> Value {
    SmallVector<Value> elements;
    for (int64_t i = 0; i < numScores; ++i)
      elements.push_back(values[(i % 4) / 2]);
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({numScores}, values[0].getType()), elements);
  };
  if (group > 1) {
    Value groupVector = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32Scores, b.getI32IntegerAttr(group)));
    positions = arith::DivUIOp::create(b, loc, packedRows, groupVector);
    tileRows.heads = arith::AddIOp::create(
        b, loc,
        vector::BroadcastOp::create(b, loc, i32Scores, toI32(firstHead)),
        arith::RemUIOp::create(b, loc, packedRows, groupVector));
  }
  if (values.slopes) {
    Value slope[2];
    for (int64_t r = 0; r < 2; ++r)
      slope[r] = memref::LoadOp::create(b, loc, values.slopes, laneHead[r]);
    tileRows.slopes = group > 1 ? perRow(slope) : slope[0];
  }
  // scale * temperature[b, h, i] per row, or the scale.
  Value scale = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(scoreType, b.getF32FloatAttr(sem.scale())));
  if (values.temperature) {
    auto type = cast<ShapedType>(op.getTemperature().getType());
    int64_t tHeads = type.isDynamicDim(1) ? qHeads : type.getDimSize(1);
    Value tBatch = type.getDimSize(0) == 1 ? cIdx(0) : batch;
    Value factor[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value th = tHeads == 1 ? cIdx(0) : laneHead[r];
      Value index =
          add(mul(add(mulC(tBatch, tHeads), th), values.qLen), lanePos[r]);
      factor[r] = arith::MulFOp::create(
          b, loc, memref::LoadOp::create(b, loc, values.temperature, index),
          cF32(static_cast<float>(sem.scale())));
    }
    scale = perRow(factor);
  }
  Value sigmoidBias;
  if (sem.isSigmoid())
    sigmoidBias = vector::BroadcastOp::create(
        b, loc, scoreType, sem.sigmoidBias(b, loc, tileRows.kvLen));

  // One step's probabilities from its raw scores S = Q K^T: scaled,
  // modified, masked, then the online softmax's new row maxima `newM`, sums
  // `newL` and the factor `alpha` the accumulators take (sigmoid: the
  // weights, and alpha 1).
  auto probabilities = [&](ArrayRef<Value> s, const Step &tile, Value(&m)[2],
                           Value(&l)[2], Value(&newM)[2], Value(&newL)[2],
                           Value(&alpha)[2]) -> Value {
    Value keyBegin = tile.keyBegin;
    Value scores = arith::MulFOp::create(
        b, loc, vector::FromElementsOp::create(b, loc, scoreType, s), scale);
    Value keys = arith::AddIOp::create(
        b, loc,
        vector::BroadcastOp::create(b, loc, i32Scores,
                                    toI32(add(keyBegin, mulC(quad, 2)))),
        lanesOf(keyOffsets));
    if (sem.modifiesScores())
      scores = sem.modifyScores(b, loc, tileRows, scores, positions, keys);
    // Per-element visibility only where the tile is not entirely visible. A
    // block listed as full is visible whatever the mask: only keys past Lk
    // are hidden there.
    Value full =
        values.keyOffset
            ? sem.isFullSegmentTile(b, loc, tileRows, keyBegin, kvTile, segment)
            : sem.isFullTile(b, loc, tileRows, keyBegin, kvTile);
    if (tile.listedFull)
      full = select(tile.listedFull,
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                          addC(keyBegin, kvTile), kvLen),
                    full);
    auto hide = [&]() -> Value {
      Value visible =
          values.keyOffset
              ? sem.segmentVisibility(b, loc, tileRows, positions, keys,
                                      segment)
              : sem.visibility(b, loc, tileRows, positions, keys);
      if (tile.listedFull) {
        Value inRange = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::slt, keys,
            vector::BroadcastOp::create(b, loc, i32Scores, toI32(kvLen)));
        visible = select(tile.listedFull, inRange, visible);
      }
      Value hidden = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(scoreType, b.getF32FloatAttr(negInf)));
      return arith::SelectOp::create(b, loc, visible, scores, hidden);
    };
    auto masked = scf::IfOp::create(b, loc, scoreType, full, true, true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(masked.thenBlock());
      scf::YieldOp::create(b, loc, scores);
      b.setInsertionPointToStart(masked.elseBlock());
      scf::YieldOp::create(b, loc, hide());
    }
    scores = masked.getResult(0);
    for (int64_t r = 0; r < 2; ++r) {
      newM[r] = m[r];
      newL[r] = l[r];
      alpha[r] = cF32(1.0f);
    }
    if (sem.isSigmoid())
      return TileSemantics::sigmoidWeights(b, loc, scores, sigmoidBias);
    return softmaxStep(scores, m, l, newM, newL, alpha);
  };

  Value accInit = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({numOut}, f32),
                             b.getF32FloatAttr(0.0f)));
  // Epilogue: full row sums, 1/l (0 for rows without a visible key), LSE.
  RowState state =
      tiling.overlap
          ? overlappedSteps(*products, *pipeline, tiles.stages, stepBegin,
                            stepEnd, stepAt, probabilities, accInit)
          : steps(*products, *pipeline, stepBegin, stepEnd, stepAt,
                  probabilities, accInit);
  Value acc = state.acc;
  Value inv[2], lse[2];
  for (int64_t r = 0; r < 2; ++r) {
    if (sem.isSigmoid()) {
      inv[r] = cF32(1.0f);
      continue;
    }
    Value l = state.l[r];
    l = arith::AddFOp::create(b, loc, l, shuffleXor(l, 1));
    l = arith::AddFOp::create(b, loc, l, shuffleXor(l, 2));
    std::tie(inv[r], lse[r]) = TileSemantics::finishRows(b, loc, state.m[r], l);
  }
  // Rows of the lane into `outBuffer` ([*, Dv] rows: the row of (head,
  // position), shifted by `rowShift` rows) and LSE into `lseBuffer`.
  auto storeRows = [&](Value outBuffer, Value lseBuffer, Value rowShift) {
    Type element = cast<MemRefType>(outBuffer.getType()).getElementType();
    for (int64_t r = 0; r < 2; ++r) {
      Value row = addC(rowOfLane, 8 * r);
      auto inside = scf::IfOp::create(b, loc, lt(row, packedLen), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inside.thenBlock());
      Value flatRow =
          add(queryRow(laneBatch[r], laneHead[r], lanePos[r], 1), rowShift);
      Value outRow = mulC(flatRow, valueDim);
      for (int64_t n = 0; n < valueDim / 8; ++n) {
        Value two = vector::FromElementsOp::create(
            b, loc, VectorType::get({2}, f32),
            ValueRange{extract(acc, n * 4 + 2 * r),
                       extract(acc, n * 4 + 2 * r + 1)});
        two = arith::MulFOp::create(
            b, loc, two,
            vector::BroadcastOp::create(b, loc, two.getType(), inv[r]));
        if (!element.isF32())
          two = arith::TruncFOp::create(b, loc, VectorType::get({2}, element),
                                        two);
        Value col = addC(mulC(quad, 2), 8 * n);
        vector::StoreOp::create(b, loc, two, outBuffer,
                                ValueRange{add(outRow, col)});
      }
      if (lseBuffer) {
        auto firstLane = scf::IfOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, quad,
                                  cIdx(0)),
            false);
        b.setInsertionPointToStart(firstLane.thenBlock());
        memref::StoreOp::create(b, loc, lse[r], lseBuffer, flatRow);
      }
    }
  };
  // One chunk: the output. Several: this chunk's rows (normalized over its
  // keys, with their LSE; sigmoid: plain sums) for the merge kernel.
  auto storePartial = [&]() {
    Value chunkRows = mul(mul(mulC(values.batch, qHeads), values.qLen), split);
    storeRows(values.partialOut, sem.isSigmoid() ? Value() : values.partialLse,
              chunkRows);
  };
  if (values.slot) {
    storePartial();
    return;
  }
  auto whole =
      scf::IfOp::create(b, loc,
                        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              values.splits, cIdx(1)),
                        true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(whole.thenBlock());
  storeRows(values.out, values.lse, cIdx(0));
  b.setInsertionPointToStart(whole.elseBlock());
  storePartial();
}

Value KernelEmitter::softmaxStep(Value scores, Value (&m)[2], Value (&l)[2],
                                 Value (&newM)[2], Value (&newL)[2],
                                 Value (&alpha)[2]) {
  auto scoreType = cast<VectorType>(scores.getType());
  const int64_t numScores = scoreType.getNumElements(),
                scoreSlices = numScores / 4;
  const float negInf = -std::numeric_limits<float>::infinity();
  // Row maxima: the lane's values of each row, then the row's 4 lanes.
  Value base[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value rowMax = cF32(negInf);
    for (int64_t j = 0; j < scoreSlices; ++j)
      for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
        rowMax = fmax(rowMax, extract(scores, j * 4 + e));
    rowMax = fmax(rowMax, shuffleXor(rowMax, 1));
    rowMax = fmax(rowMax, shuffleXor(rowMax, 2));
    newM[r] = fmax(m[r], rowMax);
    base[r] = TileSemantics::exponentBase(b, loc, newM[r]);
    alpha[r] =
        math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, m[r], base[r]));
  }
  SmallVector<Value> bases;
  for (int64_t i = 0; i < numScores; ++i)
    bases.push_back(base[(i % 4) / 2]);
  Value p = math::ExpOp::create(
      b, loc,
      arith::SubFOp::create(
          b, loc, scores,
          vector::FromElementsOp::create(b, loc, scoreType, bases)));
  for (int64_t r = 0; r < 2; ++r) {
    Value sum = arith::MulFOp::create(b, loc, l[r], alpha[r]);
    for (int64_t j = 0; j < scoreSlices; ++j)
      for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
        sum = arith::AddFOp::create(b, loc, sum, extract(p, j * 4 + e));
    newL[r] = sum;
  }
  return p;
}

void KernelEmitter::splitRoles(KeyTilePipeline &pipeline, Value begin,
                               Value end, bool walksLists) {
  // Registers a thread: the block starts with the share of 64K its size
  // allows (one block per SM), then the producer keeps 24 and the consumers
  // take what that leaves, up to 240 (FlashAttention-3's split for two
  // consumer warpgroups). A producer that walks block lists keeps 40 (with
  // 24 it spills; two consumer warpgroups then get 232). One consumer
  // warpgroup starts with more (255): neither role changes its share then.
  constexpr int64_t kRegisters = 65536, kMaxConsumerRegisters = 240;
  const int64_t kProducerRegisters = walksLists ? 40 : 24;
  int64_t atEntry =
      std::min<int64_t>(kRegisters / (threads + 128), 255) / 8 * 8;
  int64_t consumerRegisters = std::min<int64_t>(
      (kRegisters - 128 * kProducerRegisters) / threads / 8 * 8,
      kMaxConsumerRegisters);
  gpu::BarrierOp::create(b, loc);
  auto roles = scf::IfOp::create(b, loc, lt(tid, cIdx(threads)),
                                 /*withElseRegion=*/true);
  bool moveRegisters = consumerRegisters > atEntry;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(roles.elseBlock());
    if (moveRegisters)
      NVVM::SetMaxRegisterOp::create(b, loc, kProducerRegisters,
                                     NVVM::SetMaxRegisterAction::decrease);
    auto first = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                              cIdx(threads)),
        false);
    b.setInsertionPointToStart(first.thenBlock());
    pipeline.produce(begin, end);
  }
  b.setInsertionPointToStart(roles.thenBlock());
  if (moveRegisters)
    NVVM::SetMaxRegisterOp::create(b, loc, consumerRegisters,
                                   NVVM::SetMaxRegisterAction::increase);
}

Value KernelEmitter::rescale(Value acc, Value (&alpha)[2]) {
  auto type = cast<VectorType>(acc.getType());
  SmallVector<Value> alphas;
  for (int64_t i = 0; i < type.getNumElements(); ++i)
    alphas.push_back(alpha[(i % 4) / 2]);
  return arith::MulFOp::create(
      b, loc, acc, vector::FromElementsOp::create(b, loc, type, alphas));
}

SmallVector<Value> KernelEmitter::elementsOf(Value vector) {
  SmallVector<Value> elements;
  for (int64_t i = 0, e = cast<VectorType>(vector.getType()).getNumElements();
       i < e; ++i)
    elements.push_back(extract(vector, i));
  return elements;
}

ValueRange KernelEmitter::stepLoop(KeyTilePipeline &pipeline, Value begin,
                                   Value end, StepAt stepAt, ValueRange init,
                                   SkippedStep skipped, StepBody body) {
  auto loop = scf::ForOp::create(b, loc, cIdx(0),
                                 arith::SubIOp::create(b, loc, end, begin),
                                 cIdx(1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value iv = loop.getInductionVar(), step = add(begin, iv);
  ValueRange args = loop.getRegionIterArgs();
  Value buffer = pipeline.beginStep(iv, step);
  pipeline.keysNeeded();
  Step tile = stepAt(step);
  // A skipped step (a listed block seen before or out of range) runs in the
  // `then` branch, the rest of the step in the `else` branch.
  scf::IfOp skipStep;
  if (tile.skip) {
    skipStep =
        scf::IfOp::create(b, loc, loop.getResultTypes(), tile.skip, true, true);
    b.setInsertionPointToStart(skipStep.thenBlock());
    scf::YieldOp::create(b, loc, skipped(args, iv));
    b.setInsertionPointToStart(skipStep.elseBlock());
  }
  SmallVector<Value> state = body(args, iv, buffer, tile);
  if (skipStep) {
    scf::YieldOp::create(b, loc, state);
    b.setInsertionPointAfter(skipStep);
    state.assign(skipStep.getResults().begin(), skipStep.getResults().end());
  }
  pipeline.endStep();
  scf::YieldOp::create(b, loc, state);
  return loop.getResults();
}

KernelEmitter::RowState
KernelEmitter::steps(TileProducts &products, KeyTilePipeline &pipeline,
                     Value begin, Value end, StepAt stepAt,
                     Probabilities probabilities, Value accInit) {
  const float negInf = -std::numeric_limits<float>::infinity();
  SmallVector<Value> init = {cF32(negInf), cF32(negInf), cF32(0.0f), cF32(0.0f),
                             accInit};
  // A skipped step keeps the state; at every step's end its buffer is free
  // again (and cp.async's next tile landed).
  ValueRange results = stepLoop(
      pipeline, begin, end, stepAt, init,
      [&](ValueRange args, Value) {
        return SmallVector<Value>(args.begin(), args.end());
      },
      [&](ValueRange args, Value, Value buffer, const Step &tile) {
        Value m[2] = {args[0], args[1]}, l[2] = {args[2], args[3]};
        Value acc = args[4];
        Value newM[2], newL[2], alpha[2];
        Value p = probabilities(products.scores(buffer), tile, m, l, newM, newL,
                                alpha);
        if (!sem.isSigmoid())
          acc = rescale(acc, alpha);
        // O += P V.
        SmallVector<Value> o = elementsOf(acc);
        pipeline.valuesNeeded();
        products.accumulate(buffer, p, o);
        acc = vector::FromElementsOp::create(b, loc, acc.getType(), o);
        return SmallVector<Value>{newM[0], newM[1], newL[0], newL[1], acc};
      });
  return {{results[0], results[1]}, {results[2], results[3]}, results[4]};
}

KernelEmitter::RowState
KernelEmitter::overlappedSteps(TileProducts &products,
                               KeyTilePipeline &pipeline, int64_t stages,
                               Value begin, Value end, StepAt stepAt,
                               Probabilities probabilities, Value accInit) {
  const float negInf = -std::numeric_limits<float>::infinity();
  // The loop's state: the row maxima and sums, O, and the pending P V (its
  // P as A registers, the factor O takes before it, whether there is one,
  // and its step's loop iteration: its buffer's use).
  enum { M0, M1, L0, L1, Acc, P, Alpha0, Alpha1, Pending, PendingUse };
  auto pType = VectorType::get({tiling.kvTile / 4}, b.getI32Type());
  Value none = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  Value some = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  SmallVector<Value> init = {
      cF32(negInf),
      cF32(negInf),
      cF32(0.0f),
      cF32(0.0f),
      accInit,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(pType, b.getI32IntegerAttr(0))),
      cF32(1.0f),
      cF32(1.0f),
      none,
      cIdx(0)};
  Type accType = accInit.getType();
  // O rescaled by the pending P V's factor.
  auto rescaled = [&](ValueRange state) -> Value {
    Value alpha[2] = {state[Alpha0], state[Alpha1]};
    return sem.isSigmoid() ? state[Acc] : rescale(state[Acc], alpha);
  };
  // The pending P V issued, not waited for: O (rescaled) += P V over its
  // step's V buffer. Returns O (readable after the wait).
  auto issuePending = [&](ValueRange state, Value acc, Value use) -> Value {
    SmallVector<Value> o = elementsOf(acc);
    products.issueAccumulate(arith::RemUIOp::create(b, loc, use, cIdx(stages)),
                             elementsOf(state[P]), o);
    return vector::FromElementsOp::create(b, loc, accType, o);
  };
  Value noP = init[P], one = init[Alpha0];
  // The pending P V, if any, issued, waited for and its buffer released.
  auto flush = [&](ValueRange state) {
    auto pending =
        scf::IfOp::create(b, loc, accType, state[Pending], true, true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(pending.thenBlock());
      pipeline.valuesNeededAt(state[PendingUse]);
      Value acc = issuePending(state, rescaled(state), state[PendingUse]);
      products.waitProducts(0);
      pipeline.releaseAt(state[PendingUse]);
      scf::YieldOp::create(b, loc, acc);
      b.setInsertionPointToStart(pending.elseBlock());
      scf::YieldOp::create(b, loc, state[Acc]);
    }
    SmallVector<Value> flushed(state.begin(), state.end());
    flushed[Acc] = pending.getResult(0);
    flushed[Pending] = none;
    // What the next step issues in its place adds nothing (P = 0).
    flushed[P] = noP;
    flushed[Alpha0] = flushed[Alpha1] = one;
    return flushed;
  };

  // The ping-pong: the consumer warpgroups take turns issuing their
  // products (named barriers 2, 3, ...: 1 is the consumers' own).
  std::optional<WarpgroupTurns> turns;
  if (tiling.pingPong && tiling.warps / 4 > 1) {
    turns.emplace(b, loc, tid, tiling.warps / 4, /*firstBarrier=*/2);
    turns->start();
  }
  // A skipped step finishes the pending P V (its buffer must be released
  // before thread 0 loads into it) and releases its own buffer; at every
  // step's end thread 0 loads into the buffer of step j - 1, released by
  // now. Every step takes its turn, skipped or not (the warpgroups skip the
  // same steps); the final flush takes none.
  ValueRange results = stepLoop(
      pipeline, begin, end, stepAt, init,
      [&](ValueRange args, Value iv) {
        if (turns)
          turns->take();
        SmallVector<Value> flushed = flush(args);
        if (turns)
          turns->pass();
        pipeline.releaseAt(iv);
        return flushed;
      },
      [&](ValueRange args, Value iv, Value buffer, const Step &tile) {
        // S_j, then the pending P V behind it; wait for S_j alone. Without one
        // pending, a P V that adds nothing (P = 0, factor 1) over this step's
        // V, so that no branch separates the wgmmas from their waits (ptxas
        // serializes wgmmas in flight across a branch it cannot prove
        // uniform).
        Value use = arith::SelectOp::create(b, loc, args[Pending],
                                            args[PendingUse], iv);
        pipeline.valuesNeededAt(use);
        // O is rescaled before S_j is issued: between the two products'
        // issues no register of an accumulator may be touched, or ptxas
        // waits for S_j there ("warpgroup.wait is injected", C7517) and the
        // products no longer overlap.
        if (turns)
          turns->take();
        Value acc = rescaled(args);
        SmallVector<Value> s = products.issueScores(buffer);
        acc = issuePending(args, acc, use);
        if (turns)
          turns->pass();
        products.waitProducts(1);
        // S_j's probabilities while the P V runs; then it is done and its
        // buffer free.
        Value m[2] = {args[M0], args[M1]}, l[2] = {args[L0], args[L1]};
        Value newM[2], newL[2], alpha[2];
        Value p = probabilities(s, tile, m, l, newM, newL, alpha);
        products.waitProducts(0);
        auto release = scf::IfOp::create(b, loc, args[Pending], false);
        {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(release.thenBlock());
          pipeline.releaseAt(args[PendingUse]);
        }
        return SmallVector<Value>{
            newM[0],
            newM[1],
            newL[0],
            newL[1],
            acc,
            vector::FromElementsOp::create(b, loc, pType,
                                           products.packProbabilities(p)),
            alpha[0],
            alpha[1],
            some,
            iv};
      });
  SmallVector<Value> last = flush(results);
  return {{last[M0], last[M1]}, {last[L0], last[L1]}, last[Acc]};
}

} // namespace

void attune::detail::emitAttentionKernel(OpBuilder &b, Location loc,
                                         attn::AttentionOp op,
                                         const TileSemantics &sem,
                                         const GPUTiling &tiling,
                                         const KernelValues &values) {
  // The emitter may leave the builder in the consumers' branch.
  OpBuilder::InsertionGuard guard(b);
  KernelEmitter(b, loc, op, sem, tiling).emit(values);
}

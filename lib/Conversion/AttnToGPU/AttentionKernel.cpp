//===- AttentionKernel.cpp - the FlashAttention kernel of attn.attention ===//
//
// The kernel's setup (layout, shared memory, the key-tile range and
// pipeline, Q), the probabilities of a step and the epilogue; the roles of
// warp specialization. KernelEmitter.h describes the kernel; KeyTileLoops.cpp
// has the loops over the key tiles, SoftmaxStep.cpp the online softmax's
// step and O's rescale.
//
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "BlockLayout.h"
#include "TmaTiles.h"

#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/RegionUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

void KernelEmitter::emit(const KernelValues &values) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  const int64_t kvTile = tiling.kvTile;
  const int64_t scoreSlices = kvTile / 8, outSlices = outCols / 8;
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
                  WarpOps::Slab slabs[] = {
                      {products->keys(), values.k, kBase, headDim, headPad},
                      {products->values(), values.v, vBase, valueDim,
                       tiles.valuePad}};
                  return warpOps.copySlabs(slabs, buffer, first, limit, kvTile,
                                           tiles.layout);
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
  // Unmodified scores keep the scale out of the scores: it moves into the
  // exponent, exp(scale * (s - m)) = exp2(fma(s, c, -m c)) with c = scale *
  // log2 e, one fma and one ex2 a score (FlashAttention's form). The row
  // maxima are then those of the raw scores (scale > 0 keeps their order,
  // masked scores are -inf either way) and LSE takes scale * m. Sigmoid
  // weights take any scale (no maxima).
  const bool scaleInExponent = !sem.modifiesScores() && !values.temperature &&
                               (sem.isSigmoid() || sem.scale() > 0);
  const double rawScale = scaleInExponent ? sem.scale() : 1.0;
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
    Value scores = vector::FromElementsOp::create(b, loc, scoreType, s);
    if (!scaleInExponent)
      scores = arith::MulFOp::create(b, loc, scores, scale);
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
    // The standard mask as each row's bounds on a key's offset in the tile
    // (FlashAttention's column limits): score i's key is keyBegin + 2 quad
    // + keyOffsets[i], so its constant part meets the bounds less 2 quad,
    // one compare a bound and score and no key or distance built.
    auto boundedVisibility = [&]() -> Value {
      Value lead = toI32(mulC(quad, 2));
      auto fromLead = [&](Value bound) -> Value {
        return arith::SubIOp::create(b, loc, bound, lead);
      };
      // A block listed as full hides only keys past Lk: no window there.
      TileRows rows = tileRows;
      if (tile.listedFull) {
        rows.left = select(tile.listedFull, cIdx(-1), rows.left);
        rows.right = select(tile.listedFull, cIdx(-1), rows.right);
      }
      Value begin[2], end[2], sinkEnd[2];
      for (int64_t r = 0; r < 2; ++r) {
        // Rows g and g + 8: scores 0 and 2.
        Value position = extract(positions, 2 * r);
        TileSemantics::KeyBounds bounds =
            values.keyOffset
                ? sem.segmentKeyBounds(b, loc, rows, position, keyBegin, kvTile,
                                       segment)
                : sem.keyBounds(b, loc, rows, position, keyBegin, kvTile);
        end[r] = fromLead(bounds.end);
        begin[r] = bounds.begin ? fromLead(bounds.begin) : Value();
        sinkEnd[r] = bounds.sinkEnd ? fromLead(bounds.sinkEnd) : Value();
      }
      // Each score's row's bounds, per lane.
      TileSemantics::KeyBounds lanes;
      lanes.end = perRow(end);
      lanes.begin = begin[0] ? perRow(begin) : Value();
      lanes.sinkEnd = sinkEnd[0] ? perRow(sinkEnd) : Value();
      return TileSemantics::withinKeyBounds(b, loc, lanesOf(keyOffsets), lanes);
    };
    auto hide = [&]() -> Value {
      Value hidden = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(scoreType, b.getF32FloatAttr(negInf)));
      if (sem.hasKeyBounds())
        return arith::SelectOp::create(b, loc, boundedVisibility(), scores,
                                       hidden);
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
      return TileSemantics::sigmoidWeightsExp2(b, loc, scores, rawScale,
                                               sigmoidBias);
    return softmaxStep(scores, rawScale, m, l, newM, newL, alpha);
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
    Value m = state.m[r];
    if (scaleInExponent)
      m = arith::MulFOp::create(b, loc, m, cF32(static_cast<float>(rawScale)));
    std::tie(inv[r], lse[r]) = TileSemantics::finishRows(b, loc, m, l);
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

SmallVector<Value> KernelEmitter::elementsOf(Value vector) {
  SmallVector<Value> elements;
  for (int64_t i = 0, e = cast<VectorType>(vector.getType()).getNumElements();
       i < e; ++i)
    elements.push_back(extract(vector, i));
  return elements;
}

void attune::detail::emitAttentionKernel(OpBuilder &b, Location loc,
                                         attn::AttentionOp op,
                                         const TileSemantics &sem,
                                         const GPUTiling &tiling,
                                         const KernelValues &values) {
  // The emitter may leave the builder in the consumers' branch.
  OpBuilder::InsertionGuard guard(b);
  KernelEmitter(b, loc, op, sem, tiling).emit(values);
}

//===- RowKernel.cpp - the fused loop nest for a few query rows (decode) --===//
//
// When a KV group has only a handful of query rows (decode: Lq = 1, the
// group's heads), rows in lanes would leave most lanes idle. This form puts
// keys and head-dim chunks in lanes instead:
//
//   s[r, j] = sum over 16-wide chunks c of reduce(K[j, c] * Qs[r, c])
//   m' = max(m, max_j s);  p = exp(s - m');  l' = l exp(m - m') + sum_j p
//   Os[r, c] = exp(m - m') Os[r, c] + sum_j p[r, j] V[j, c]
//
// QK^T walks a row's key chunks (every K element of a tile loaded from L1
// once per row, from memory once per tile); P V takes the rows in blocks of
// four, then two, then one, so a V chunk is loaded once per block and
// multiplies into every row of it. Masks and modifiers come from
// TileSemantics, keys in lanes.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

static constexpr int64_t kChunk = 16;

void FusedEmitter::emitRowTiles(int64_t maxRows) {
  tileRows = maxRows;
  rowType = VectorType::get({kChunk}, b.getF32Type());
  int64_t numUnits = op.getNumQueryHeads() / sem.groupSize();
  Value units = cIdx(numUnits);
  Value zero = cIdx(0), one = cIdx(1);
  // One parallel loop; its body runs with tile scratch on the stack.
  auto parallel = [&](ValueRange upper, llvm::function_ref<void(ValueRange)> fn) {
    SmallVector<Value> zeros(upper.size(), zero), ones(upper.size(), one);
    scf::ParallelOp::create(
        b, loc, zeros, upper, ones, [&](OpBuilder &nb, Location, ValueRange ivs) {
          auto scope = memref::AllocaScopeOp::create(nb, loc, TypeRange{});
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
          b.setInsertionPoint(
              memref::AllocaScopeReturnOp::create(b, loc, ValueRange{}));
          fn(ivs);
        });
  };
  Value chunks = kvSplitCount();
  Value isSplit =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, chunks, one);
  scf::IfOp::create(
      b, loc, isSplit,
      [&](OpBuilder &tb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
        // Key chunks in parallel, then their exact merge.
        int64_t dyn = ShapedType::kDynamic;
        KvSplit split;
        split.chunks = chunks;
        split.outs = memref::AllocOp::create(
            b, loc,
            MemRefType::get({dyn, numUnits, dyn, maxRows, op.getValueHeadDim()},
                            b.getF32Type()),
            ValueRange{batch, chunks}, b.getI64IntegerAttr(64));
        split.stats = memref::AllocOp::create(
            b, loc,
            MemRefType::get({dyn, numUnits, dyn, 2, maxRows}, b.getF32Type()),
            ValueRange{batch, chunks}, b.getI64IntegerAttr(64));
        parallel({batch, units, chunks}, [&](ValueRange ivs) {
          emitRowTile(ivs[0], ivs[1], ivs[2], &split);
        });
        parallel({batch, units},
                 [&](ValueRange ivs) { mergeKvSplits(ivs[0], ivs[1], split); });
      },
      [&](OpBuilder &eb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(eb, loc, ValueRange{}));
        parallel({batch, units},
                 [&](ValueRange ivs) { emitRowTile(ivs[0], ivs[1]); });
      });
}

/// Sum of the lanes of `x` (reassociated: a shuffle tree).
static Value reduceAdd(OpBuilder &b, Location loc, Value x) {
  return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, x,
                                     Value(), arith::FastMathFlags::reassoc);
}

/// r[t] = sum of the lanes of acc[t], for 16 vectors of 16 lanes: a
/// transposing tree. Each level adds pairs of vectors after gathering, for
/// each of the two, the halves of its current partial sums side by side:
/// 16 vectors of 16 partials -> 8 of 2 x 8 -> 4 of 4 x 4 -> 2 of 8 x 2 -> 1.
static Value transposeReduce(OpBuilder &b, Location loc,
                             SmallVector<Value> acc) {
  for (int64_t width = kChunk / 2; width >= 1; width /= 2) {
    // Partials per key go from 2 * width to width: lanes [i, i + width) and
    // [i + width, i + 2 * width) of each group of 2 * width are added.
    SmallVector<int64_t> low, high;
    for (int64_t half = 0; half < 2; ++half)
      for (int64_t group = 0; group < kChunk / (2 * width); ++group)
        for (int64_t i = 0; i < width; ++i) {
          int64_t lane = half * kChunk + group * 2 * width + i;
          low.push_back(lane);
          high.push_back(lane + width);
        }
    SmallVector<Value> next;
    for (size_t i = 0; i + 1 < acc.size(); i += 2)
      next.push_back(arith::AddFOp::create(
          b, loc, vector::ShuffleOp::create(b, loc, acc[i], acc[i + 1], low),
          vector::ShuffleOp::create(b, loc, acc[i], acc[i + 1], high)));
    acc = next;
  }
  return acc.front();
}

void FusedEmitter::emitRowTile(Value bi, Value unit, Value chunk,
                               const KvSplit *split) {
  RowKeys rowKeys(*this, bi);
  using P = arith::CmpIPredicate;
  int64_t group = sem.groupSize(), kvTile = tiling.kvTile;
  int64_t headDim = op.getHeadDim(), valueDim = op.getValueHeadDim();
  Type f32 = b.getF32Type();
  Type element = cast<MemRefType>(k.getType()).getElementType();
  // bf16 dot products for QK^T need 32-wide chunks of D.
  bool dot = tiling.bf16Dot && element.isBF16() && headDim % 32 == 0;
  int64_t qChunk = dot ? 2 * kChunk : kChunk;
  VectorType chunkIn = VectorType::get({qChunk}, element);
  Value numRows = mul(qLen, cIdx(group));
  Value kvHead = kvHeadOfUnit(unit);
  Value lastKey = sub(kvLen, cIdx(1));

  // Qs[r, :]: the scaled query (f32), or as it is with its scale apart (dot).
  Value qs = scratch({tileRows, headDim}, dot ? element : f32);
  Value rowScale = scratch({tileRows});
  Value scores = scratch({tileRows, kvTile});
  Value os = scratch({tileRows, valueDim});
  Value stats = scratch({3, tileRows}); // m, l, alpha per row
  Value slopeBuf = slopes ? scratch({tileRows}) : Value();
  // bf16 dot products for PV too: V in pairs of keys, P rounded to bf16.
  Type bf16 = b.getBF16Type();
  Value valuePairs = dot ? scratch({kvTile / 2, 2 * valueDim}, bf16) : Value();
  Value probs = dot ? scratch({tileRows, kvTile}, bf16) : Value();
  Value negInf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zeroF = cF32(0.0f);

  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value head, pos;
    std::tie(head, pos) = rowOrigin(unit, r);
    Value s = rowScoreScale(bi, head, pos);
    memref::StoreOp::create(b, loc, s, rowScale, ValueRange{r});
    if (slopeBuf)
      memref::StoreOp::create(
          b, loc, memref::LoadOp::create(b, loc, slopes, ValueRange{head}),
          slopeBuf, ValueRange{r});
    for (int64_t c = 0; c < headDim; c += qChunk) {
      Value x = vector::LoadOp::create(b, loc, chunkIn, q,
                                       ValueRange{bi, head, pos, cIdx(c)});
      if (!dot) {
        if (!element.isF32())
          x = arith::ExtFOp::create(b, loc, rowType, x);
        x = arith::MulFOp::create(b, loc, x, bcast(s));
      }
      vector::StoreOp::create(b, loc, x, qs, ValueRange{r, cIdx(c)});
    }
    for (int64_t e = 0; e < valueDim; e += kChunk)
      vector::StoreOp::create(b, loc, splatF32(0.0f), os, ValueRange{r, cIdx(e)});
    memref::StoreOp::create(b, loc, negInf, stats, ValueRange{cIdx(0), r});
    memref::StoreOp::create(b, loc, zeroF, stats, ValueRange{cIdx(1), r});
  });

  TileRows rows;
  rows.qLen = qLen;
  rows.kvLen = kvLen;
  rows.firstRow = cIdx(0);
  rows.lastRow = arith::DivUIOp::create(b, loc, sub(numRows, cIdx(1)),
                                        cIdx(group));
  sem.maskBounds(b, loc, headOfRow(unit, cIdx(0)), rows.left, rows.right,
                 rows.sinks);
  KeyTileRange range = sem.keyTiles(b, loc, rows, kvTile);
  Value numTiles = add(range.numSinkTiles, sub(range.mainEnd, range.mainBegin));
  VectorType laneIds = VectorType::get({kChunk}, b.getI32Type());
  Value iota = arith::IndexCastOp::create(
      b, loc, laneIds,
      vector::StepOp::create(b, loc,
                             VectorType::get({kChunk}, b.getIndexType())));

  // With split-KV, this chunk's share of the key tiles.
  Value tileBegin = cIdx(0), tileEnd = numTiles;
  if (split) {
    tileBegin = arith::DivUIOp::create(b, loc, mul(numTiles, chunk),
                                       split->chunks);
    tileEnd = arith::DivUIOp::create(
        b, loc, mul(numTiles, add(chunk, cIdx(1))), split->chunks);
  }
  forLoop(tileBegin, tileEnd, 1, [&](Value it) {
    Value inSinks = arith::CmpIOp::create(b, loc, P::ult, it,
                                          range.numSinkTiles);
    Value tileIdx = arith::SelectOp::create(
        b, loc, inSinks, it, add(sub(it, range.numSinkTiles), range.mainBegin));
    Value keyBegin = mul(tileIdx, cIdx(kvTile));
    Value numKeys = minIdx(cIdx(kvTile), sub(kvLen, keyBegin));
    Value full = sem.isFullTile(b, loc, rows, keyBegin, kvTile);

    // s[r, j0 + t] for 16 keys at a time: one accumulator per key. Rows
    // outside, key chunks inside: a chunk's K loads then vary in the inner
    // loop, where rows inside would leave them invariant and LLVM hoists the
    // 16 x D/16 vectors out of the row loop into stack copies (spilled: a
    // copy through the stack of every K element, pure cost at one row).
    forLoop(cIdx(0), numRows, 1, [&](Value r) {
      forLoop(cIdx(0), cIdx(kvTile), kChunk, [&](Value j0) {
        SmallVector<Value> keyRows;
        for (int64_t t = 0; t < kChunk; ++t)
          keyRows.push_back(minIdx(add(keyBegin, add(j0, cIdx(t))), lastKey));
        // acc[t] += K[key_t, c] * Qs[r, c] over the chunks c of D, walked in
        // memory order (key by key); the 16 chains are independent.
        auto step = [&](Value acc, Value qc, Value key, Value c) -> Value {
          Value kc = vector::LoadOp::create(b, loc, chunkIn, k,
                                            ValueRange{bi, kvHead, key, c});
          if (dot)
            return x86vector::DotBF16Op::create(b, loc, rowType, acc, qc, kc);
          if (!element.isF32())
            kc = arith::ExtFOp::create(b, loc, rowType, kc);
          return vector::FMAOp::create(b, loc, kc, qc, acc);
        };
        // Up to 8 chunks of Qs stay in registers; longer heads loop over
        // equal groups of chunks (a divisor of their number: no pass may
        // run past D).
        int64_t numChunks = headDim / qChunk, perPass = std::min<int64_t>(8, numChunks);
        while (numChunks % perPass != 0)
          --perPass;
        SmallVector<Value> init(kChunk, splatF32(0.0f));
        auto loop = scf::ForOp::create(
            b, loc, cIdx(0), cIdx(headDim), cIdx(perPass * qChunk), init,
            [&](OpBuilder &nb, Location, Value c0, ValueRange acc) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPointToEnd(nb.getInsertionBlock());
              SmallVector<Value> chunks, queries;
              for (int64_t i = 0; i < perPass; ++i) {
                chunks.push_back(add(c0, cIdx(i * qChunk)));
                queries.push_back(vector::LoadOp::create(
                    b, loc, dot ? chunkIn : rowType, qs,
                    ValueRange{r, chunks.back()}));
              }
              SmallVector<Value> next(acc.begin(), acc.end());
              for (int64_t t = 0; t < kChunk; ++t)
                for (int64_t i = 0; i < perPass; ++i)
                  next[t] = step(next[t], queries[i], keyRows[t], chunks[i]);
              scf::YieldOp::create(b, loc, next);
            });
        Value s = transposeReduce(b, loc, SmallVector<Value>(loop.getResults()));
        if (dot)
          s = arith::MulFOp::create(
              b, loc, s,
              bcast(memref::LoadOp::create(b, loc, rowScale, ValueRange{r})));
        vector::StoreOp::create(b, loc, s, scores, ValueRange{r, j0});
      });
    });

    auto storeProbabilities = [&](Value p, Value r, int64_t j) {
      if (probs)
        vector::StoreOp::create(
            b, loc,
            arith::TruncFOp::create(b, loc, VectorType::get({kChunk}, bf16), p),
            probs, ValueRange{r, cIdx(j)});
      else
        vector::StoreOp::create(b, loc, p, scores, ValueRange{r, cIdx(j)});
    };
    if (valuePairs)
      packValuePairs(bi, kvHead, keyBegin, valuePairs);

    // Per row: modifiers, mask (partial tiles), online softmax.
    forLoop(cIdx(0), numRows, 1, [&](Value r) {
      Value pos = rowOrigin(unit, r).second;
      TileRows row = rows;
      if (slopeBuf)
        row.slopes = memref::LoadOp::create(b, loc, slopeBuf, ValueRange{r});
      row.bias = bias;
      row.biasKeys = kvExtent;
      row.batch = bi;
      row.heads = headOfRow(unit, r);
      Value m = memref::LoadOp::create(b, loc, stats, ValueRange{cIdx(0), r});
      Value l = memref::LoadOp::create(b, loc, stats, ValueRange{cIdx(1), r});
      SmallVector<Value> chunks;
      Value rowMax = splatF32(-std::numeric_limits<float>::infinity());
      // The standard mask as the row's bounds on a key's offset in the tile
      // (compared with constant offsets, as on the GPU); a mask_mod per key.
      // The bounds are splat over the 16 keys' lanes.
      std::optional<TileSemantics::KeyBounds> bounds;
      if (sem.hasKeyBounds()) {
        bounds = sem.keyBounds(b, loc, row, pos, keyBegin, kvTile);
        for (Value *bound : {&bounds->begin, &bounds->end, &bounds->sinkEnd})
          if (*bound)
            *bound = vector::BroadcastOp::create(b, loc, laneIds, *bound);
      }
      for (int64_t j0 = 0; j0 < kvTile; j0 += kChunk) {
        Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                         ValueRange{r, cIdx(j0)});
        Value keys = arith::AddIOp::create(
            b, loc, iota,
            vector::BroadcastOp::create(
                b, loc, laneIds,
                arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                           add(keyBegin, cIdx(j0)))));
        s = sem.modifyScores(b, loc, row, s, pos, keys);
        Value vis;
        if (bounds) {
          SmallVector<int32_t> offsetValues;
          for (int64_t t = 0; t < kChunk; ++t)
            offsetValues.push_back(static_cast<int32_t>(j0 + t));
          Value offsets = arith::ConstantOp::create(
              b, loc, DenseElementsAttr::get(laneIds, ArrayRef(offsetValues)));
          vis = TileSemantics::withinKeyBounds(b, loc, offsets, *bounds);
        } else {
          vis = sem.visibility(b, loc, row, pos, keys);
        }
        Value masked = arith::SelectOp::create(b, loc, vis, s,
                                               splatF32(-std::numeric_limits<float>::infinity()));
        s = arith::SelectOp::create(b, loc, full, s, masked);
        chunks.push_back(s);
        rowMax = arith::MaximumFOp::create(b, loc, rowMax, s);
      }
      Value alpha, sum = splatF32(0.0f);
      if (sem.isSigmoid()) {
        Value sigmoidBias = bcast(sem.sigmoidBias(b, loc, kvLen));
        for (auto [i, s] : llvm::enumerate(chunks))
          storeProbabilities(TileSemantics::sigmoidWeights(b, loc, s, sigmoidBias),
                             r, i * kChunk);
        alpha = cF32(1.0f);
      } else {
        // m' = max(m, max_j s), base, alpha = exp(m - base), p = exp(s - base)
        Value mNew = arith::MaximumFOp::create(
            b, loc, m,
            vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXIMUMF,
                                        rowMax));
        Value base = TileSemantics::exponentBase(b, loc, mNew);
        alpha = math::ExpOp::create(b, loc,
                                    arith::SubFOp::create(b, loc, m, base));
        for (auto [i, s] : llvm::enumerate(chunks)) {
          Value p = math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, s, bcast(base)));
          storeProbabilities(p, r, i * kChunk);
          sum = arith::AddFOp::create(b, loc, sum, p);
        }
        Value lNew = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, l, alpha),
            reduceAdd(b, loc, sum));
        memref::StoreOp::create(b, loc, mNew, stats, ValueRange{cIdx(0), r});
        memref::StoreOp::create(b, loc, lNew, stats, ValueRange{cIdx(1), r});
      }
      memref::StoreOp::create(b, loc, alpha, stats, ValueRange{cIdx(2), r});
    });

    // Os[r, e] = alpha Os[r, e] + sum_j p[r, j] V[j, e] for a block of
    // `count` rows at once, `width` chunks of 16 columns per pass over the
    // tile's keys: each V chunk is loaded once for the block's rows.
    VectorType valueIn = VectorType::get({kChunk}, element);
    auto accumulateRows = [&](Value r0, int64_t count, int64_t width) {
      SmallVector<Value> rowIds, alphas;
      for (int64_t i = 0; i < count; ++i) {
        rowIds.push_back(add(r0, cIdx(i)));
        alphas.push_back(bcast(memref::LoadOp::create(
            b, loc, stats, ValueRange{cIdx(2), rowIds.back()})));
      }
      for (int64_t e0 = 0; e0 < valueDim; e0 += width * kChunk) {
        int64_t chunks = std::min<int64_t>(width, (valueDim - e0) / kChunk);
        SmallVector<Value> init;
        for (int64_t i = 0; i < count; ++i)
          for (int64_t c = 0; c < chunks; ++c)
            init.push_back(arith::MulFOp::create(
                b, loc,
                vector::LoadOp::create(
                    b, loc, rowType, os,
                    ValueRange{rowIds[i], cIdx(e0 + c * kChunk)}),
                alphas[i]));
        // With bf16 dot products: Os[r, e] += P[r, 2q] V[2q, e] +
        // P[r, 2q + 1] V[2q + 1, e] over the key pairs.
        Value numSteps =
            valuePairs ? arith::CeilDivUIOp::create(b, loc, numKeys, cIdx(2))
                             .getResult()
                       : numKeys;
        auto loop = scf::ForOp::create(
            b, loc, cIdx(0), numSteps, cIdx(1), init,
            [&](OpBuilder &nb, Location, Value j, ValueRange acc) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPointToEnd(nb.getInsertionBlock());
              SmallVector<Value> weights, values;
              for (int64_t i = 0; i < count; ++i)
                weights.push_back(
                    valuePairs
                        ? broadcastPair(probs, {rowIds[i], mul(j, cIdx(2))})
                        : bcast(memref::LoadOp::create(
                              b, loc, scores, ValueRange{rowIds[i], j})));
              for (int64_t c = 0; c < chunks; ++c) {
                if (valuePairs) {
                  values.push_back(vector::LoadOp::create(
                      b, loc, VectorType::get({2 * kChunk}, bf16), valuePairs,
                      ValueRange{j, cIdx(2 * (e0 + c * kChunk))}));
                  continue;
                }
                Value vc = vector::LoadOp::create(
                    b, loc, valueIn, v,
                    ValueRange{bi, kvHead, add(keyBegin, j),
                               cIdx(e0 + c * kChunk)});
                if (!element.isF32())
                  vc = arith::ExtFOp::create(b, loc, rowType, vc);
                values.push_back(vc);
              }
              SmallVector<Value> next;
              for (int64_t i = 0; i < count; ++i)
                for (int64_t c = 0; c < chunks; ++c) {
                  Value a = acc[i * chunks + c];
                  next.push_back(
                      valuePairs
                          ? x86vector::DotBF16Op::create(b, loc, rowType, a,
                                                         values[c], weights[i])
                                .getResult()
                          : vector::FMAOp::create(b, loc, weights[i], values[c],
                                                  a)
                                .getResult());
                }
              scf::YieldOp::create(b, loc, next);
            });
        for (int64_t i = 0; i < count; ++i)
          for (int64_t c = 0; c < chunks; ++c)
            vector::StoreOp::create(
                b, loc, loop.getResult(i * chunks + c), os,
                ValueRange{rowIds[i], cIdx(e0 + c * kChunk)});
      }
    };
    // Blocks of four rows (16 accumulators), then of two, then one.
    Value fours =
        mul(arith::DivUIOp::create(b, loc, numRows, cIdx(4)), cIdx(4));
    forLoop(cIdx(0), fours, 4, [&](Value r0) { accumulateRows(r0, 4, 4); });
    Value pairEnd = add(
        fours, mul(arith::DivUIOp::create(b, loc, sub(numRows, fours), cIdx(2)),
                   cIdx(2)));
    forLoop(fours, pairEnd, 2, [&](Value r0) { accumulateRows(r0, 2, 8); });
    forLoop(pairEnd, numRows, 1, [&](Value r0) { accumulateRows(r0, 1, 8); });
  });

  // Split-KV: this chunk's rows as they are (un-normalized) with m and l.
  if (split) {
    forLoop(cIdx(0), numRows, 1, [&](Value r) {
      for (int64_t which = 0; which < 2; ++which)
        memref::StoreOp::create(
            b, loc,
            memref::LoadOp::create(b, loc, stats, ValueRange{cIdx(which), r}),
            split->stats, ValueRange{bi, unit, chunk, cIdx(which), r});
      for (int64_t e = 0; e < valueDim; e += kChunk)
        vector::StoreOp::create(
            b, loc,
            vector::LoadOp::create(b, loc, rowType, os, ValueRange{r, cIdx(e)}),
            split->outs, ValueRange{bi, unit, chunk, r, cIdx(e)});
    });
    return;
  }
  // O[b, head, pos, :] = Os[r, :] / l (0 when l = 0), LSE = m + log(l).
  Type outElement = cast<MemRefType>(out.getType()).getElementType();
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value head, pos;
    std::tie(head, pos) = rowOrigin(unit, r);
    Value inv = cF32(1.0f);
    if (!sem.isSigmoid()) {
      Value m = memref::LoadOp::create(b, loc, stats, ValueRange{cIdx(0), r});
      Value l = memref::LoadOp::create(b, loc, stats, ValueRange{cIdx(1), r});
      Value rowLse;
      std::tie(inv, rowLse) = TileSemantics::finishRows(b, loc, m, l);
      if (lse)
        memref::StoreOp::create(b, loc, rowLse, lse, ValueRange{bi, head, pos});
    }
    for (int64_t e = 0; e < valueDim; e += kChunk) {
      Value o = arith::MulFOp::create(
          b, loc,
          vector::LoadOp::create(b, loc, rowType, os, ValueRange{r, cIdx(e)}),
          bcast(inv));
      if (!outElement.isF32())
        o = arith::TruncFOp::create(
            b, loc, VectorType::get({kChunk}, outElement), o);
      vector::StoreOp::create(b, loc, o, out, ValueRange{bi, head, pos, cIdx(e)});
    }
  });
}

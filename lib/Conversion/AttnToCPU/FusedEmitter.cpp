//===- FusedEmitter.cpp - the tiled online-softmax loop nest on the CPU ---===//
//
// The FlashAttention-2 loop on buffers, with the query rows of a tile in
// vector lanes ("transposed" form): every per-row quantity (running max m,
// running sum l, the ALiBi slope, the query position) is one vector, so the
// online softmax needs no horizontal reductions, and both products become
// broadcast-and-FMA micro-kernels that read K and V rows as they lie in
// memory:
//
//   S^T[j, :] = sum_d K[j, d] * Qt[d, :]          (Qt: the packed, scaled Q)
//   m' = max(m, max_j S^T[j, :]);  P^T[j, :] = exp(S^T[j, :] - m')
//   l' = l * exp(m - m') + sum_j P^T[j, :]
//   Ot[e, :] = exp(m - m') * Ot[e, :] + sum_j V[j, e] * P^T[j, :]
//   O[row, e] = Ot[e, row] / l   (0 when l = 0),  LSE = m + log(l)
//
// Query heads that share a KV head are packed into one tile's rows, so each
// K/V element is read once per tile for the whole group. Everything that
// depends on the variant (key tile range, full-tile test, score modifiers,
// visibility) comes from TileSemantics.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

static constexpr float kNegInf = -std::numeric_limits<float>::infinity();

Value FusedEmitter::kvHeadOfUnit(Value unit) {
  // A unit is a KV group when heads are packed, else one query head.
  return sem.groupSize() > 1 ? unit : sem.kvHeadOf(b, loc, unit);
}

std::pair<Value, Value> FusedEmitter::rowOrigin(Value unit, Value row) {
  int64_t group = sem.groupSize();
  Value pos = group == 1 ? row
                         : arith::DivUIOp::create(b, loc, row, cIdx(group))
                               .getResult();
  return {headOfRow(unit, row), pos};
}

Value FusedEmitter::rowScoreScale(Value bi, Value head, Value pos) {
  Value scale = cF32(static_cast<float>(sem.scale()));
  if (!temperature)
    return scale;
  auto type = cast<MemRefType>(temperature.getType());
  Value tb = type.getDimSize(0) == 1 ? cIdx(0) : bi;
  Value th = type.getDimSize(1) == 1 ? cIdx(0) : head;
  return arith::MulFOp::create(
      b, loc, scale,
      memref::LoadOp::create(b, loc, temperature, ValueRange{tb, th, pos}));
}

void FusedEmitter::forColumnBlocks(
    int64_t block, llvm::function_ref<void(Value, int64_t)> fn) {
  int64_t valueDim = op.getValueHeadDim();
  int64_t full = valueDim / block * block;
  if (full)
    forLoop(cIdx(0), cIdx(full), block, [&](Value e) { fn(e, block); });
  if (full != valueDim)
    fn(cIdx(full), valueDim - full);
}

void FusedEmitter::emitQueryTiles(int64_t rows) {
  tileRows = rows;
  rowType = VectorType::get({rows}, b.getF32Type());
  int64_t group = sem.groupSize();
  Value units = cIdx(op.getNumQueryHeads() / group);
  Value rowsPerUnit = mul(qLen, cIdx(group));
  Value tiles = arith::CeilDivUIOp::create(b, loc, rowsPerUnit, cIdx(rows));
  Value zero = cIdx(0), one = cIdx(1);
  auto emitTiles = [&] {
    scf::ParallelOp::create(
        b, loc, ValueRange{zero, zero, zero}, ValueRange{batch, units, tiles},
        ValueRange{one, one, one},
        [&](OpBuilder &nb, Location, ValueRange ivs) {
          // Scratch tiles live on the stack of the thread running the tile.
          auto scope = memref::AllocaScopeOp::create(nb, loc, TypeRange{});
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&scope.getBodyRegion().emplaceBlock());
          b.setInsertionPoint(
              memref::AllocaScopeReturnOp::create(b, loc, ValueRange{}));
          emitTile(ivs[0], ivs[1], ivs[2]);
        });
  };
  if (!useAmx()) {
    emitTiles();
    return;
  }
  // AMX where the OS grants the tile state (Linux >= 5.16; older kernels
  // would fault on the first tile instruction), else the vdpbf16ps kernels.
  scf::IfOp::create(
      b, loc, requestAmxState(),
      [&](OpBuilder &tb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
        // Freed by the buffer deallocation pipeline.
        valuesT = transposeValues();
        emitTiles();
      },
      [&](OpBuilder &eb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(eb, loc, ValueRange{}));
        amxRefused = true;
        emitTiles();
        amxRefused = false;
      });
}

/// Qt[d, r] = scale * temperature(row) * Q[b, head(r), pos(r), d] for the
/// tile's rows, 0 beyond them; slopes[r] = alibi[head(r)]. With `scaleBuf`
/// (bf16 dot products) the query stays as it is, in pairs along d:
/// Qp[d / 2, 2 r + d % 2] = Q[...], and scaleBuf[r] = scale * temperature.
void FusedEmitter::packQuery(Value bi, Value unit, Value rowBegin,
                             Value numRows, Value qt, Value slopeBuf,
                             Value scaleBuf) {
  Value zeroRow = splatF32(0.0f);
  auto qtType = cast<MemRefType>(qt.getType());
  Value zeroQt = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          VectorType::get({qtType.getDimSize(1)}, qtType.getElementType()),
          b.getZeroAttr(qtType.getElementType())));
  forLoop(cIdx(0), cIdx(qtType.getDimSize(0)), 1, [&](Value d) {
    vector::StoreOp::create(b, loc, zeroQt, qt, ValueRange{d, cIdx(0)});
  });
  for (Value buffer : {slopeBuf, scaleBuf})
    if (buffer)
      vector::StoreOp::create(b, loc, zeroRow, buffer, ValueRange{cIdx(0)});
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value head, pos;
    std::tie(head, pos) = rowOrigin(unit, add(rowBegin, r));
    Value rowScale = rowScoreScale(bi, head, pos);
    if (slopeBuf)
      memref::StoreOp::create(
          b, loc, memref::LoadOp::create(b, loc, slopes, ValueRange{head}),
          slopeBuf, ValueRange{r});
    if (scaleBuf)
      memref::StoreOp::create(b, loc, rowScale, scaleBuf, ValueRange{r});
    forLoop(cIdx(0), cIdx(op.getHeadDim()), 1, [&](Value d) {
      Value x = memref::LoadOp::create(b, loc, q, ValueRange{bi, head, pos, d});
      if (scaleBuf) {
        Value two = cIdx(2);
        Value lane = add(mul(r, two), arith::RemUIOp::create(b, loc, d, two));
        memref::StoreOp::create(
            b, loc, x, qt,
            ValueRange{arith::DivUIOp::create(b, loc, d, two), lane});
        return;
      }
      memref::StoreOp::create(
          b, loc, arith::MulFOp::create(b, loc, toF32(x), rowScale), qt,
          ValueRange{d, r});
    });
  });
}

/// O[b, head(r), pos(r), e] = Ot[e, r] * rowScale[r];  LSE likewise.
void FusedEmitter::storeRows(Value bi, Value unit, Value rowBegin,
                             Value numRows, Value ot, Value rowScale,
                             Value rowLse) {
  Type outElement = cast<MemRefType>(out.getType()).getElementType();
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value head, pos;
    std::tie(head, pos) = rowOrigin(unit, add(rowBegin, r));
    Value s = memref::LoadOp::create(b, loc, rowScale, ValueRange{r});
    if (lse)
      memref::StoreOp::create(
          b, loc, memref::LoadOp::create(b, loc, rowLse, ValueRange{r}), lse,
          ValueRange{bi, head, pos});
    forLoop(cIdx(0), cIdx(op.getValueHeadDim()), 1, [&](Value e) {
      Value x = arith::MulFOp::create(
          b, loc, memref::LoadOp::create(b, loc, ot, ValueRange{e, r}), s);
      if (!outElement.isF32())
        x = arith::TruncFOp::create(b, loc, outElement, x);
      memref::StoreOp::create(b, loc, x, out, ValueRange{bi, head, pos, e});
    });
  });
}

/// The online-softmax update of one key tile whose scores are in `scores`:
///   m' = max(m, max_j s);  base = m' (0 while -inf);  alpha = exp(m - base)
///   P[j, :] = exp(s[j, :] - base);  l' = alpha * l + sum_j P[j, :]
/// Returns (m', l', alpha); P replaces the scores, or with `pairs` (bf16
/// products) goes straight to the packed pairs (storeProbabilityPair). With
/// `scale` (> 0), the tile holds s / scale: m' = max(m, scale * max_j),
/// P = exp(scale * s - base).
std::tuple<Value, Value, Value> FusedEmitter::onlineSoftmax(Value scores,
                                                            Value m, Value l,
                                                            Value pairs,
                                                            Value scale) {
  int64_t kvTile = tiling.kvTile;
  auto rowAt = [&](Value j) {
    return vector::LoadOp::create(b, loc, rowType, scores, ValueRange{j, cIdx(0)})
        .getResult();
  };
  auto maxLoop = scf::ForOp::create(
      b, loc, cIdx(0), cIdx(kvTile), cIdx(1),
      ValueRange{scale ? splatF32(kNegInf) : m},
      [&](OpBuilder &lb, Location, Value j, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(lb.getInsertionBlock());
        scf::YieldOp::create(
            b, loc, ValueRange{arith::MaximumFOp::create(b, loc, acc[0], rowAt(j))});
      });
  Value mNew = maxLoop.getResult(0);
  if (scale)
    mNew = arith::MaximumFOp::create(
        b, loc, m, arith::MulFOp::create(b, loc, mNew, scale));
  Value base = TileSemantics::exponentBase(b, loc, mNew);
  Value alpha =
      math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, m, base));
  Value negBase = scale ? arith::NegFOp::create(b, loc, base) : Value();
  auto weight = [&](Value j) -> Value {
    if (scale)
      return math::ExpOp::create(
          b, loc, math::FmaOp::create(b, loc, rowAt(j), scale, negBase));
    return math::ExpOp::create(b, loc,
                               arith::SubFOp::create(b, loc, rowAt(j), base));
  };
  auto sumLoop = scf::ForOp::create(
      b, loc, cIdx(0), cIdx(pairs ? kvTile / 2 : kvTile), cIdx(1),
      ValueRange{splatF32(0.0f)},
      [&](OpBuilder &lb, Location, Value j, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(lb.getInsertionBlock());
        Value sum;
        if (pairs) {
          Value first = mul(j, cIdx(2));
          Value p0 = weight(first), p1 = weight(add(first, cIdx(1)));
          storeProbabilityPair(p0, p1, pairs, j);
          sum = arith::AddFOp::create(b, loc, acc[0],
                                      arith::AddFOp::create(b, loc, p0, p1));
        } else {
          Value p = weight(j);
          vector::StoreOp::create(b, loc, p, scores, ValueRange{j, cIdx(0)});
          sum = arith::AddFOp::create(b, loc, acc[0], p);
        }
        scf::YieldOp::create(b, loc, ValueRange{sum});
      });
  Value lNew = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, alpha, l), sumLoop.getResult(0));
  return {mNew, lNew, alpha};
}

void FusedEmitter::emitTile(Value bi, Value unit, Value tile) {
  RowKeys rowKeys(*this, bi);
  int64_t group = sem.groupSize(), kvTile = tiling.kvTile;
  int64_t headDim = op.getHeadDim(), valueDim = op.getValueHeadDim();
  Value rowBegin = mul(tile, cIdx(tileRows));
  Value numRows = minIdx(cIdx(tileRows), sub(mul(qLen, cIdx(group)), rowBegin));
  Value kvHead = kvHeadOfUnit(unit);

  // Scratch of one tile: the packed query, S^T (then P^T), the O^T
  // accumulator; f16/bf16 K and V widened to f32 one key tile at a time, or
  // with bf16 dot products, V and P^T packed in pairs of keys.
  bool dot = useBf16Dot();
  bool amx = useAmx(); // implies dot
  Type bf16 = b.getBF16Type();
  Value qt = dot ? scratch({headDim / 2, 2 * tileRows}, bf16)
                 : scratch({headDim, tileRows});
  Value scores = scratch({kvTile, tileRows});
  Value ot = scratch({valueDim, tileRows});
  Value slopeBuf = slopes ? scratch({tileRows}) : Value();
  Value scaleBuf = dot ? scratch({tileRows}) : Value();
  bool convert =
      !dot && !cast<MemRefType>(k.getType()).getElementType().isF32();
  Value keys = convert ? scratch({kvTile, headDim}) : Value();
  Value values = convert ? scratch({kvTile, valueDim}) : Value();
  Value valuePairs =
      dot && !amx ? scratch({kvTile / 2, 2 * valueDim}, bf16) : Value();
  Value keyStage = amx ? scratch({kvTile, headDim}, bf16) : Value();
  Value probPairs = dot ? scratch({kvTile / 2, 2 * tileRows}, bf16) : Value();

  packQuery(bi, unit, rowBegin, numRows, qt, slopeBuf, scaleBuf);
  Value scoreScale = dot ? vector::LoadOp::create(b, loc, rowType, scaleBuf,
                                                  ValueRange{cIdx(0)})
                               .getResult()
                         : Value();
  // The bf16 products leave the scale for the scores. When it is one
  // positive constant and nothing reads the scaled scores before the
  // softmax (no modifier, no sigmoid), the softmax applies it in its exp
  // (exp(s * scale - m)) instead of a pass over the tile; masking the
  // unscaled scores to -inf is the same.
  Value softmaxScale;
  if (dot && !temperature && sem.scale() > 0 && !sem.modifiesScores() &&
      !sem.isSigmoid()) {
    softmaxScale = splatF32(static_cast<float>(sem.scale()));
    scoreScale = Value();
  }
  forLoop(cIdx(0), cIdx(valueDim), 1, [&](Value e) {
    vector::StoreOp::create(b, loc, splatF32(0.0f), ot, ValueRange{e, cIdx(0)});
  });

  // Rows of the tile: query positions, bounds, per-row slopes.
  TileRows rows;
  rows.qLen = qLen;
  rows.kvLen = kvLen;
  Value groupC = cIdx(group);
  rows.firstRow = arith::DivUIOp::create(b, loc, rowBegin, groupC);
  rows.lastRow = arith::DivUIOp::create(
      b, loc, sub(add(rowBegin, numRows), cIdx(1)), groupC);
  VectorType i32Row = VectorType::get({tileRows}, b.getI32Type());
  Value lanes = vector::StepOp::create(
      b, loc, VectorType::get({tileRows}, b.getIndexType()));
  Value rowIds = arith::IndexCastOp::create(
      b, loc, i32Row,
      arith::AddIOp::create(
          b, loc, lanes,
          vector::BroadcastOp::create(b, loc, lanes.getType(), rowBegin)));
  rows.positions =
      group == 1 ? rowIds
                 : arith::DivUIOp::create(
                       b, loc, rowIds,
                       arith::ConstantOp::create(
                           b, loc,
                           DenseElementsAttr::get(
                               i32Row, b.getI32IntegerAttr(group))))
                       .getResult();
  sem.maskBounds(b, loc, headOfRow(unit, rowBegin), rows.left, rows.right,
                 rows.sinks);
  if (slopeBuf)
    rows.slopes = vector::LoadOp::create(b, loc, rowType, slopeBuf,
                                         ValueRange{cIdx(0)});
  rows.bias = bias;
  rows.biasKeys = kvExtent;
  rows.batch = bi;
  {
    // head of lane r = unit * group + (rowBegin + r) % group
    Value unitBase = arith::IndexCastOp::create(
        b, loc, b.getI32Type(), mul(unit, cIdx(group)));
    rows.heads =
        group == 1
            ? vector::BroadcastOp::create(b, loc, i32Row, unitBase).getResult()
            : arith::AddIOp::create(
                  b, loc,
                  vector::BroadcastOp::create(b, loc, i32Row, unitBase),
                  arith::RemUIOp::create(
                      b, loc, rowIds,
                      arith::ConstantOp::create(
                          b, loc,
                          DenseElementsAttr::get(
                              i32Row, b.getI32IntegerAttr(group)))))
                  .getResult();
  }

  // The key tiles to visit: the range the mask leaves visible, or the
  // blocks a block-sparse mask lists.
  KeyTileRange range;
  std::optional<BlockListWalk> walk;
  Value numTiles;
  if (blockLists.counts) {
    walk.emplace(b, loc, sem.blockSizes(), kvTile,
                 blockListAccess(bi, headOfRow(unit, rowBegin)),
                 rows.firstRow);
    numTiles = walk->numTiles();
  } else {
    range = sem.keyTiles(b, loc, rows, kvTile);
    numTiles = add(range.numSinkTiles, sub(range.mainEnd, range.mainBegin));
  }
  Value sigmoidBias = sem.isSigmoid() ? bcast(sem.sigmoidBias(b, loc, kvLen)) : Value();
  Value negInf = splatF32(kNegInf);
  SmallVector<Value> init = {negInf, splatF32(0.0f)};
  auto kvLoop = scf::ForOp::create(
      b, loc, cIdx(0), numTiles, cIdx(1), init,
      [&](OpBuilder &nb, Location, Value it, ValueRange state) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nb.getInsertionBlock());
        Value keyBegin, listedFull, skip;
        if (blockLists.counts) {
          walk->tile(b, loc, it, kvLen, keyBegin, listedFull, skip);
        } else {
          // Sink tiles first, then the main range.
          Value inSinks = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, it, range.numSinkTiles);
          Value kvTileIdx = arith::SelectOp::create(
              b, loc, inSinks, it,
              add(sub(it, range.numSinkTiles), range.mainBegin));
          keyBegin = mul(kvTileIdx, cIdx(kvTile));
        }
        // A skipped list entry (duplicate, out of range) leaves m, l as they
        // are; the rest of the step runs in the `then` branch.
        scf::IfOp guardStep;
        if (skip) {
          guardStep = scf::IfOp::create(b, loc, state.getTypes(), skip,
                                        /*withElseRegion=*/true);
          b.setInsertionPointToStart(guardStep.thenBlock());
          scf::YieldOp::create(b, loc, state);
          b.setInsertionPointToStart(guardStep.elseBlock());
        }
        Value numKeys = minIdx(cIdx(kvTile), sub(kvLen, keyBegin));
        if (convert) {
          convertRows(k, bi, kvHead, keyBegin, keys, headDim);
          convertRows(v, bi, kvHead, keyBegin, values, valueDim);
        }
        if (amx) {
          scoreTileAmx(qt, bi, kvHead, keyBegin, scores, scoreScale, keyStage);
        } else if (dot) {
          packValuePairs(bi, kvHead, keyBegin, valuePairs);
          scoreTileDot(qt, bi, kvHead, keyBegin, scores, scoreScale);
        } else {
          scoreTile(qt, keys, bi, kvHead, keyBegin, scores);
        }

        // Score modifiers on every key; the mask only where the tile is not
        // entirely visible (diagonal and tail tiles).
        if (sem.modifiesScores())
          forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            s = sem.modifyScores(b, loc, rows, s, rows.positions,
                                 add(keyBegin, j));
            vector::StoreOp::create(b, loc, s, scores, ValueRange{j, cIdx(0)});
          });
        // A block listed as full is visible whatever the mask: only keys past
        // Lk are hidden there.
        Value keyEnd = add(keyBegin, cIdx(kvTile));
        Value inBounds =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, keyEnd, kvLen);
        Value full = sem.isFullTile(b, loc, rows, keyBegin, kvTile);
        if (listedFull)
          full = arith::SelectOp::create(b, loc, listedFull, inBounds, full);
        Value partial = arith::XOrIOp::create(
            b, loc, full,
            arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
        scf::IfOp::create(b, loc, partial, [&](OpBuilder &tb, Location) {
          OpBuilder::InsertionGuard g2(b);
          b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
          forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            Value key = add(keyBegin, j);
            Value vis = sem.visibility(b, loc, rows, rows.positions, key);
            if (listedFull) {
              Value inRange = vector::BroadcastOp::create(
                  b, loc, cast<VectorType>(vis.getType()),
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, key,
                                        kvLen));
              vis = arith::SelectOp::create(b, loc, listedFull, inRange, vis);
            }
            s = arith::SelectOp::create(b, loc, vis, s, negInf);
            vector::StoreOp::create(b, loc, s, scores, ValueRange{j, cIdx(0)});
          });
        });

        Value m = state[0], l = state[1], alpha;
        if (sigmoidBias) {
          // p = sigmoid(s + b); nothing to rescale.
          auto weight = [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            return TileSemantics::sigmoidWeights(b, loc, s, sigmoidBias);
          };
          forLoop(cIdx(0), cIdx(dot ? kvTile / 2 : kvTile), 1, [&](Value j) {
            if (dot) {
              Value first = mul(j, cIdx(2));
              storeProbabilityPair(weight(first), weight(add(first, cIdx(1))),
                                   probPairs, j);
              return;
            }
            vector::StoreOp::create(b, loc, weight(j), scores,
                                    ValueRange{j, cIdx(0)});
          });
        } else {
          std::tie(m, l, alpha) = onlineSoftmax(
              scores, m, l, dot ? probPairs : Value(), softmaxScale);
        }
        if (dot) {
          if (amx)
            valueTileAmx(probPairs, bi, kvHead, keyBegin, alpha, ot);
          else
            valueTileDot(probPairs, valuePairs, numKeys, alpha, ot);
        } else {
          valueTile(scores, values, bi, kvHead, keyBegin, numKeys, alpha, ot);
        }
        scf::YieldOp::create(b, loc, ValueRange{m, l});
        if (guardStep) {
          b.setInsertionPointAfter(guardStep);
          scf::YieldOp::create(b, loc, guardStep.getResults());
        }
      });

  // Per-row output scale and LSE (sigmoid rows are not normalized).
  Value rowScale = scratch({tileRows});
  Value rowLse = lse ? scratch({tileRows}) : Value();
  if (sigmoidBias) {
    vector::StoreOp::create(b, loc, splatF32(1.0f), rowScale,
                            ValueRange{cIdx(0)});
  } else {
    auto [inv, rowLseValue] = TileSemantics::finishRows(
        b, loc, kvLoop.getResult(0), kvLoop.getResult(1));
    vector::StoreOp::create(b, loc, inv, rowScale, ValueRange{cIdx(0)});
    if (rowLse)
      vector::StoreOp::create(b, loc, rowLseValue, rowLse, ValueRange{cIdx(0)});
  }
  storeRows(bi, unit, rowBegin, numRows, ot, rowScale, rowLse);
}


//===- AttnToCPU.cpp - fused CPU lowering of attn.attention ---------------===//
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

#include "attune/Conversion/AttnToCPU/AttnToCPU.h"

#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Emits the fused loop nest of one attn.attention for one query tile height.
class FusedEmitter {
public:
  FusedEmitter(OpBuilder &b, Location loc, attn::AttentionOp op,
               const TileSemantics &sem, const FusedCPUTiling &tiling)
      : b(b), loc(loc), op(op), sem(sem), tiling(tiling) {}

  /// Buffers and sizes, set by the pattern before emitQueryTiles.
  Value q, k, v, out, lse, slopes, temperature;
  Value batch, qLen, kvLen;

  /// scf.parallel over (batch, unit, query tile) with `tileRows` rows per tile.
  void emitQueryTiles(int64_t tileRows);

private:
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
  Value scratch(ArrayRef<int64_t> shape) {
    return memref::AllocaOp::create(
        b, loc, MemRefType::get(shape, b.getF32Type()),
        b.getI64IntegerAttr(64));
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

  void emitTile(Value bi, Value unit, Value tile);
  void packQuery(Value bi, Value unit, Value rowBegin, Value numRows,
                 Value qt, Value slopeBuf);
  void convertRows(Value src, Value bi, Value kvHead, Value keyBegin,
                   Value dst, int64_t width);
  void scoreTile(Value qt, Value keys, Value bi, Value kvHead, Value keyBegin,
                 Value scores);
  void valueTile(Value scores, Value values, Value bi, Value kvHead,
                 Value keyBegin, Value numKeys, Value alpha, Value ot);
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

Value FusedEmitter::kvHeadOfUnit(Value unit) {
  if (sem.groupSize() > 1)
    return unit;
  int64_t qHeads = op.getNumQueryHeads();
  SmallVector<int64_t> table;
  for (int64_t h = 0; h < qHeads; ++h)
    table.push_back(op.getKvHeadFor(h));
  if (llvm::equal(table, llvm::seq<int64_t>(0, qHeads)))
    return unit;
  Value result = cIdx(table.front());
  for (int64_t h = 1; h < qHeads; ++h)
    result = arith::SelectOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, unit, cIdx(h)),
        cIdx(table[h]), result);
  return result;
}

void FusedEmitter::emitQueryTiles(int64_t rows) {
  tileRows = rows;
  rowType = VectorType::get({rows}, b.getF32Type());
  int64_t group = sem.groupSize();
  Value units = cIdx(op.getNumQueryHeads() / group);
  Value rowsPerUnit = mul(qLen, cIdx(group));
  Value tiles = arith::CeilDivUIOp::create(b, loc, rowsPerUnit, cIdx(rows));
  Value zero = cIdx(0), one = cIdx(1);
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
}

/// Qt[d, r] = scale * temperature(row) * Q[b, head(r), pos(r), d] for the
/// tile's rows, 0 beyond them; slopes[r] = alibi[head(r)].
void FusedEmitter::packQuery(Value bi, Value unit, Value rowBegin,
                             Value numRows, Value qt, Value slopeBuf) {
  int64_t group = sem.groupSize();
  Value zeroRow = splatF32(0.0f);
  forLoop(cIdx(0), cIdx(op.getHeadDim()), 1, [&](Value d) {
    vector::StoreOp::create(b, loc, zeroRow, qt, ValueRange{d, cIdx(0)});
  });
  if (slopeBuf)
    vector::StoreOp::create(b, loc, zeroRow, slopeBuf, ValueRange{cIdx(0)});
  Value scale = cF32(static_cast<float>(sem.scale()));
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value row = add(rowBegin, r);
    Value head = headOfRow(unit, row);
    Value pos = group == 1 ? row
                           : arith::DivUIOp::create(b, loc, row, cIdx(group))
                                 .getResult();
    Value rowScale = scale;
    if (temperature) {
      auto type = cast<MemRefType>(temperature.getType());
      Value tb = type.getDimSize(0) == 1 ? cIdx(0) : bi;
      Value th = type.getDimSize(1) == 1 ? cIdx(0) : head;
      Value t = memref::LoadOp::create(b, loc, temperature,
                                       ValueRange{tb, th, pos});
      rowScale = arith::MulFOp::create(b, loc, rowScale, t);
    }
    if (slopeBuf)
      memref::StoreOp::create(
          b, loc, memref::LoadOp::create(b, loc, slopes, ValueRange{head}),
          slopeBuf, ValueRange{r});
    forLoop(cIdx(0), cIdx(op.getHeadDim()), 1, [&](Value d) {
      Value x = toF32(
          memref::LoadOp::create(b, loc, q, ValueRange{bi, head, pos, d}));
      memref::StoreOp::create(b, loc, arith::MulFOp::create(b, loc, x, rowScale),
                              qt, ValueRange{d, r});
    });
  });
}

/// dst[j, :] = f32(src[b, kvHead, min(keyBegin + j, Lk - 1), :]) for the
/// whole key tile (rows past Lk repeat the last key; they are masked).
void FusedEmitter::convertRows(Value src, Value bi, Value kvHead,
                               Value keyBegin, Value dst, int64_t width) {
  Value lastKey = sub(kvLen, cIdx(1));
  auto srcType = cast<MemRefType>(src.getType());
  VectorType in = VectorType::get({width}, srcType.getElementType());
  VectorType f32 = VectorType::get({width}, b.getF32Type());
  forLoop(cIdx(0), cIdx(tiling.kvTile), 1, [&](Value j) {
    Value key = minIdx(add(keyBegin, j), lastKey);
    Value x = vector::LoadOp::create(b, loc, in, src,
                                     ValueRange{bi, kvHead, key, cIdx(0)});
    vector::StoreOp::create(b, loc, arith::ExtFOp::create(b, loc, f32, x), dst,
                            ValueRange{j, cIdx(0)});
  });
}

/// scores[j, :] = sum_d key(j, d) * Qt[d, :] for the kvTile keys of the
/// tile, `rowBlock` keys per pass over Qt. `keys` is the f32 key tile, or
/// null to read K directly (f32 inputs).
void FusedEmitter::scoreTile(Value qt, Value keys, Value bi, Value kvHead,
                             Value keyBegin, Value scores) {
  int64_t block = tiling.rowBlock, headDim = op.getHeadDim();
  Value lastKey = sub(kvLen, cIdx(1));
  forLoop(cIdx(0), cIdx(tiling.kvTile), block, [&](Value j) {
    SmallVector<Value> keyRows;
    for (int64_t r = 0; r < block; ++r)
      keyRows.push_back(keys ? add(j, cIdx(r))
                             : minIdx(add(keyBegin, add(j, cIdx(r))), lastKey));
    auto loadKey = [&](int64_t r, Value d) -> Value {
      if (keys)
        return memref::LoadOp::create(b, loc, keys, ValueRange{keyRows[r], d});
      return memref::LoadOp::create(b, loc, k,
                                    ValueRange{bi, kvHead, keyRows[r], d});
    };
    SmallVector<Value> init(block, splatF32(0.0f));
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), cIdx(headDim), cIdx(1), init,
        [&](OpBuilder &nb, Location, Value d, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          Value qv = vector::LoadOp::create(b, loc, rowType, qt,
                                            ValueRange{d, cIdx(0)});
          SmallVector<Value> next;
          for (int64_t r = 0; r < block; ++r)
            next.push_back(
                vector::FMAOp::create(b, loc, bcast(loadKey(r, d)), qv, acc[r]));
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < block; ++r)
      vector::StoreOp::create(b, loc, loop.getResult(r), scores,
                              ValueRange{add(j, cIdx(r)), cIdx(0)});
  });
}

/// ot[e, :] = alpha * ot[e, :] + sum_{j < numKeys} value(j, e) * P[j, :],
/// `rowBlock` value columns per pass over P.
void FusedEmitter::valueTile(Value scores, Value values, Value bi,
                             Value kvHead, Value keyBegin, Value numKeys,
                             Value alpha, Value ot) {
  int64_t valueDim = op.getValueHeadDim();
  auto emitColumns = [&](Value e0, int64_t count) {
    SmallVector<Value> init;
    for (int64_t r = 0; r < count; ++r) {
      Value o = vector::LoadOp::create(b, loc, rowType, ot,
                                       ValueRange{add(e0, cIdx(r)), cIdx(0)});
      init.push_back(alpha ? arith::MulFOp::create(b, loc, o, alpha) : o);
    }
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), numKeys, cIdx(1), init,
        [&](OpBuilder &nb, Location, Value j, ValueRange acc) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          Value p = vector::LoadOp::create(b, loc, rowType, scores,
                                           ValueRange{j, cIdx(0)});
          SmallVector<Value> next;
          for (int64_t r = 0; r < count; ++r) {
            Value e = add(e0, cIdx(r));
            Value x = values ? memref::LoadOp::create(b, loc, values,
                                                      ValueRange{j, e})
                             : memref::LoadOp::create(
                                   b, loc, v,
                                   ValueRange{bi, kvHead, add(keyBegin, j), e});
            next.push_back(vector::FMAOp::create(b, loc, bcast(x), p, acc[r]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < count; ++r)
      vector::StoreOp::create(b, loc, loop.getResult(r), ot,
                              ValueRange{add(e0, cIdx(r)), cIdx(0)});
  };
  int64_t block = tiling.rowBlock;
  int64_t full = valueDim / block * block;
  if (full)
    forLoop(cIdx(0), cIdx(full), block, [&](Value e) { emitColumns(e, block); });
  if (full != valueDim)
    emitColumns(cIdx(full), valueDim - full);
}

/// O[b, head(r), pos(r), e] = Ot[e, r] * rowScale[r];  LSE likewise.
void FusedEmitter::storeRows(Value bi, Value unit, Value rowBegin,
                             Value numRows, Value ot, Value rowScale,
                             Value rowLse) {
  int64_t group = sem.groupSize();
  Type outElement = cast<MemRefType>(out.getType()).getElementType();
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value row = add(rowBegin, r);
    Value head = headOfRow(unit, row);
    Value pos = group == 1 ? row
                           : arith::DivUIOp::create(b, loc, row, cIdx(group))
                                 .getResult();
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

void FusedEmitter::emitTile(Value bi, Value unit, Value tile) {
  int64_t group = sem.groupSize(), kvTile = tiling.kvTile;
  int64_t headDim = op.getHeadDim(), valueDim = op.getValueHeadDim();
  Value rowBegin = mul(tile, cIdx(tileRows));
  Value numRows = minIdx(cIdx(tileRows), sub(mul(qLen, cIdx(group)), rowBegin));
  Value kvHead = kvHeadOfUnit(unit);

  Value qt = scratch({headDim, tileRows});
  Value scores = scratch({kvTile, tileRows});
  Value ot = scratch({valueDim, tileRows});
  Value slopeBuf = slopes ? scratch({tileRows}) : Value();
  bool convert = !cast<MemRefType>(k.getType()).getElementType().isF32();
  Value keys = convert ? scratch({kvTile, headDim}) : Value();
  Value values = convert ? scratch({kvTile, valueDim}) : Value();

  packQuery(bi, unit, rowBegin, numRows, qt, slopeBuf);
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

  KeyTileRange range = sem.keyTiles(b, loc, rows, kvTile);
  Value numTiles =
      add(range.numSinkTiles, sub(range.mainEnd, range.mainBegin));
  Value bias = sem.isSigmoid() ? bcast(sem.sigmoidBias(b, loc, kvLen)) : Value();
  Value negInf = splatF32(kNegInf);
  SmallVector<Value> init = {negInf, splatF32(0.0f)};
  auto kvLoop = scf::ForOp::create(
      b, loc, cIdx(0), numTiles, cIdx(1), init,
      [&](OpBuilder &nb, Location, Value it, ValueRange state) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nb.getInsertionBlock());
        // Sink tiles first, then the main range.
        Value inSinks = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                              it, range.numSinkTiles);
        Value kvTileIdx = arith::SelectOp::create(
            b, loc, inSinks, it,
            add(sub(it, range.numSinkTiles), range.mainBegin));
        Value keyBegin = mul(kvTileIdx, cIdx(kvTile));
        Value numKeys = minIdx(cIdx(kvTile), sub(kvLen, keyBegin));
        if (convert) {
          convertRows(k, bi, kvHead, keyBegin, keys, headDim);
          convertRows(v, bi, kvHead, keyBegin, values, valueDim);
        }
        scoreTile(qt, keys, bi, kvHead, keyBegin, scores);

        // Score modifiers on every key; the mask only where the tile is not
        // entirely visible (diagonal and tail tiles).
        bool modifies = op.getSoftcapAttr() || slopes;
        if (modifies)
          forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            s = sem.modifyScores(b, loc, rows, s, add(keyBegin, j));
            vector::StoreOp::create(b, loc, s, scores, ValueRange{j, cIdx(0)});
          });
        Value full = sem.isFullTile(b, loc, rows, keyBegin, kvTile);
        Value partial = arith::XOrIOp::create(
            b, loc, full,
            arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
        scf::IfOp::create(b, loc, partial, [&](OpBuilder &tb, Location) {
          OpBuilder::InsertionGuard g2(b);
          b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
          forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            Value vis = sem.visibility(b, loc, rows, add(keyBegin, j));
            s = arith::SelectOp::create(b, loc, vis, s, negInf);
            vector::StoreOp::create(b, loc, s, scores, ValueRange{j, cIdx(0)});
          });
        });

        Value m = state[0], l = state[1], alpha;
        if (bias) {
          // p = sigmoid(s + b) = 1 / (1 + exp(-(s + b))); masked s = -inf
          // gives 0. Nothing to rescale.
          Value oneV = splatF32(1.0f);
          forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
            Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                             ValueRange{j, cIdx(0)});
            Value x = arith::NegFOp::create(
                b, loc, arith::AddFOp::create(b, loc, s, bias));
            Value p = arith::DivFOp::create(
                b, loc, oneV,
                arith::AddFOp::create(b, loc, oneV,
                                      math::ExpOp::create(b, loc, x)));
            vector::StoreOp::create(b, loc, p, scores, ValueRange{j, cIdx(0)});
          });
        } else {
          // m' = max(m, max_j s);  the exponent base is m' or 0 while m' is
          // -inf (rows with nothing visible yet), so exp never sees NaN.
          auto maxLoop = scf::ForOp::create(
              b, loc, cIdx(0), cIdx(kvTile), cIdx(1), ValueRange{m},
              [&](OpBuilder &lb, Location, Value j, ValueRange acc) {
                OpBuilder::InsertionGuard g3(b);
                b.setInsertionPointToEnd(lb.getInsertionBlock());
                Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                                 ValueRange{j, cIdx(0)});
                scf::YieldOp::create(
                    b, loc,
                    ValueRange{arith::MaximumFOp::create(b, loc, acc[0], s)});
              });
          Value mNew = maxLoop.getResult(0);
          Value isEmpty = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OEQ, mNew, negInf);
          Value base = arith::SelectOp::create(b, loc, isEmpty,
                                               splatF32(0.0f), mNew);
          alpha = math::ExpOp::create(b, loc,
                                      arith::SubFOp::create(b, loc, m, base));
          // p = exp(s - base);  l' = alpha * l + sum_j p
          auto sumLoop = scf::ForOp::create(
              b, loc, cIdx(0), cIdx(kvTile), cIdx(1),
              ValueRange{splatF32(0.0f)},
              [&](OpBuilder &lb, Location, Value j, ValueRange acc) {
                OpBuilder::InsertionGuard g3(b);
                b.setInsertionPointToEnd(lb.getInsertionBlock());
                Value s = vector::LoadOp::create(b, loc, rowType, scores,
                                                 ValueRange{j, cIdx(0)});
                Value p = math::ExpOp::create(
                    b, loc, arith::SubFOp::create(b, loc, s, base));
                vector::StoreOp::create(b, loc, p, scores,
                                        ValueRange{j, cIdx(0)});
                scf::YieldOp::create(
                    b, loc, ValueRange{arith::AddFOp::create(b, loc, acc[0], p)});
              });
          l = arith::AddFOp::create(b, loc,
                                    arith::MulFOp::create(b, loc, alpha, l),
                                    sumLoop.getResult(0));
          m = mNew;
        }
        valueTile(scores, values, bi, kvHead, keyBegin, numKeys, alpha, ot);
        scf::YieldOp::create(b, loc, ValueRange{m, l});
      });

  // Per-row output scale and LSE: 1/l and m + log(l), or 0 and -inf for rows
  // that saw no key; sigmoid rows are not normalized.
  Value rowScale = scratch({tileRows});
  Value rowLse = lse ? scratch({tileRows}) : Value();
  if (bias) {
    vector::StoreOp::create(b, loc, splatF32(1.0f), rowScale,
                            ValueRange{cIdx(0)});
  } else {
    Value m = kvLoop.getResult(0), l = kvLoop.getResult(1);
    Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l,
                                        splatF32(0.0f));
    Value inv = arith::DivFOp::create(b, loc, splatF32(1.0f), l);
    vector::StoreOp::create(
        b, loc, arith::SelectOp::create(b, loc, empty, splatF32(0.0f), inv),
        rowScale, ValueRange{cIdx(0)});
    if (rowLse) {
      Value value = arith::AddFOp::create(b, loc, m,
                                          math::LogOp::create(b, loc, l));
      vector::StoreOp::create(
          b, loc, arith::SelectOp::create(b, loc, empty, negInf, value), rowLse,
          ValueRange{cIdx(0)});
    }
  }
  storeRows(bi, unit, rowBegin, numRows, ot, rowScale, rowLse);
}

/// Reads `tensor` as a buffer of the same shape (identity layout).
Value asBuffer(OpBuilder &b, Location loc, Value tensor) {
  if (!tensor)
    return Value();
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

/// A fresh buffer shaped like `type`, with the dynamic sizes of `like`.
Value allocLike(OpBuilder &b, Location loc, RankedTensorType type,
                Value likeBuffer) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(memref::DimOp::create(b, loc, likeBuffer, i));
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic,
      b.getI64IntegerAttr(64));
}

struct LowerAttentionToCPU : public OpRewritePattern<attn::AttentionOp> {
  LowerAttentionToCPU(MLIRContext *context, const FusedCPUTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(attn::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    std::string why;
    std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
    if (!sem)
      return rewriter.notifyMatchFailure(op, "fused CPU path lacks " + why);
    Location loc = op.getLoc();
    FusedEmitter emit(rewriter, loc, op, *sem, tiling);
    emit.q = asBuffer(rewriter, loc, op.getQuery());
    emit.k = asBuffer(rewriter, loc, op.getKey());
    emit.v = asBuffer(rewriter, loc, op.getValue());
    emit.slopes = asBuffer(rewriter, loc, op.getAlibiSlopes());
    emit.temperature = asBuffer(rewriter, loc, op.getTemperature());
    emit.batch = memref::DimOp::create(rewriter, loc, emit.q, 0);
    emit.qLen = memref::DimOp::create(rewriter, loc, emit.q, 2);
    emit.kvLen = memref::DimOp::create(rewriter, loc, emit.k, 2);
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    emit.out = allocLike(rewriter, loc, outType, emit.q);
    if (Value lse = op.getLse())
      emit.lse = allocLike(rewriter, loc, cast<RankedTensorType>(lse.getType()),
                           emit.q);

    // Short problems (decode) take one vector of rows per tile; the rest the
    // full tile height.
    int64_t wide = tiling.lanes * tiling.queryVectors;
    Value rowsPerUnit = arith::MulIOp::create(
        rewriter, loc, emit.qLen,
        arith::ConstantIndexOp::create(rewriter, loc, sem->groupSize()));
    Value isShort = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ule, rowsPerUnit,
        arith::ConstantIndexOp::create(rewriter, loc, tiling.lanes));
    auto branch = [&](int64_t rows) {
      return [&, rows](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(scf::YieldOp::create(nb, loc, ValueRange{}));
        emit.emitQueryTiles(rows);
      };
    };
    if (wide == tiling.lanes)
      emit.emitQueryTiles(wide);
    else
      scf::IfOp::create(rewriter, loc, isShort, branch(tiling.lanes),
                        branch(wide));

    SmallVector<Value> results = {bufferization::ToTensorOp::create(
        rewriter, loc, outType, emit.out, /*restrict=*/true,
        /*writable=*/true)};
    if (emit.lse)
      results.push_back(bufferization::ToTensorOp::create(
          rewriter, loc, op.getLse().getType(), emit.lse, true, true));
    rewriter.replaceOp(op, results);
    return success();
  }

  FusedCPUTiling tiling;
};

} // namespace

void mlir::attune::populateAttnToCPUPatterns(RewritePatternSet &patterns,
                                             const FusedCPUTiling &tiling) {
  patterns.add<LowerAttentionToCPU>(patterns.getContext(), tiling);
}

//===- MicroKernels.cpp - products of the fused CPU loop nest -------------===//
//
// Rows of the query tile are vector lanes. f32 micro-kernels broadcast one K
// (or V) element and FMA it into the accumulators of `rowBlock` keys (value
// columns) at once:
//   S^T[j, :] += K[j, d] * Qt[d, :]        Ot[e, :] += V[j, e] * P^T[j, :]
// The bf16 micro-kernels do the same two elements at a time with vdpbf16ps,
// on operands packed in pairs along the reduction dimension:
//   S^T[j, :] += K[j, 2p] * Qp[p, :, 0] + K[j, 2p+1] * Qp[p, :, 1]
//   Ot[e, :]  += V[2q, e] * Pp[q, :, 0] + V[2q+1, e] * Pp[q, :, 1]
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

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
  forColumnBlocks(tiling.rowBlock, emitColumns);
}

bool FusedEmitter::useBf16Dot() {
  auto elementOf = [](Value v) {
    return cast<MemRefType>(v.getType()).getElementType();
  };
  return tiling.bf16Dot && tiling.lanes == 16 && tileRows % 16 == 0 &&
         elementOf(q).isBF16() && elementOf(k).isBF16() &&
         op.getHeadDim() % 2 == 0 && op.getValueHeadDim() % 16 == 0 &&
         tiling.kvTile % 2 == 0;
}

Value FusedEmitter::laneGroup(Value row, int64_t g) {
  return vector::ExtractStridedSliceOp::create(b, loc, row, {16 * g}, {16},
                                               {1});
}

/// The two bf16 at `indices` of `buffer`, repeated over 16 lanes (32 bf16):
/// the `b` operand of vdpbf16ps.
Value FusedEmitter::broadcastPair(Value buffer, ValueRange indices) {
  Type bf16 = b.getBF16Type(), i32 = b.getI32Type();
  Value pair = vector::LoadOp::create(b, loc, VectorType::get({2}, bf16),
                                      buffer, indices);
  Value word = vector::ExtractOp::create(
      b, loc,
      vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), pair),
      ArrayRef<int64_t>{0});
  Value words = vector::BroadcastOp::create(b, loc, VectorType::get({16}, i32),
                                            word);
  return vector::BitCastOp::create(b, loc, VectorType::get({32}, bf16), words);
}

/// Vp[q, 2 e + t] = V[b, kvHead, min(keyBegin + 2 q + t, Lk - 1), e].
void FusedEmitter::packValuePairs(Value bi, Value kvHead, Value keyBegin,
                                  Value vp) {
  Value lastKey = sub(kvLen, cIdx(1));
  VectorType half = VectorType::get({16}, b.getBF16Type());
  forLoop(cIdx(0), cIdx(tiling.kvTile / 2), 1, [&](Value p) {
    Value first = add(keyBegin, mul(p, cIdx(2)));
    Value key0 = minIdx(first, lastKey);
    Value key1 = minIdx(add(first, cIdx(1)), lastKey);
    for (int64_t e = 0; e < op.getValueHeadDim(); e += 16) {
      Value x0 = vector::LoadOp::create(b, loc, half, v,
                                        ValueRange{bi, kvHead, key0, cIdx(e)});
      Value x1 = vector::LoadOp::create(b, loc, half, v,
                                        ValueRange{bi, kvHead, key1, cIdx(e)});
      vector::StoreOp::create(b, loc,
                              vector::InterleaveOp::create(b, loc, x0, x1), vp,
                              ValueRange{p, cIdx(2 * e)});
    }
  });
}

/// Pp[q, 2 r + t] = bf16(p_t[r]): probabilities rounded to bf16 as
/// FlashAttention does before its second product, interleaved in pairs of
/// keys, straight from the softmax (no f32 copy of P).
void FusedEmitter::storeProbabilityPair(Value p0, Value p1, Value pp, Value q) {
  VectorType half = VectorType::get({16}, b.getBF16Type());
  for (int64_t g = 0; g < tileRows / 16; ++g) {
    Value pair = vector::InterleaveOp::create(
        b, loc, arith::TruncFOp::create(b, loc, half, laneGroup(p0, g)),
        arith::TruncFOp::create(b, loc, half, laneGroup(p1, g)));
    vector::StoreOp::create(b, loc, pair, pp, ValueRange{q, cIdx(32 * g)});
  }
}

/// scores[j, :] = rowScale * sum_p dot(K[j, 2p : 2p + 2], Qp[p, :]) (the
/// sum alone without rowScale: the softmax scales).
void FusedEmitter::scoreTileDot(Value qp, Value bi, Value kvHead,
                                Value keyBegin, Value scores,
                                Value rowScale) {
  int64_t block = tiling.rowBlock, groups = tileRows / 16;
  VectorType acc = VectorType::get({16}, b.getF32Type());
  VectorType pairs = VectorType::get({32}, b.getBF16Type());
  Value lastKey = sub(kvLen, cIdx(1));
  forLoop(cIdx(0), cIdx(tiling.kvTile), block, [&](Value j) {
    SmallVector<Value> keyRows;
    for (int64_t r = 0; r < block; ++r)
      keyRows.push_back(minIdx(add(keyBegin, add(j, cIdx(r))), lastKey));
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(acc, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> init(block * groups, zero);
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), cIdx(op.getHeadDim() / 2), cIdx(1), init,
        [&](OpBuilder &nb, Location, Value p, ValueRange sums) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          SmallVector<Value> query;
          for (int64_t g = 0; g < groups; ++g)
            query.push_back(vector::LoadOp::create(
                b, loc, pairs, qp, ValueRange{p, cIdx(32 * g)}));
          Value d = mul(p, cIdx(2));
          SmallVector<Value> next;
          for (int64_t r = 0; r < block; ++r) {
            Value key = broadcastPair(k, {bi, kvHead, keyRows[r], d});
            for (int64_t g = 0; g < groups; ++g)
              next.push_back(x86vector::DotBF16Op::create(
                  b, loc, acc, sums[r * groups + g], query[g], key));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < block; ++r)
      for (int64_t g = 0; g < groups; ++g)
        vector::StoreOp::create(
            b, loc,
            rowScale
                ? arith::MulFOp::create(b, loc, loop.getResult(r * groups + g),
                                        laneGroup(rowScale, g))
                      .getResult()
                : loop.getResult(r * groups + g),
            scores, ValueRange{add(j, cIdx(r)), cIdx(16 * g)});
  });
}

/// ot[e, :] = alpha * ot[e, :] + sum_q dot(Vp[q, 2e : 2e + 2], Pp[q, :]) over
/// the ceil(numKeys / 2) key pairs (a pair's second key past numKeys has
/// P = 0).
void FusedEmitter::valueTileDot(Value pp, Value vp, Value numKeys,
                                Value alpha, Value ot) {
  int64_t groups = tileRows / 16;
  VectorType acc = VectorType::get({16}, b.getF32Type());
  VectorType pairs = VectorType::get({32}, b.getBF16Type());
  Value numPairs = arith::CeilDivUIOp::create(b, loc, numKeys, cIdx(2));
  auto emitColumns = [&](Value e0, int64_t count) {
    SmallVector<Value> init;
    for (int64_t r = 0; r < count; ++r)
      for (int64_t g = 0; g < groups; ++g) {
        Value o = vector::LoadOp::create(
            b, loc, acc, ot, ValueRange{add(e0, cIdx(r)), cIdx(16 * g)});
        init.push_back(alpha ? arith::MulFOp::create(b, loc, o,
                                                     laneGroup(alpha, g))
                                   .getResult()
                             : o);
      }
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), numPairs, cIdx(1), init,
        [&](OpBuilder &nb, Location, Value p, ValueRange sums) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          SmallVector<Value> probs;
          for (int64_t g = 0; g < groups; ++g)
            probs.push_back(vector::LoadOp::create(
                b, loc, pairs, pp, ValueRange{p, cIdx(32 * g)}));
          SmallVector<Value> next;
          for (int64_t r = 0; r < count; ++r) {
            Value column = mul(add(e0, cIdx(r)), cIdx(2));
            Value value = broadcastPair(vp, {p, column});
            for (int64_t g = 0; g < groups; ++g)
              next.push_back(x86vector::DotBF16Op::create(
                  b, loc, acc, sums[r * groups + g], probs[g], value));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t r = 0; r < count; ++r)
      for (int64_t g = 0; g < groups; ++g)
        vector::StoreOp::create(b, loc, loop.getResult(r * groups + g), ot,
                                ValueRange{add(e0, cIdx(r)), cIdx(16 * g)});
  };
  forColumnBlocks(tiling.rowBlock, emitColumns);
}

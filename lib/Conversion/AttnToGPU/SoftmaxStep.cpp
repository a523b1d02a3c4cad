//===- SoftmaxStep.cpp - the attention kernel's online softmax step -------===//
//
// KernelEmitter's online softmax on one key tile (row maxima across the 4
// lanes of a row, the base-2 exponent, the running sums) and O's rescale,
// which most steps skip (the running maximum moves only by more than
// 2^kStaleExponent).
//
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

Value KernelEmitter::softmaxStep(Value scores, double scoreScale, Value (&m)[2],
                                 Value (&l)[2], Value (&newM)[2],
                                 Value (&newL)[2], Value (&alpha)[2]) {
  auto scoreType = cast<VectorType>(scores.getType());
  const int64_t numScores = scoreType.getNumElements(),
                scoreSlices = numScores / 4;
  const float negInf = -std::numeric_limits<float>::infinity();
  // exp(scoreScale * (x - base)) = exp2(fma(x, c, -base * c)).
  const float c = static_cast<float>(scoreScale * M_LOG2E);
  auto exponent = [&](Value x, Value negBase) -> Value {
    Value cx = cF32(c);
    if (auto vector = dyn_cast<VectorType>(x.getType()))
      cx = vector::BroadcastOp::create(b, loc, vector, cx);
    return math::Exp2Op::create(b, loc,
                                math::FmaOp::create(b, loc, x, cx, negBase));
  };
  // Row maxima: the lane's values of each row, then the row's 4 lanes.
  Value negBase[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value rowMax = cF32(negInf);
    for (int64_t j = 0; j < scoreSlices; ++j)
      for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
        rowMax = fmax(rowMax, extract(scores, j * 4 + e));
    rowMax = fmax(rowMax, shuffleXor(rowMax, 1));
    rowMax = fmax(rowMax, shuffleXor(rowMax, 2));
    // The row's maximum moves only when the new one exceeds it by more than
    // kStaleExponent in the exponent (FlashAttention-4's conditional
    // rescaling): otherwise m stays, p = exp2(c (s - m)) may reach
    // 2^kStaleExponent (f16 and bf16 hold it; l, O and LSE use the same m,
    // so the result is unchanged) and alpha is exactly 1, and O is not
    // rescaled (rescale). -inf rows grow at their first visible key; a
    // step without one (NaN or -inf) keeps m.
    Value grows = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::OGT,
        arith::MulFOp::create(
            b, loc, arith::SubFOp::create(b, loc, rowMax, m[r]), cF32(c)),
        cF32(kStaleExponent));
    newM[r] = select(grows, rowMax, m[r]);
    negBase[r] = arith::MulFOp::create(
        b, loc, TileSemantics::exponentBase(b, loc, newM[r]), cF32(-c));
    alpha[r] = select(grows, exponent(m[r], negBase[r]), cF32(1.0f));
  }
  SmallVector<Value> bases;
  for (int64_t i = 0; i < numScores; ++i)
    bases.push_back(negBase[(i % 4) / 2]);
  Value p = exponent(scores,
                     vector::FromElementsOp::create(b, loc, scoreType, bases));
  for (int64_t r = 0; r < 2; ++r) {
    Value sum = arith::MulFOp::create(b, loc, l[r], alpha[r]);
    for (int64_t j = 0; j < scoreSlices; ++j)
      for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
        sum = arith::AddFOp::create(b, loc, sum, extract(p, j * 4 + e));
    newL[r] = sum;
  }
  return p;
}

Value KernelEmitter::rescale(Value acc, Value (&alpha)[2]) {
  auto type = cast<VectorType>(acc.getType());
  // Only where a row's factor is not 1 (softmaxStep keeps the maxima of
  // most steps): a branch over the multiplies, which a warp takes when any
  // of its lanes needs it.
  Value one = cF32(1.0f);
  auto differs = [&](Value a) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, a, one);
  };
  Value needed =
      arith::OrIOp::create(b, loc, differs(alpha[0]), differs(alpha[1]));
  auto scaled = scf::IfOp::create(b, loc, type, needed, true, true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(scaled.thenBlock());
  SmallVector<Value> alphas;
  for (int64_t i = 0; i < type.getNumElements(); ++i)
    alphas.push_back(alpha[(i % 4) / 2]);
  scf::YieldOp::create(
      b, loc,
      ValueRange{arith::MulFOp::create(
          b, loc, acc, vector::FromElementsOp::create(b, loc, type, alphas))});
  b.setInsertionPointToStart(scaled.elseBlock());
  scf::YieldOp::create(b, loc, ValueRange{acc});
  return scaled.getResult(0);
}

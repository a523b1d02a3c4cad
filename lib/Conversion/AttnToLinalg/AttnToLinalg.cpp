//===- AttnToLinalg.cpp - reference lowering of attn.attention ------------===//
//
// attn.attention becomes a chain of linalg.generics on tensors that
// materializes every score. Each step is one generic with the math above it;
// the result is the executable definition of the op's semantics.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/AttnToLinalg/AttnToLinalg.h"

#include "GenericBuilder.h"
#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attune;
using namespace mlir::attune::detail;

namespace {

/// Loop dims of the score space [B, Hq, Lq, Lk].
enum { kB = 0, kH = 1, kI = 2, kJ = 3 };

/// Inlines the single block of `region` at the builder's insertion point with
/// its arguments bound to `args`; returns the yielded value.
Value inlineModRegion(OpBuilder &b, Region &region, ValueRange args) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, mapping);
  return mapping.lookup(cast<YieldOp>(block.getTerminator()).getValues()[0]);
}

/// Reads entry `index` of a per-head table given as constants: one value when
/// all heads agree, a tensor.extract from a constant table otherwise.
Value perHead(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
              Value head) {
  if (llvm::all_equal(values))
    return cIndex(b, loc, values.front());
  Value table = indexTable(b, loc, values);
  return tensor::ExtractOp::create(b, loc, table, head);
}

/// Whether key block `kvBlock` is listed for (b, h, qBlock) in a block list
/// (`counts` [B|1, H|1, QB], `indices` [B|1, H|1, QB, KB]).
Value isListed(OpBuilder &b, Location loc, Value counts, Value indices,
               Value batch, Value head, Value qBlock, Value kvBlock) {
  auto countType = cast<RankedTensorType>(counts.getType());
  Value zero = cIndex(b, loc, 0);
  Value bb = countType.getDimSize(0) == 1 ? zero : batch;
  Value hh = countType.getDimSize(1) == 1 ? zero : head;
  Value count = tensor::ExtractOp::create(b, loc, counts,
                                          ValueRange{bb, hh, qBlock});
  count = arith::IndexCastOp::create(b, loc, b.getIndexType(), count);
  // Never read past the list: clamp the count to [0, max_kv_blocks].
  Value maxBlocks = tensor::DimOp::create(b, loc, indices, 3);
  count = arith::MinSIOp::create(b, loc, count, maxBlocks);
  count = arith::MaxSIOp::create(b, loc, count, zero);
  Value kvBlockI32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), kvBlock);
  Value notFound = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto loop = scf::ForOp::create(
      b, loc, zero, count, cIndex(b, loc, 1), ValueRange{notFound},
      [&](OpBuilder &nb, Location nloc, Value n, ValueRange iter) {
        Value entry = tensor::ExtractOp::create(nb, nloc, indices,
                                                ValueRange{bb, hh, qBlock, n});
        Value hit = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                          entry, kvBlockI32);
        Value found = arith::OrIOp::create(nb, nloc, iter[0], hit);
        scf::YieldOp::create(nb, nloc, found);
      });
  return loop.getResult(0);
}

/// Lowers attn.attention to the reference linalg form.
struct LowerAttention : public OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    OpBuilder &b = rewriter;
    Type f32 = b.getF32Type();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    int64_t qHeads = op.getNumQueryHeads();

    OpFoldResult batch = tensor::getMixedSize(b, loc, q, 0);
    OpFoldResult qLen = tensor::getMixedSize(b, loc, q, 2);
    OpFoldResult kvLen = tensor::getMixedSize(b, loc, k, 2);
    OpFoldResult hq = b.getIndexAttr(qHeads);
    OpFoldResult headDim = b.getIndexAttr(op.getHeadDim());
    OpFoldResult valueDim = b.getIndexAttr(op.getValueHeadDim());
    Value qLenV = getValueOrCreateConstantIndexOp(b, loc, qLen);
    Value kvLenV = getValueOrCreateConstantIndexOp(b, loc, kvLen);

    // Query in f32: qf[b,h,i,d] = f32(q[b,h,i,d]).
    Value qf = toF32Tensor(g, q);
    // K and V gathered per query head, in f32:
    //   kx[b,h,j,d] = f32(k[b, kv(h), j, d]),  vx likewise.
    SmallVector<int64_t> kvOf;
    for (int64_t h = 0; h < qHeads; ++h)
      kvOf.push_back(op.getKvHeadFor(h));
    Value kx = gatherHeads(g, k, kvOf, {batch, hq, kvLen, headDim});
    Value vx = gatherHeads(g, v, kvOf, {batch, hq, kvLen, valueDim});

    // Raw scores: s[b,h,i,j] = sum_d qf[b,h,i,d] * kx[b,h,j,d].
    SmallVector<OpFoldResult> scoreShape = {batch, hq, qLen, kvLen};
    Value zeros = g.filled(scoreShape, f32, b.getF32FloatAttr(0.0));
    Value scores =
        g.generic(zeros.getType(), {qf, kx}, {zeros},
                  {g.map(5, {0, 1, 2, 4}), g.map(5, {0, 1, 3, 4}),
                   g.map(5, {0, 1, 2, 3})},
                  5, 1,
                  [&](OpBuilder &nb, Location nloc, ValueRange args) {
                    Value prod = arith::MulFOp::create(nb, nloc, args[0], args[1]);
                    Value sum = arith::AddFOp::create(nb, nloc, args[2], prod);
                    yieldOne(nb, nloc, sum);
                  })[0];

    // Modified scores t and visibility vis, elementwise over [B, Hq, Lq, Lk].
    auto [modified, visible] =
        modifyAndMask(g, op, scores, scoreShape, qLenV, kvLenV);

    Type outElement = op.getOutput().getType().getElementType();
    SmallVector<OpFoldResult> rowShape = {batch, hq, qLen};
    SmallVector<OpFoldResult> outShape = {batch, hq, qLen, valueDim};
    if (op.getNormalization() == Normalization::Sigmoid) {
      // p = vis ? sigmoid(t + bias) : 0, bias = sigmoid_bias or -log(Lk).
      Value bias;
      if (auto attr = op.getSigmoidBiasAttr()) {
        bias = cF32(b, loc, attr.getValueAsDouble());
      } else if (op.getKvLengths()) {
        bias = cF32(b, loc, 0.0); // -log(L_b) is in t already, per row
      } else {
        Value lk = arith::IndexCastOp::create(b, loc, b.getI64Type(), kvLenV);
        Value lkf = arith::SIToFPOp::create(b, loc, f32, lk);
        bias = arith::NegFOp::create(b, loc, math::LogOp::create(b, loc, lkf));
      }
      Value weights = elementwise(
          g, {modified, visible}, scoreShape, f32,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value x = arith::AddFOp::create(nb, nloc, args[0], bias);
            Value negX = arith::NegFOp::create(nb, nloc, x);
            Value one = cF32(nb, nloc, 1.0);
            Value den = arith::AddFOp::create(
                nb, nloc, one, math::ExpOp::create(nb, nloc, negX));
            Value sig = arith::DivFOp::create(nb, nloc, one, den);
            Value p = arith::SelectOp::create(nb, nloc, args[1], sig,
                                              cF32(nb, nloc, 0.0));
            yieldOne(nb, nloc, p);
          });
      // o = sum_j p[b,h,i,j] * vx[b,h,j,e]  (no normalization).
      Value acc = weightedValues(g, weights, vx, outShape);
      Value out = elementwise(g, {acc}, outShape, outElement,
                              [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                yieldOne(
                                    nb, nloc,
                                    fromF32(nb, nloc, args[0], outElement));
                              });
      replaceWithCasts(rewriter, op, {out});
      return success();
    }

    // m[b,h,i] = max over visible j of t (-inf when no key is visible).
    Value negInf = g.filled(rowShape, f32,
                            b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
    Value rowMax = g.generic(
        negInf.getType(), {modified, visible}, {negInf},
        {g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2})},
        4, 1, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value max = arith::MaximumFOp::create(nb, nloc, args[2], args[0]);
          yieldOne(
              nb, nloc, arith::SelectOp::create(nb, nloc, args[1], max, args[2]));
        })[0];
    // p = (vis && m > -inf) ? exp(t - m) : 0   (the guard keeps empty rows 0).
    Value weights = g.generic(
        g.empty(scoreShape, f32).getType(), {modified, visible, rowMax},
        {g.empty(scoreShape, f32)},
        {g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2}),
         g.map(4, {0, 1, 2, 3})},
        4, 0, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value e = math::ExpOp::create(
              nb, nloc, arith::SubFOp::create(nb, nloc, args[0], args[2]));
          Value finiteMax = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OGT, args[2],
              cF32(nb, nloc, -std::numeric_limits<float>::infinity()));
          Value keep = arith::AndIOp::create(nb, nloc, args[1], finiteMax);
          yieldOne(
              nb, nloc,
              arith::SelectOp::create(nb, nloc, keep, e, cF32(nb, nloc, 0.0)));
        })[0];
    // l[b,h,i] = sum_j p[b,h,i,j].
    Value rowZeros = g.filled(rowShape, f32, b.getF32FloatAttr(0.0));
    Value rowSum = g.generic(
        rowZeros.getType(), {weights}, {rowZeros},
        {g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2})}, 4, 1,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          yieldOne(
              nb, nloc, arith::AddFOp::create(nb, nloc, args[0], args[1]));
        })[0];
    // o = l > 0 ? (sum_j p * vx) / l : 0.
    Value acc = weightedValues(g, weights, vx, outShape);
    Value out = g.generic(
        g.empty(outShape, outElement).getType(), {acc, rowSum},
        {g.empty(outShape, outElement)},
        {g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2}), g.map(4, {0, 1, 2, 3})},
        4, 0, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value zero = cF32(nb, nloc, 0.0);
          Value nonEmpty = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OGT, args[1], zero);
          Value quot = arith::DivFOp::create(nb, nloc, args[0], args[1]);
          Value o = arith::SelectOp::create(nb, nloc, nonEmpty, quot, zero);
          yieldOne(nb, nloc, fromF32(nb, nloc, o, outElement));
        })[0];
    SmallVector<Value> results = {out};
    if (op.getLse()) {
      // lse = l > 0 ? m + log(l) : -inf.
      Value lse = g.generic(
          g.empty(rowShape, f32).getType(), {rowMax, rowSum},
          {g.empty(rowShape, f32)},
          {g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2})}, 3, 0,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value nonEmpty = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OGT, args[1],
                cF32(nb, nloc, 0.0));
            Value value = arith::AddFOp::create(
                nb, nloc, args[0], math::LogOp::create(nb, nloc, args[1]));
            yieldOne(
                nb, nloc,
                arith::SelectOp::create(
                    nb, nloc, nonEmpty, value,
                    cF32(nb, nloc, -std::numeric_limits<float>::infinity())));
          })[0];
      results.push_back(lse);
    }
    replaceWithCasts(rewriter, op, results);
    return success();
  }

private:
  /// Replaces `op` by `values`, casting where the op's result types are more
  /// static than the generics' (e.g. a static batch).
  static void replaceWithCasts(PatternRewriter &rewriter, AttentionOp op,
                               SmallVector<Value> values) {
    for (auto [result, value] : llvm::zip(op.getResults(), values))
      value = castTo(rewriter, op.getLoc(), value, result.getType());
    rewriter.replaceOp(op, values);
  }

  /// A generic with the identity map over every operand.
  static Value elementwise(GenericBuilder &g, ValueRange inputs,
                           ArrayRef<OpFoldResult> shape, Type elementType,
                           BodyFn body) {
    unsigned rank = shape.size();
    SmallVector<int64_t> dims = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    Value init = g.empty(shape, elementType);
    SmallVector<AffineMap> maps(inputs.size() + 1, g.map(rank, dims));
    return g.generic(init.getType(), inputs, {init}, maps, rank, 0, body)[0];
  }

  static Value toF32Tensor(GenericBuilder &g, Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    if (type.getElementType().isF32())
      return tensor;
    SmallVector<OpFoldResult> shape =
        tensor::getMixedSizes(g.b, g.loc, tensor);
    return elementwise(g, {tensor}, shape, g.b.getF32Type(),
                       [&](OpBuilder &nb, Location nloc, ValueRange args) {
                         yieldOne(nb, nloc,
                                                 toF32(nb, nloc, args[0]));
                       });
  }

  /// out[b,h,j,d] = f32(src[b, kvOf[h], j, d]): one copy of K or V per query
  /// head, through any head map (uniform groups and Key-Driven GQA alike).
  static Value gatherHeads(GenericBuilder &g, Value src,
                           ArrayRef<int64_t> kvOf,
                           ArrayRef<OpFoldResult> shape) {
    Value init = g.empty(shape, g.b.getF32Type());
    return g.generic(
        init.getType(), {}, {init}, {g.map(4, {0, 1, 2, 3})}, 4, 0,
        [&](OpBuilder &nb, Location nloc, ValueRange) {
          Value bi = linalg::IndexOp::create(nb, nloc, 0);
          Value hi = linalg::IndexOp::create(nb, nloc, 1);
          Value ji = linalg::IndexOp::create(nb, nloc, 2);
          Value di = linalg::IndexOp::create(nb, nloc, 3);
          Value kv = perHead(nb, nloc, kvOf, hi);
          bool identity = llvm::equal(kvOf, llvm::seq<int64_t>(0, kvOf.size()));
          if (identity)
            kv = hi;
          Value x = tensor::ExtractOp::create(nb, nloc, src,
                                              ValueRange{bi, kv, ji, di});
          yieldOne(nb, nloc, toF32(nb, nloc, x));
        })[0];
  }

  /// acc[b,h,i,e] = sum_j p[b,h,i,j] * vx[b,h,j,e].
  static Value weightedValues(GenericBuilder &g, Value p, Value vx,
                              ArrayRef<OpFoldResult> outShape) {
    Value zeros = g.filled(outShape, g.b.getF32Type(),
                           g.b.getF32FloatAttr(0.0));
    return g.generic(zeros.getType(), {p, vx}, {zeros},
                     {g.map(5, {0, 1, 2, 4}), g.map(5, {0, 1, 4, 3}),
                      g.map(5, {0, 1, 2, 3})},
                     5, 1, [&](OpBuilder &nb, Location nloc, ValueRange args) {
                       Value prod =
                           arith::MulFOp::create(nb, nloc, args[0], args[1]);
                       yieldOne(
                           nb, nloc,
                           arith::AddFOp::create(nb, nloc, args[2], prod));
                     })[0];
  }

  static std::pair<Value, Value>
  modifyAndMask(GenericBuilder &g, AttentionOp op, Value scores,
                ArrayRef<OpFoldResult> scoreShape, Value qLen, Value kvLen);
};

} // namespace

/// Broadcast map of an operand whose leading [batch, head] extents may be 1,
/// over the score space; `trailing` names the loop dims of the other extents.
static AffineMap broadcastMap(GenericBuilder &g, Value operand,
                              ArrayRef<int64_t> trailing) {
  auto type = cast<RankedTensorType>(operand.getType());
  SmallVector<int64_t> dims = {type.getDimSize(0) == 1 ? -1 : kB,
                               type.getDimSize(1) == 1 ? -1 : kH};
  llvm::append_range(dims, trailing);
  return g.map(4, dims);
}

std::pair<Value, Value>
LowerAttention::modifyAndMask(GenericBuilder &g, AttentionOp op, Value scores,
                              ArrayRef<OpFoldResult> scoreShape, Value qLen,
                              Value kvLen) {
  OpBuilder &b = g.b;
  SmallVector<Value> inputs = {scores};
  SmallVector<AffineMap> maps = {g.map(4, {kB, kH, kI, kJ})};
  auto addInput = [&](Value v, AffineMap map) -> int {
    if (!v)
      return -1;
    inputs.push_back(v);
    maps.push_back(map);
    return inputs.size() - 1;
  };
  int temperature = addInput(
      op.getTemperature(),
      op.getTemperature() ? broadcastMap(g, op.getTemperature(), {kI})
                          : AffineMap());
  int alibi = addInput(op.getAlibiSlopes(), g.map(4, {kH}));
  int bias = addInput(op.getBias(), op.getBias()
                                        ? broadcastMap(g, op.getBias(), {kI, kJ})
                                        : AffineMap());
  int lengths = addInput(op.getKvLengths(), g.map(4, {kB}));
  bool rowSigmoidBias = lengths >= 0 &&
                        op.getNormalization() == Normalization::Sigmoid &&
                        !op.getSigmoidBiasAttr();
  Value tInit = g.empty(scoreShape, b.getF32Type());
  Value visInit = g.empty(scoreShape, b.getI1Type());
  maps.push_back(g.map(4, {kB, kH, kI, kJ}));
  maps.push_back(g.map(4, {kB, kH, kI, kJ}));

  // Per-head mask bounds (one constant when the heads agree).
  SmallVector<int64_t> lefts, rights, sinks;
  bool anyMask = false;
  for (int64_t h = 0, e = op.getNumQueryHeads(); h < e; ++h) {
    MaskAttr mask = op.getMaskFor(h);
    lefts.push_back(mask.getLeft());
    rights.push_back(mask.getRight());
    sinks.push_back(mask.getSinks());
    anyMask |= !mask.isNone() || mask.getSinks() != 0;
  }
  double scale = op.getScaleOrDefault();
  std::optional<double> softcap;
  if (auto attr = op.getSoftcapAttr())
    softcap = attr.getValueAsDouble();

  ValueRange results = g.generic(
      TypeRange{tInit.getType(), visInit.getType()}, inputs, {tInit, visInit},
      maps, 4, 0, [&](OpBuilder &nb, Location loc, ValueRange args) {
        Value bi = linalg::IndexOp::create(nb, loc, kB);
        Value hi = linalg::IndexOp::create(nb, loc, kH);
        Value ii = linalg::IndexOp::create(nb, loc, kI);
        Value ji = linalg::IndexOp::create(nb, loc, kJ);
        // A ragged row has L_b = clamp(kv_lengths[b], 0, Lk) keys.
        Value rowLen = kvLen;
        if (lengths >= 0) {
          Value n = arith::IndexCastOp::create(nb, loc, nb.getIndexType(),
                                               args[lengths]);
          rowLen = arith::MinSIOp::create(
              nb, loc, arith::MaxSIOp::create(nb, loc, n, cIndex(nb, loc, 0)),
              kvLen);
        }
        // diag = i + L_b - Lq: the key aligned with query i (bottom-right).
        Value diag = arith::SubIOp::create(
            nb, loc, arith::AddIOp::create(nb, loc, ii, rowLen), qLen);

        // s = scale * qk
        Value s = arith::MulFOp::create(nb, loc, args[0], cF32(nb, loc, scale));
        // s = s * temperature[b,h,i]
        if (temperature >= 0)
          s = arith::MulFOp::create(nb, loc, s, args[temperature]);
        // s = cap * tanh(s / cap)
        if (softcap) {
          Value cap = cF32(nb, loc, *softcap);
          Value t = math::TanhOp::create(
              nb, loc, arith::DivFOp::create(nb, loc, s, cap));
          s = arith::MulFOp::create(nb, loc, cap, t);
        }
        // s = s - slope[h] * |diag - j|
        if (alibi >= 0) {
          Value delta = arith::SubIOp::create(nb, loc, diag, ji);
          Value dist = math::AbsIOp::create(
              nb, loc,
              arith::IndexCastOp::create(nb, loc, nb.getI64Type(), delta));
          Value distF = arith::SIToFPOp::create(nb, loc, nb.getF32Type(), dist);
          s = arith::SubFOp::create(
              nb, loc, s, arith::MulFOp::create(nb, loc, args[alibi], distF));
        }
        // s = s + bias[b,h,i,j]
        if (bias >= 0)
          s = arith::AddFOp::create(nb, loc, s, toF32(nb, loc, args[bias]));
        // s = score_mod(s, b, h, i, j)
        if (!op.getScoreMod().empty())
          s = inlineModRegion(nb, op.getScoreMod(), {s, bi, hi, ii, ji});
        // Sigmoid's default bias of a ragged row: s = s - log(L_b).
        if (rowSigmoidBias) {
          Value n = arith::SIToFPOp::create(
              nb, loc, nb.getF32Type(),
              arith::IndexCastOp::create(nb, loc, nb.getI64Type(), rowLen));
          s = arith::SubFOp::create(nb, loc, s, math::LogOp::create(nb, loc, n));
        }

        // vis = (diag - left <= j <= diag + right) || (j < sinks && j <= diag
        // + right), with -1 meaning unbounded.
        Value vis = arith::ConstantOp::create(nb, loc, nb.getBoolAttr(true));
        if (anyMask) {
          Value zero = cIndex(nb, loc, 0);
          Value left = perHead(nb, loc, lefts, hi);
          Value right = perHead(nb, loc, rights, hi);
          Value sink = perHead(nb, loc, sinks, hi);
          auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
            return arith::CmpIOp::create(nb, loc, p, x, y);
          };
          Value leftOk = arith::OrIOp::create(
              nb, loc, cmp(arith::CmpIPredicate::slt, left, zero),
              cmp(arith::CmpIPredicate::sge, ji,
                  arith::SubIOp::create(nb, loc, diag, left)));
          Value rightOk = arith::OrIOp::create(
              nb, loc, cmp(arith::CmpIPredicate::slt, right, zero),
              cmp(arith::CmpIPredicate::sle, ji,
                  arith::AddIOp::create(nb, loc, diag, right)));
          Value isSink = arith::AndIOp::create(
              nb, loc, cmp(arith::CmpIPredicate::slt, ji, sink), rightOk);
          vis = arith::OrIOp::create(
              nb, loc, arith::AndIOp::create(nb, loc, leftOk, rightOk), isSink);
        }
        // vis = vis && mask_mod(b, h, i, j)
        if (!op.getMaskMod().empty())
          vis = arith::AndIOp::create(
              nb, loc, vis,
              inlineModRegion(nb, op.getMaskMod(), {bi, hi, ii, ji}));
        // Block mask: vis = listed_full || (listed_partial && vis).
        if (op.hasBlockMask()) {
          ArrayRef<int64_t> blockSize = op.getBlockSizeAttr().asArrayRef();
          Value qBlock = arith::DivUIOp::create(nb, loc, ii,
                                                cIndex(nb, loc, blockSize[0]));
          Value kvBlock = arith::DivUIOp::create(nb, loc, ji,
                                                 cIndex(nb, loc, blockSize[1]));
          Value partial = isListed(nb, loc, op.getKvNumBlocks(),
                                   op.getKvIndices(), bi, hi, qBlock, kvBlock);
          vis = arith::AndIOp::create(nb, loc, vis, partial);
          if (op.getFullKvNumBlocks()) {
            Value full =
                isListed(nb, loc, op.getFullKvNumBlocks(),
                         op.getFullKvIndices(), bi, hi, qBlock, kvBlock);
            vis = arith::OrIOp::create(nb, loc, vis, full);
          }
        }
        // Keys past a ragged row's length are hidden whatever else says.
        if (lengths >= 0)
          vis = arith::AndIOp::create(
              nb, loc, vis,
              arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::slt, ji,
                                    rowLen));
        linalg::YieldOp::create(nb, loc, ValueRange{s, vis});
      });
  return {results[0], results[1]};
}

void mlir::attune::populateAttnToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAttention>(patterns.getContext());
  populatePrefixAndMergeToLinalgPatterns(patterns);
}

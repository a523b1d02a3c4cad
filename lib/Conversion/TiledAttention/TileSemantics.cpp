//===- TileSemantics.cpp - attention variants at the tile level -----------===//
//
// The analysis of an attn.attention, the score modifiers and the
// normalization steps; which keys a query sees is TileMasks.cpp.
//
//===----------------------------------------------------------------------===//

#include "TileSemanticsDetail.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

std::optional<TileSemantics> TileSemantics::analyze(attn::AttentionOp op,
                                                    std::string &why) {
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()}) {
    if (region->empty())
      continue;
    for (Operation &inner : region->front().without_terminator())
      if (inner.getNumRegions() != 0 ||
          !(inner.hasTrait<OpTrait::Elementwise>() ||
            inner.hasTrait<OpTrait::ConstantLike>())) {
        why = "a score_mod / mask_mod region with a non-elementwise op (" +
              inner.getName().getStringRef().str() + ")";
        return std::nullopt;
      }
  }
  TileSemantics s;
  s.alibi = static_cast<bool>(op.getAlibiSlopes());
  s.scoreMod = op.getScoreMod().empty() ? nullptr : &op.getScoreMod();
  s.maskMod = op.getMaskMod().empty() ? nullptr : &op.getMaskMod();
  if (Value bias = op.getBias()) {
    s.biased = true;
    llvm::append_range(s.biasShape,
                       cast<RankedTensorType>(bias.getType()).getShape());
    if (ShapedType::isDynamic(s.biasShape[1]))
      s.biasShape[1] = op.getNumQueryHeads(); // dynamic extents are full
  }
  s.sigmoid = op.getNormalization() == attn::Normalization::Sigmoid;
  s.scaleValue = op.getScaleOrDefault();
  if (auto bias = op.getSigmoidBiasAttr())
    s.fixedSigmoidBias = bias.getValueAsDouble();
  if (auto cap = op.getSoftcapAttr())
    s.softcap = cap.getValueAsDouble();
  int64_t qHeads = op.getNumQueryHeads(), kvHeads = op.getNumKvHeads();
  // Bounds past any length the kernels take (< 2^31) mean "unbounded":
  // clamped so that index arithmetic and i32 lanes cannot overflow.
  auto clamp = [](int64_t bound) {
    return std::min<int64_t>(bound, std::numeric_limits<int32_t>::max());
  };
  for (int64_t h = 0; h < qHeads; ++h) {
    attn::MaskAttr mask = op.getMaskFor(h);
    s.kvHeads.push_back(op.getKvHeadFor(h));
    s.lefts.push_back(clamp(mask.getLeft()));
    s.rights.push_back(clamp(mask.getRight()));
    s.sinks.push_back(clamp(mask.getSinks()));
    s.masked |= !mask.isNone() || mask.getSinks() != 0;
  }
  // Pack a KV group's query heads into one tile when they share the KV head
  // by the default map and agree on the mask.
  int64_t group = qHeads / kvHeads;
  bool packable = !op.getHeadMapAttr();
  for (int64_t h = 0; packable && h < qHeads; ++h) {
    int64_t first = h - h % group;
    packable = s.lefts[h] == s.lefts[first] && s.rights[h] == s.rights[first] &&
               s.sinks[h] == s.sinks[first];
  }
  // Block lists given per head give the heads of a group different lists:
  // such heads cannot share a tile (nor can more heads than a vector holds,
  // whose tile would span query blocks).
  if (op.hasBlockMask()) {
    ArrayRef<int64_t> size = op.getBlockSizeAttr().asArrayRef();
    s.blockSizeValues.assign(size.begin(), size.end());
    for (Value list : {op.getKvNumBlocks(), op.getKvIndices(),
                       op.getFullKvNumBlocks(), op.getFullKvIndices()})
      if (list)
        packable &= cast<RankedTensorType>(list.getType()).getDimSize(1) == 1;
    packable &= group <= 16;
  }
  s.group = packable ? group : 1;
  return s;
}

/// The entry of a per-head constant table for a dynamic head.
static Value perHead(OpBuilder &b, Location loc, ArrayRef<int64_t> table,
                     Value head) {
  Value result = cIdx(b, loc, table.front());
  if (llvm::all_equal(table))
    return result;
  for (auto [h, value] : llvm::enumerate(table.drop_front()))
    result = arith::SelectOp::create(
        b, loc, cmpI(b, loc, arith::CmpIPredicate::eq, head, cIdx(b, loc, h + 1)),
        cIdx(b, loc, value), result);
  return result;
}

Value TileSemantics::kvHeadOf(OpBuilder &b, Location loc, Value head) const {
  if (llvm::equal(kvHeads, llvm::seq<int64_t>(0, kvHeads.size())))
    return head;
  return perHead(b, loc, kvHeads, head);
}

void TileSemantics::maskBounds(OpBuilder &b, Location loc, Value head,
                               Value &left, Value &right, Value &sink) const {
  left = perHead(b, loc, lefts, head);
  right = perHead(b, loc, rights, head);
  sink = perHead(b, loc, sinks, head);
}

Value attune::detail::diagonalDistance(OpBuilder &b, Location loc,
                                       const TileRows &rows, Value positions,
                                       Value keys, VectorType shape) {
  Value off = arith::SubIOp::create(b, loc, rows.kvLen, rows.qLen);
  auto asVector = [&](Value x) -> Value {
    if (isa<VectorType>(x.getType()))
      return x;
    if (x.getType().isIndex())
      x = arith::IndexCastOp::create(b, loc, b.getI32Type(), x);
    return vector::BroadcastOp::create(b, loc, shape, x);
  };
  Value offsetPositions = arith::AddIOp::create(
      b, loc, asVector(positions), asVector(off));
  return arith::SubIOp::create(b, loc, offsetPositions, asVector(keys));
}

VectorType attune::detail::scoreShape(OpBuilder &b, Value positions,
                                      Value keys) {
  auto type = dyn_cast<VectorType>(positions.getType());
  if (!type)
    type = cast<VectorType>(keys.getType());
  return VectorType::get(type.getShape(), b.getI32Type());
}

Value attune::detail::inlineVectorized(
    OpBuilder &b, Location loc, Region &region, ArrayRef<Value> args,
    ArrayRef<int64_t> shape,
    function_ref<Value(OpBuilder &, Value)> recompute) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  // Constants the region captures (canonicalization hoists the region's own
  // out of it) come along, and other captured values are recomputed where
  // given how: a GPU kernel cannot reach the originals.
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(region, captured);
  for (Value value : captured) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      mapping.map(value, b.clone(*def)->getResult(0));
    else if (recompute)
      mapping.map(value, recompute(b, value));
  }
  auto vectorOf = [&](Type t) { return VectorType::get(shape, t); };
  auto broadcast = [&](Value x) -> Value {
    if (isa<VectorType>(x.getType()))
      return x;
    return vector::BroadcastOp::create(b, loc, vectorOf(x.getType()), x);
  };
  for (Operation &op : block.without_terminator()) {
    Operation *copy = b.clone(op, mapping);
    bool vectorize = llvm::any_of(copy->getOperands(), [](Value v) {
      return isa<VectorType>(v.getType());
    });
    if (!vectorize)
      continue;
    for (OpOperand &operand : copy->getOpOperands()) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(copy);
      operand.set(broadcast(operand.get()));
    }
    for (OpResult result : copy->getResults())
      result.setType(vectorOf(result.getType()));
  }
  Value yielded = mapping.lookup(
      cast<attn::YieldOp>(block.getTerminator()).getValues()[0]);
  return broadcast(yielded);
}

SmallVector<Value> attune::detail::regionIndices(OpBuilder &b, Location loc,
                                                 const TileRows &rows,
                                                 Value positions, Value keys,
                                                 ArrayRef<int64_t> shape) {
  VectorType indexVector = VectorType::get(shape, b.getIndexType());
  auto asIndex = [&](Value x) -> Value {
    if (isa<VectorType>(x.getType()))
      return arith::IndexCastOp::create(b, loc, indexVector, x);
    return x;
  };
  auto clampBelow = [&](Value x, Value bound) -> Value {
    Value last = arith::SubIOp::create(b, loc, bound, cIdx(b, loc, 1));
    if (isa<VectorType>(x.getType()))
      last = vector::BroadcastOp::create(b, loc, indexVector, last);
    return arith::MinSIOp::create(b, loc, x, last);
  };
  return {rows.batch, asIndex(rows.heads),
          clampBelow(asIndex(positions), rows.qLen),
          clampBelow(asIndex(keys), rows.kvLen)};
}

/// bias[b', h', min(i, Lq - 1), min(j, Lk - 1)] for every score held (rows
/// of the layout's Lk keys, `biasKeys`), in
/// f32, gathered from the flat (1-D) bias buffer (b' = 0 / h' = 0 on
/// extents of 1).
Value TileSemantics::gatherBias(OpBuilder &b, Location loc,
                                const TileRows &rows, Value positions,
                                Value keys, VectorType type) const {
  auto bias = cast<MemRefType>(rows.bias.getType());
  VectorType indexType = VectorType::get(type.getShape(), b.getIndexType());
  auto asIndexVector = [&](Value x) -> Value {
    if (isa<VectorType>(x.getType()))
      return arith::IndexCastOp::create(b, loc, indexType, x);
    return vector::BroadcastOp::create(b, loc, indexType, x);
  };
  auto clampBelow = [&](Value x, Value bound) -> Value {
    Value last = arith::SubIOp::create(b, loc, bound, cIdx(b, loc, 1));
    return arith::MinSIOp::create(
        b, loc, x, vector::BroadcastOp::create(b, loc, indexType, last));
  };
  Value zero = cIdx(b, loc, 0);
  Value batch = biasShape[0] == 1 ? zero : rows.batch;
  Value heads = biasShape[1] == 1 ? zero : rows.heads;
  Value numHeads = cIdx(b, loc, biasShape[1]);
  Value pos = clampBelow(asIndexVector(positions), rows.qLen);
  Value key = clampBelow(asIndexVector(keys), rows.kvLen);
  // ((b' * H' + h') * Lq + i) * Lk + j
  Value flat = arith::MulIOp::create(b, loc, asIndexVector(batch),
                                     asIndexVector(numHeads));
  flat = arith::AddIOp::create(b, loc, flat, asIndexVector(heads));
  flat = arith::MulIOp::create(b, loc, flat, asIndexVector(rows.qLen));
  flat = arith::AddIOp::create(b, loc, flat, pos);
  Value keysPerRow = rows.biasKeys ? rows.biasKeys : rows.kvLen;
  flat = arith::MulIOp::create(b, loc, flat, asIndexVector(keysPerRow));
  flat = arith::AddIOp::create(b, loc, flat, key);
  Type element = bias.getElementType();
  VectorType loaded = VectorType::get(type.getShape(), element);
  Value allTrue = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get(type.getShape(), b.getI1Type()),
                             true));
  Value pass = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(loaded, b.getZeroAttr(element)));
  Value values = vector::GatherOp::create(b, loc, loaded, rows.bias,
                                          ValueRange{zero}, flat, allTrue,
                                          pass);
  return element.isF32() ? values
                         : arith::ExtFOp::create(b, loc, type, values).getResult();
}

Value TileSemantics::modifyScores(OpBuilder &b, Location loc,
                                  const TileRows &rows, Value scores,
                                  Value positions, Value keys) const {
  auto type = cast<VectorType>(scores.getType());
  auto splatF = [&](double v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getF32FloatAttr(v)));
  };
  // s = cap * tanh(s / cap)
  if (softcap) {
    Value t = math::TanhOp::create(
        b, loc, arith::MulFOp::create(b, loc, scores, splatF(1.0 / *softcap)));
    scores = arith::MulFOp::create(b, loc, t, splatF(*softcap));
  }
  // s = s - slope * |diag - j|
  if (rows.slopes) {
    Value delta = diagonalDistance(b, loc, rows, positions, keys,
                                   scoreShape(b, positions, keys));
    Value dist = arith::SIToFPOp::create(b, loc, type,
                                         math::AbsIOp::create(b, loc, delta));
    Value slopes = rows.slopes;
    if (!isa<VectorType>(slopes.getType()))
      slopes = vector::BroadcastOp::create(b, loc, type, slopes);
    scores = arith::SubFOp::create(
        b, loc, scores, arith::MulFOp::create(b, loc, slopes, dist));
  }
  // s = s + bias[b, h, i, j]  (extents 1 broadcast; rows and keys outside
  // [0, Lq) x [0, Lk) read a clamped element: their scores are discarded)
  if (rows.bias)
    scores = arith::AddFOp::create(
        b, loc, scores, gatherBias(b, loc, rows, positions, keys, type));
  // s = score_mod(s, b, h, i, j), inlined in vector form
  if (scoreMod) {
    SmallVector<Value> args = {scores};
    llvm::append_range(args, regionIndices(b, loc, rows, positions, keys,
                                           type.getShape()));
    scores = inlineVectorized(b, loc, *scoreMod, args, type.getShape(),
                              rows.captured);
  }
  return scores;
}

Value TileSemantics::sigmoidBias(OpBuilder &b, Location loc,
                                 Value kvLen) const {
  if (fixedSigmoidBias)
    return arith::ConstantOp::create(b, loc,
                                     b.getF32FloatAttr(*fixedSigmoidBias));
  Value lk = arith::IndexCastOp::create(b, loc, b.getI64Type(), kvLen);
  Value lkf = arith::SIToFPOp::create(b, loc, b.getF32Type(), lk);
  return arith::NegFOp::create(b, loc, math::LogOp::create(b, loc, lkf));
}

/// A constant of `like`'s type (f32 scalar or vector).
static Value constantLike(OpBuilder &b, Location loc, Value like, float v) {
  Type type = like.getType();
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vector, b.getF32FloatAttr(v)));
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value TileSemantics::sigmoidWeights(OpBuilder &b, Location loc, Value scores,
                                    Value bias) {
  Value one = constantLike(b, loc, scores, 1.0f);
  Value e = math::ExpOp::create(
      b, loc,
      arith::NegFOp::create(b, loc, arith::AddFOp::create(b, loc, scores, bias)));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value TileSemantics::sigmoidWeightsExp2(OpBuilder &b, Location loc,
                                        Value scores, double scale,
                                        Value bias) {
  const double log2e = 1.4426950408889634;
  Value one = constantLike(b, loc, scores, 1.0f);
  Value negBias = arith::MulFOp::create(
      b, loc, bias, constantLike(b, loc, bias, static_cast<float>(-log2e)));
  Value e = math::Exp2Op::create(
      b, loc,
      math::FmaOp::create(
          b, loc, scores,
          constantLike(b, loc, scores, static_cast<float>(-scale * log2e)),
          negBias));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value TileSemantics::rowKeyCount(OpBuilder &b, Location loc, Value length,
                                 Value kvLen) {
  Value n = arith::IndexCastOp::create(b, loc, b.getIndexType(), length);
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, n, cIdx(b, loc, 0)), kvLen);
}

Value TileSemantics::exponentBase(OpBuilder &b, Location loc, Value m) {
  Value negInf =
      constantLike(b, loc, m, -std::numeric_limits<float>::infinity());
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  return arith::SelectOp::create(b, loc, empty, constantLike(b, loc, m, 0.0f),
                                 m);
}

std::pair<Value, Value> TileSemantics::finishRows(OpBuilder &b, Location loc,
                                                  Value m, Value l) {
  Value zero = constantLike(b, loc, l, 0.0f);
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, zero);
  Value inv = arith::DivFOp::create(b, loc, constantLike(b, loc, l, 1.0f), l);
  Value lse = arith::AddFOp::create(b, loc, m, math::LogOp::create(b, loc, l));
  return {arith::SelectOp::create(b, loc, empty, zero, inv),
          arith::SelectOp::create(
              b, loc, empty,
              constantLike(b, loc, l, -std::numeric_limits<float>::infinity()),
              lse)};
}

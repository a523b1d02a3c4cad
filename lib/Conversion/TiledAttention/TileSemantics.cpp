//===- TileSemantics.cpp - attention variants at the tile level -----------===//
//
// Conventions (shared/ARCHITECTURE.md): query i and key j, off = Lk - Lq,
// diag = i + off. Key j is visible to query i iff
//   (right < 0 || j <= diag + right) &&
//   ((left < 0 || j >= diag - left) || j < sinks).
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/TiledAttention/TileSemantics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;

namespace {
Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
           Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}
/// ceil(x / d) for x >= 0.
Value ceilDiv(OpBuilder &b, Location loc, Value x, int64_t d) {
  return arith::CeilDivUIOp::create(b, loc, x, cIdx(b, loc, d));
}
} // namespace

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

KeyTileRange TileSemantics::keyTiles(OpBuilder &b, Location loc,
                                     const TileRows &rows,
                                     int64_t kvTile) const {
  Value zero = cIdx(b, loc, 0);
  Value allTiles = ceilDiv(b, loc, rows.kvLen, kvTile);
  if (!masked)
    return {zero, zero, allTiles};
  using P = arith::CmpIPredicate;
  Value off = arith::SubIOp::create(b, loc, rows.kvLen, rows.qLen);
  // Keys some row of the tile may see: [begin, end).
  //   begin = left < 0 ? 0 : max(0, firstRow + off - left)
  //   end   = right < 0 ? Lk : clamp(lastRow + off + right + 1, 0, Lk)
  Value firstDiag = arith::AddIOp::create(b, loc, rows.firstRow, off);
  Value lastDiag = arith::AddIOp::create(b, loc, rows.lastRow, off);
  Value begin = arith::MaxSIOp::create(
      b, loc, zero, arith::SubIOp::create(b, loc, firstDiag, rows.left));
  begin = arith::SelectOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.left, zero), zero, begin);
  Value end = arith::AddIOp::create(
      b, loc, arith::AddIOp::create(b, loc, lastDiag, rows.right),
      cIdx(b, loc, 1));
  end = arith::MaxSIOp::create(
      b, loc, zero, arith::MinSIOp::create(b, loc, end, rows.kvLen));
  end = arith::SelectOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.right, zero), rows.kvLen, end);
  begin = arith::MinSIOp::create(b, loc, begin, end);
  Value mainBegin =
      arith::DivUIOp::create(b, loc, begin, cIdx(b, loc, kvTile));
  Value mainEnd = ceilDiv(b, loc, end, kvTile);
  mainEnd = arith::MaxSIOp::create(b, loc, mainEnd, mainBegin);
  // Sink keys [0, min(sinks, end)) in the tiles before the main range.
  Value sinkKeys = arith::MinSIOp::create(b, loc, rows.sinks, end);
  Value numSinkTiles = arith::MinSIOp::create(
      b, loc, ceilDiv(b, loc, sinkKeys, kvTile), mainBegin);
  return {numSinkTiles, mainBegin, mainEnd};
}

Value TileSemantics::isFullTile(OpBuilder &b, Location loc,
                                const TileRows &rows, Value keyBegin,
                                int64_t kvTile) const {
  using P = arith::CmpIPredicate;
  // A mask_mod can hide any key: no tile is known to be entirely visible.
  if (maskMod)
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  Value keyEnd = arith::AddIOp::create(b, loc, keyBegin, cIdx(b, loc, kvTile));
  Value full = cmpI(b, loc, P::sle, keyEnd, rows.kvLen);
  if (!masked)
    return full;
  Value zero = cIdx(b, loc, 0);
  Value off = arith::SubIOp::create(b, loc, rows.kvLen, rows.qLen);
  // Right bound of the first row covers the last key of the tile.
  Value lastKey = arith::SubIOp::create(b, loc, keyEnd, cIdx(b, loc, 1));
  Value rightBound = arith::AddIOp::create(
      b, loc, arith::AddIOp::create(b, loc, rows.firstRow, off), rows.right);
  Value rightOk = arith::OrIOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.right, zero),
      cmpI(b, loc, P::sle, lastKey, rightBound));
  // Left bound of the last row is at or before the first key of the tile.
  Value leftBound = arith::SubIOp::create(
      b, loc, arith::AddIOp::create(b, loc, rows.lastRow, off), rows.left);
  Value leftOk = arith::OrIOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.left, zero),
      cmpI(b, loc, P::sge, keyBegin, leftBound));
  return arith::AndIOp::create(
      b, loc, full, arith::AndIOp::create(b, loc, rightOk, leftOk));
}

/// diag - j = i + (Lk - Lq) - j for every score held, as i32 of `shape`.
static Value diagonalDistance(OpBuilder &b, Location loc, const TileRows &rows,
                              Value positions, Value keys, VectorType shape) {
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

/// The i32 vector shape of whichever of `positions` / `keys` is a vector.
static VectorType scoreShape(OpBuilder &b, Value positions, Value keys) {
  auto type = dyn_cast<VectorType>(positions.getType());
  if (!type)
    type = cast<VectorType>(keys.getType());
  return VectorType::get(type.getShape(), b.getI32Type());
}

/// Inlines the elementwise region `region` at the builder with its arguments
/// bound to `args`, each a scalar or a vector of `shape`: ops whose operands
/// are all scalars are cloned as they are, the others become their vector
/// form (scalar operands broadcast). Returns the yielded value as a vector.
static Value inlineVectorized(OpBuilder &b, Location loc, Region &region,
                              ArrayRef<Value> args, ArrayRef<int64_t> shape,
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

/// (b, h, i, j) of the scores held as region arguments: index scalars stay,
/// i32 vectors become index vectors.
/// Positions and keys are clamped into [0, Lq) x [0, Lk): padding lanes and
/// tail keys (whose scores are discarded) must not run the region on values
/// the reference never gives it (an integer division could trap).
static SmallVector<Value> regionIndices(OpBuilder &b, Location loc,
                                        const TileRows &rows, Value positions,
                                        Value keys, ArrayRef<int64_t> shape) {
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

KeyTileRange TileSemantics::segmentKeyTiles(OpBuilder &b, Location loc,
                                            const TileRows &rows,
                                            int64_t kvTile,
                                            Segment segment) const {
  KeyTileRange whole = keyTiles(b, loc, rows, kvTile);
  Value tiles = ceilDiv(b, loc, segment.length, kvTile);
  // The segment's tile holding key `globalTile * kvTile` (rounded down) or
  // the one after (rounded up), within the segment's tiles.
  auto localTile = [&](Value globalTile, bool roundUp) -> Value {
    Value key = arith::MulIOp::create(b, loc, globalTile, cIdx(b, loc, kvTile));
    Value relative = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, key, segment.keyOffset),
        cIdx(b, loc, 0));
    Value tile = roundUp ? ceilDiv(b, loc, relative, kvTile)
                         : arith::DivUIOp::create(b, loc, relative,
                                                  cIdx(b, loc, kvTile))
                               .getResult();
    return arith::MinUIOp::create(b, loc, tile, tiles);
  };
  KeyTileRange range;
  range.numSinkTiles = localTile(whole.numSinkTiles, true);
  range.mainBegin = arith::MaxUIOp::create(
      b, loc, localTile(whole.mainBegin, false), range.numSinkTiles);
  range.mainEnd = arith::MaxUIOp::create(b, loc, localTile(whole.mainEnd, true),
                                         range.mainBegin);
  return range;
}

Value TileSemantics::isFullSegmentTile(OpBuilder &b, Location loc,
                                       const TileRows &rows, Value keyBegin,
                                       int64_t kvTile, Segment segment) const {
  Value inside = cmpI(
      b, loc, arith::CmpIPredicate::sle,
      arith::AddIOp::create(b, loc, keyBegin, cIdx(b, loc, kvTile)),
      segment.length);
  return arith::AndIOp::create(
      b, loc,
      isFullTile(b, loc, rows,
                 arith::AddIOp::create(b, loc, keyBegin, segment.keyOffset),
                 kvTile),
      inside);
}

/// `x` (index, or a scalar or vector of i32) as an i32 vector of `shape`.
static Value broadcastIndex(OpBuilder &b, Location loc, VectorType shape,
                            Value x) {
  if (isa<VectorType>(x.getType()))
    return x;
  if (x.getType().isIndex())
    x = arith::IndexCastOp::create(b, loc, b.getI32Type(), x);
  return vector::BroadcastOp::create(
      b, loc, VectorType::get(shape.getShape(), x.getType()), x);
}

Value TileSemantics::segmentVisibility(OpBuilder &b, Location loc,
                                       const TileRows &rows, Value positions,
                                       Value keys, Segment segment) const {
  VectorType shape = scoreShape(b, positions, keys);
  Value own = broadcastIndex(b, loc, shape, keys);
  Value shifted = arith::AddIOp::create(
      b, loc, own, broadcastIndex(b, loc, shape, segment.keyOffset));
  return arith::AndIOp::create(
      b, loc, visibility(b, loc, rows, positions, shifted),
      cmpI(b, loc, arith::CmpIPredicate::slt, own,
           broadcastIndex(b, loc, shape, segment.length)));
}

Value TileSemantics::visibility(OpBuilder &b, Location loc,
                                const TileRows &rows, Value positions,
                                Value keys) const {
  using P = arith::CmpIPredicate;
  VectorType shape = scoreShape(b, positions, keys);
  auto vec = [&](Value x) { return broadcastIndex(b, loc, shape, x); };
  Value keyVec = vec(keys);
  Value inRange = cmpI(b, loc, P::slt, keyVec, vec(rows.kvLen));
  // vis = vis && mask_mod(b, h, i, j), inlined in vector form
  if (maskMod)
    inRange = arith::AndIOp::create(
        b, loc, inRange,
        inlineVectorized(
            b, loc, *maskMod,
            regionIndices(b, loc, rows, positions, keys, shape.getShape()),
            shape.getShape(), rows.captured));
  if (!masked)
    return inRange;
  // With delta = diag - j:  j <= diag + right  <=>  delta >= -right, and
  // j >= diag - left  <=>  delta <= left;  sinks (j < sinks) ignore left.
  Value zero = cIdx(b, loc, 0);
  Value delta = diagonalDistance(b, loc, rows, positions, keys, shape);
  Value negRight = arith::SubIOp::create(b, loc, zero, rows.right);
  Value rightOk = arith::OrIOp::create(
      b, loc, vec(cmpI(b, loc, P::slt, rows.right, zero)),
      cmpI(b, loc, P::sge, delta, vec(negRight)));
  Value leftOk = arith::OrIOp::create(
      b, loc, vec(cmpI(b, loc, P::slt, rows.left, zero)),
      arith::OrIOp::create(b, loc, cmpI(b, loc, P::sle, delta, vec(rows.left)),
                           cmpI(b, loc, P::slt, keyVec, vec(rows.sinks))));
  return arith::AndIOp::create(
      b, loc, inRange, arith::AndIOp::create(b, loc, rightOk, leftOk));
}

/// `x` (index) clamped into [0, span], as i32: where a run's key offsets
/// compare with it as with `x`.
static Value clampToRun(OpBuilder &b, Location loc, Value x, int64_t span) {
  Value inside = arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, x, cIdx(b, loc, 0)),
      cIdx(b, loc, span));
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), inside);
}

TileSemantics::KeyBounds
TileSemantics::keyBounds(OpBuilder &b, Location loc, const TileRows &rows,
                         Value position, Value keyBegin, int64_t span) const {
  assert(hasKeyBounds() && "a mask_mod has no key bounds");
  using P = arith::CmpIPredicate;
  Value zero = cIdx(b, loc, 0);
  auto sub = [&](Value x, Value y) {
    return arith::SubIOp::create(b, loc, x, y).getResult();
  };
  auto clamped = [&](Value x) { return clampToRun(b, loc, x, span); };
  // key < Lk
  Value end = sub(rows.kvLen, keyBegin);
  KeyBounds bounds;
  if (!masked) {
    bounds.end = clamped(end);
    return bounds;
  }
  // The row enters last, into an offset the same for every row: begin =
  // i + (Lk - Lq - left - keyBegin), the right bound's end = i + (Lk - Lq +
  // right + 1 - keyBegin). The offsets in index arithmetic (no wrap for any
  // window), the row's sum in i32 (a kernel's row registers): for a
  // position i in [0, 2^31) and an offset u, clamp(i + u, 0, span) is
  // unchanged by first clamping u into [1 - 2^31, span], and when u >= 0 by
  // taking min(i, span) for i, which keeps the sum in i32.
  Type i32 = b.getI32Type();
  if (position.getType().isIndex())
    position = arith::IndexCastOp::create(b, loc, i32, position);
  auto i32Constant = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  Value clippedPosition =
      arith::MinSIOp::create(b, loc, position, i32Constant(span));
  auto atRow = [&](Value offset) -> Value {
    Value u = arith::IndexCastOp::create(
        b, loc, i32,
        arith::MinSIOp::create(
            b, loc,
            arith::MaxSIOp::create(b, loc, offset,
                                   cIdx(b, loc, 1 - (int64_t(1) << 31))),
            cIdx(b, loc, span)));
    Value i =
        arith::SelectOp::create(b, loc, cmpI(b, loc, P::sge, u, i32Constant(0)),
                                clippedPosition, position);
    return arith::MinSIOp::create(
        b, loc,
        arith::MaxSIOp::create(b, loc, arith::AddIOp::create(b, loc, i, u),
                               i32Constant(0)),
        i32Constant(span));
  };
  Value diagOffset = sub(sub(rows.kvLen, rows.qLen), keyBegin);
  bounds.end = clamped(end);
  // Right: j <= diag + right, diag = i + Lk - Lq (unbounded when right < 0).
  // Left: j >= diag - left (unbounded when left < 0), or j < sinks.
  Value rightEnd = atRow(arith::AddIOp::create(
      b, loc, arith::AddIOp::create(b, loc, diagOffset, rows.right),
      cIdx(b, loc, 1)));
  bounds.end = arith::SelectOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.right, zero), bounds.end,
      arith::MinSIOp::create(b, loc, bounds.end, rightEnd));
  // Statically unbounded on the left (causal): no lower bound, sinks moot.
  APInt left, sinks;
  if (matchPattern(rows.left, m_ConstantInt(&left)) && left.isNegative())
    return bounds;
  bounds.begin = arith::SelectOp::create(
      b, loc, cmpI(b, loc, P::slt, rows.left, zero), i32Constant(0),
      atRow(sub(diagOffset, rows.left)));
  if (!matchPattern(rows.sinks, m_ConstantInt(&sinks)) || !sinks.isZero())
    bounds.sinkEnd = clamped(sub(rows.sinks, keyBegin));
  return bounds;
}

TileSemantics::KeyBounds TileSemantics::segmentKeyBounds(
    OpBuilder &b, Location loc, const TileRows &rows, Value position,
    Value keyBegin, int64_t span, Segment segment) const {
  KeyBounds bounds = keyBounds(
      b, loc, rows, position,
      arith::AddIOp::create(b, loc, keyBegin, segment.keyOffset), span);
  // Only the segment's keys: o < length - keyBegin.
  bounds.end = arith::MinSIOp::create(
      b, loc, bounds.end,
      clampToRun(b, loc,
                 arith::SubIOp::create(b, loc, segment.length, keyBegin),
                 span));
  return bounds;
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

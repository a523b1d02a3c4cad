//===- TileMasks.cpp - which keys a query tile sees -----------------------===//
//
// TileSemantics' mask: the key tiles a query tile visits, the tiles every
// row sees whole, per-score visibility, per-row key bounds and their forms
// for a segment of the keys (prefix attention).
//
// Conventions (shared/ARCHITECTURE.md): query i and key j, off = Lk - Lq,
// diag = i + off. Key j is visible to query i iff
//   (right < 0 || j <= diag + right) &&
//   ((left < 0 || j >= diag - left) || j < sinks).
//
//===----------------------------------------------------------------------===//

#include "TileSemanticsDetail.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// ceil(x / d) for x >= 0.
static Value ceilDiv(OpBuilder &b, Location loc, Value x, int64_t d) {
  return arith::CeilDivUIOp::create(b, loc, x, cIdx(b, loc, d));
}

// The mask in index arithmetic (64-bit: no bound or length can overflow it).
// A query's window on the keys is [diag - left, diag + right + 1), each side
// unbounded where its bound is < 0; the per-tile (keyTiles, isFullTile) and
// per-row (keyBounds) forms all take their limits from these helpers.
// `visibility` works per score in i32 lanes instead, on diag - j (see there).

/// diag = i + (Lk - Lq) for query position `row` (index).
static Value diagonalOf(OpBuilder &b, Location loc, const TileRows &rows,
                        Value row) {
  return arith::AddIOp::create(
      b, loc, row, arith::SubIOp::create(b, loc, rows.kvLen, rows.qLen));
}
/// The first key the window at `diag` holds: diag - left.
static Value windowBegin(OpBuilder &b, Location loc, const TileRows &rows,
                         Value diag) {
  return arith::SubIOp::create(b, loc, diag, rows.left);
}
/// One past the last key the window at `diag` holds: diag + right + 1.
static Value windowEnd(OpBuilder &b, Location loc, const TileRows &rows,
                       Value diag) {
  return arith::AddIOp::create(
      b, loc, arith::AddIOp::create(b, loc, diag, rows.right), cIdx(b, loc, 1));
}
/// i1: `bound` (left or right) is unbounded.
static Value unbounded(OpBuilder &b, Location loc, Value bound) {
  return cmpI(b, loc, arith::CmpIPredicate::slt, bound, cIdx(b, loc, 0));
}

KeyTileRange TileSemantics::keyTiles(OpBuilder &b, Location loc,
                                     const TileRows &rows,
                                     int64_t kvTile) const {
  Value zero = cIdx(b, loc, 0);
  Value allTiles = ceilDiv(b, loc, rows.kvLen, kvTile);
  if (!masked)
    return {zero, zero, allTiles};
  // Keys some row of the tile may see: [begin, end), from the first row's
  // window begin and the last row's window end, clamped into [0, Lk):
  //   begin = left < 0 ? 0 : max(0, firstRow + off - left)
  //   end   = right < 0 ? Lk : clamp(lastRow + off + right + 1, 0, Lk)
  Value begin = arith::MaxSIOp::create(
      b, loc, zero,
      windowBegin(b, loc, rows, diagonalOf(b, loc, rows, rows.firstRow)));
  begin = arith::SelectOp::create(b, loc, unbounded(b, loc, rows.left), zero,
                                  begin);
  Value end = windowEnd(b, loc, rows, diagonalOf(b, loc, rows, rows.lastRow));
  end = arith::MaxSIOp::create(b, loc, zero,
                               arith::MinSIOp::create(b, loc, end, rows.kvLen));
  end = arith::SelectOp::create(b, loc, unbounded(b, loc, rows.right),
                                rows.kvLen, end);
  begin = arith::MinSIOp::create(b, loc, begin, end);
  Value mainBegin = arith::DivUIOp::create(b, loc, begin, cIdx(b, loc, kvTile));
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
  // The first row's window ends at or after the tile's end, and the last
  // row's begins at or before the tile's first key:
  //   keyEnd <= firstRow + off + right + 1,  keyBegin >= lastRow + off - left
  Value rightOk = arith::OrIOp::create(
      b, loc, unbounded(b, loc, rows.right),
      cmpI(b, loc, P::sle, keyEnd,
           windowEnd(b, loc, rows, diagonalOf(b, loc, rows, rows.firstRow))));
  Value leftOk = arith::OrIOp::create(
      b, loc, unbounded(b, loc, rows.left),
      cmpI(b, loc, P::sge, keyBegin,
           windowBegin(b, loc, rows, diagonalOf(b, loc, rows, rows.lastRow))));
  return arith::AndIOp::create(b, loc, full,
                               arith::AndIOp::create(b, loc, rightOk, leftOk));
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
    Value tile =
        roundUp ? ceilDiv(b, loc, relative, kvTile)
                : arith::DivUIOp::create(b, loc, relative, cIdx(b, loc, kvTile))
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
  Value inside =
      cmpI(b, loc, arith::CmpIPredicate::sle,
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
  // The window [diag - left, diag + right + 1) in i32 lanes, as bounds on
  // delta = diag - j (which cannot overflow: the window's ends could, for a
  // right bound near 2^31):  j <= diag + right  <=>  delta >= -right, and
  // j >= diag - left  <=>  delta <= left;  sinks (j < sinks) ignore left.
  Value zero = cIdx(b, loc, 0);
  Value delta = diagonalDistance(b, loc, rows, positions, keys, shape);
  Value negRight = arith::SubIOp::create(b, loc, zero, rows.right);
  Value rightOk =
      arith::OrIOp::create(b, loc, vec(cmpI(b, loc, P::slt, rows.right, zero)),
                           cmpI(b, loc, P::sge, delta, vec(negRight)));
  Value leftOk = arith::OrIOp::create(
      b, loc, vec(cmpI(b, loc, P::slt, rows.left, zero)),
      arith::OrIOp::create(b, loc, cmpI(b, loc, P::sle, delta, vec(rows.left)),
                           cmpI(b, loc, P::slt, keyVec, vec(rows.sinks))));
  return arith::AndIOp::create(b, loc, inRange,
                               arith::AndIOp::create(b, loc, rightOk, leftOk));
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
  // The window's ends as offsets in the run at i = 0 (diag - keyBegin);
  // atRow adds the row. Right: o < i + off - keyBegin + right + 1 (and
  // o < Lk - keyBegin); left: o >= i + off - keyBegin - left, or j < sinks.
  Value diagOffset = sub(diagonalOf(b, loc, rows, zero), keyBegin);
  bounds.end = clamped(end);
  Value rightEnd = atRow(windowEnd(b, loc, rows, diagOffset));
  bounds.end = arith::SelectOp::create(
      b, loc, unbounded(b, loc, rows.right), bounds.end,
      arith::MinSIOp::create(b, loc, bounds.end, rightEnd));
  // Statically unbounded on the left (causal): no lower bound, sinks moot.
  APInt left, sinks;
  if (matchPattern(rows.left, m_ConstantInt(&left)) && left.isNegative())
    return bounds;
  bounds.begin = arith::SelectOp::create(
      b, loc, unbounded(b, loc, rows.left), i32Constant(0),
      atRow(windowBegin(b, loc, rows, diagOffset)));
  if (!matchPattern(rows.sinks, m_ConstantInt(&sinks)) || !sinks.isZero())
    bounds.sinkEnd = clamped(sub(rows.sinks, keyBegin));
  return bounds;
}

Value TileSemantics::withinKeyBounds(OpBuilder &b, Location loc, Value offsets,
                                     const KeyBounds &lanes) {
  using P = arith::CmpIPredicate;
  // o < end && (o >= begin || o < sinkEnd)
  Value visible = cmpI(b, loc, P::slt, offsets, lanes.end);
  if (!lanes.begin)
    return visible;
  Value left = cmpI(b, loc, P::sge, offsets, lanes.begin);
  if (lanes.sinkEnd)
    left = arith::OrIOp::create(b, loc, left,
                                cmpI(b, loc, P::slt, offsets, lanes.sinkEnd));
  return arith::AndIOp::create(b, loc, visible, left);
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

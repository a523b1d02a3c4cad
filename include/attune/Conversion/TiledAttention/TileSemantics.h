//===- TileSemantics.h - attention variants at the tile level ---*- C++ -*-===//
//
// The one place where the fused (tiled online-softmax) lowerings learn what an
// attn.attention computes: which key tiles a query tile must visit, whether a
// tile needs per-element masking, how scores are modified and which are
// visible. Backends own the loops, the products and the running max / sum;
// they call this for everything variant-specific, on vectors of scores whose
// query positions, keys and heads are given as scalars or vectors.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_TILEDATTENTION_TILESEMANTICS_H
#define ATTUNE_CONVERSION_TILEDATTENTION_TILESEMANTICS_H

#include "attn/IR/AttnOps.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir {
namespace attune {

/// Where a query tile sits: the rows it covers and the per-row facts the
/// variant needs. Built once per tile by the backend.
struct TileRows {
  /// Smallest and largest query position of the tile's valid rows (index).
  Value firstRow, lastRow;
  /// Query position of every row of the tile (vector of i32).
  Value positions;
  /// Lq and Lk (index).
  Value qLen, kvLen;
  /// Mask bounds of the tile's head (index; -1 = unbounded / no sinks = 0).
  Value left, right, sinks;
  /// ALiBi slope of the scores held (f32 vector, or scalar for one row),
  /// when the op has slopes.
  Value slopes;
  /// The batch row (index) and the query head of the scores held (index
  /// scalar, or an i32 vector when heads differ across lanes): for the bias
  /// and the score_mod / mask_mod regions.
  Value batch, heads;
  /// With an additive bias: the bias buffer (a flat, 1-D view of the operand)
  /// and its key extent, the Lk of the layout (null: kvLen; a ragged row's
  /// kvLen is shorter than the rows it steps over).
  Value bias, biasKeys;
  /// What the score_mod / mask_mod regions capture besides constants (which
  /// are cloned), as computed where they are inlined; null: the captured
  /// values themselves (the regions inlined into their own function).
  function_ref<Value(OpBuilder &, Value)> captured;
};

/// The key tiles a query tile visits: `numSinkTiles` tiles from key 0 (sink
/// tokens), then tiles [mainBegin, mainEnd). Tile t covers keys
/// [t * kvTile, (t + 1) * kvTile).
struct KeyTileRange {
  Value numSinkTiles, mainBegin, mainEnd;
};

/// What the fused lowerings support of an attn.attention, decided statically.
class TileSemantics {
public:
  /// Analyzes `op`; returns std::nullopt and sets `why` when the fused path
  /// does not handle one of its features yet (the caller falls back).
  static std::optional<TileSemantics> analyze(attn::AttentionOp op,
                                              std::string &why);

  bool isSigmoid() const { return sigmoid; }
  /// Query heads that share one KV head and can be packed into one tile's
  /// rows (1 when heads cannot be packed: explicit map or per-head masks
  /// that differ inside a group).
  int64_t groupSize() const { return group; }
  /// Stops packing: one query head per tile (a backend whose tile rows the
  /// group does not divide, where block lists need whole query blocks).
  void unpackHeads() { group = 1; }
  /// Whether modifyScores changes anything (softcap, ALiBi, bias, score_mod).
  bool modifiesScores() const {
    return softcap || alibi || biased || scoreMod;
  }
  /// FlexAttention-style block lists: (query block, key block) sizes, empty
  /// without them. Listed full blocks are visible whatever the mask; listed
  /// partial blocks apply it; unlisted blocks are hidden.
  ArrayRef<int64_t> blockSizes() const { return blockSizeValues; }
  /// The score scale; the backend applies it (times the per-row temperature)
  /// to Q when packing it, or to the scores when Q stays in bf16.
  double scale() const { return scaleValue; }

  /// The KV head query head `head` (index) reads: the op's head map, or
  /// head / (Hq / Hkv).
  Value kvHeadOf(OpBuilder &b, Location loc, Value head) const;

  /// Mask bounds of query head `head` (index values; per-head tables become
  /// a dynamic lookup).
  void maskBounds(OpBuilder &b, Location loc, Value head, Value &left,
                  Value &right, Value &sinks) const;

  /// The key tiles query rows [rows.firstRow, rows.lastRow] must visit.
  KeyTileRange keyTiles(OpBuilder &b, Location loc, const TileRows &rows,
                        int64_t kvTile) const;

  /// i1: every key of tile [keyBegin, keyBegin + kvTile) is visible to every
  /// valid row of the tile (no per-element mask needed).
  Value isFullTile(OpBuilder &b, Location loc, const TileRows &rows,
                   Value keyBegin, int64_t kvTile) const;

  /// A segment of the keys: keys [keyOffset, keyOffset + segmentLen) of the
  /// concatenation `rows` describes (rows.kvLen its length), as prefix
  /// attention splits them, in the segment's own key indices (its tiles
  /// start at its first key).
  struct Segment {
    Value keyOffset, length;
  };
  /// The segment's tiles that hold a key keyTiles leaves visible.
  KeyTileRange segmentKeyTiles(OpBuilder &b, Location loc,
                               const TileRows &rows, int64_t kvTile,
                               Segment segment) const;
  /// isFullTile at the tile's place in the concatenation, and the tile is
  /// entirely the segment's keys (`keyBegin`: the segment's own index).
  Value isFullSegmentTile(OpBuilder &b, Location loc, const TileRows &rows,
                          Value keyBegin, int64_t kvTile,
                          Segment segment) const;
  /// visibility at the keys' places in the concatenation, and only the
  /// segment's keys (`keys`: the segment's own indices).
  Value segmentVisibility(OpBuilder &b, Location loc, const TileRows &rows,
                          Value positions, Value keys, Segment segment) const;

  /// The scores a kernel holds are a vector; each belongs to a query
  /// position and a key index. `positions` and `keys` give them: each is a
  /// scalar (index, the same for all) or an i32 vector of the scores' shape
  /// (rows in lanes on the CPU's wide tiles, keys in lanes for decode).

  /// Score modifiers after the scaled product (softcap, ALiBi, additive
  /// bias); `scores` holds scale * temperature * q.k.
  Value modifyScores(OpBuilder &b, Location loc, const TileRows &rows,
                     Value scores, Value positions, Value keys) const;

  /// i1 vector: which scores are visible (mask, and key < Lk).
  Value visibility(OpBuilder &b, Location loc, const TileRows &rows,
                   Value positions, Value keys) const;

  /// `visibility` for one query row over a run of `span` keys, as bounds on
  /// a key's offset o in the run (i32, each in [0, span]): key keyBegin + o
  /// is visible iff o < end and (o >= begin or o < sinkEnd); a null begin
  /// (no left bound) holds for every o, a null sinkEnd (no sinks) for none.
  /// A kernel then compares constant offsets with three per-row values
  /// instead of building each score's key and diagonal distance
  /// (FlashAttention's column limits). Not for a mask_mod (hasKeyBounds).
  struct KeyBounds {
    Value begin, end, sinkEnd;
  };
  bool hasKeyBounds() const { return !maskMod; }
  /// `position`: the row's query position (index or i32); `keyBegin`: the
  /// run's first key (index).
  KeyBounds keyBounds(OpBuilder &b, Location loc, const TileRows &rows,
                      Value position, Value keyBegin, int64_t span) const;
  /// segmentVisibility's bounds (`keyBegin`: the segment's own index).
  KeyBounds segmentKeyBounds(OpBuilder &b, Location loc, const TileRows &rows,
                             Value position, Value keyBegin, int64_t span,
                             Segment segment) const;
  /// i1 vector: which of `offsets` (an i32 vector of key offsets) `lanes`
  /// admits, `lanes` holding each score's row's bounds as i32 vectors of
  /// the same shape (splat for one row, per lane where rows differ).
  static Value withinKeyBounds(OpBuilder &b, Location loc, Value offsets,
                               const KeyBounds &lanes);

  /// Sigmoid bias (f32 scalar): the attribute or -log(Lk).
  Value sigmoidBias(OpBuilder &b, Location loc, Value kvLen) const;

  // Normalization steps every backend shares; values are f32 scalars or
  // vectors (one per row).

  /// sigmoid(s + bias) = 1 / (1 + exp(-(s + bias))): 0 for masked s = -inf.
  static Value sigmoidWeights(OpBuilder &b, Location loc, Value scores,
                              Value bias);
  /// The same weights of `scale` * `scores` in base 2, for backends with a
  /// native exp2 and reciprocal (the GPU): 1 / (1 + exp2(fma(s, -scale
  /// log2 e, -bias log2 e))), an fma, an exp2, an add and a division a
  /// score (-bias log2 e is computed once where the bias is invariant).
  static Value sigmoidWeightsExp2(OpBuilder &b, Location loc, Value scores,
                                  double scale, Value bias);
  /// A ragged batch row's key count: clamp(length, 0, Lk), `length` the i32
  /// entry of kv_lengths, `kvLen` the layout's Lk (index).
  static Value rowKeyCount(OpBuilder &b, Location loc, Value length,
                           Value kvLen);
  /// The exponent base for running max `m`: m, or 0 while m = -inf (no key
  /// visible yet), so that exp(s - base) and exp(m_old - base) are never NaN.
  static Value exponentBase(OpBuilder &b, Location loc, Value m);
  /// The output scale and LSE of finished rows: 1/l and m + log(l), or 0 and
  /// -inf where l = 0 (no visible key: the row is 0, never NaN).
  static std::pair<Value, Value> finishRows(OpBuilder &b, Location loc,
                                            Value m, Value l);

private:
  TileSemantics() = default;
  Value gatherBias(OpBuilder &b, Location loc, const TileRows &rows,
                   Value positions, Value keys, VectorType type) const;

  bool sigmoid = false;
  bool masked = false;
  bool biased = false;
  bool alibi = false;
  int64_t group = 1;
  double scaleValue = 1.0;
  std::optional<double> softcap, fixedSigmoidBias;
  SmallVector<int64_t> lefts, rights, sinks, kvHeads;
  SmallVector<int64_t> biasShape; // [B|1, Hq|1, Lq, Lk] of the bias operand
  Region *scoreMod = nullptr, *maskMod = nullptr; // the op's, when present
  SmallVector<int64_t> blockSizeValues;
};

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_TILEDATTENTION_TILESEMANTICS_H

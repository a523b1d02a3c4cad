//===- DecomposeSharedPrefix.cpp - Hydragen decomposition -----------------===//
//
// attn.prefix_attention attends, for batch row b, to the concatenation of one
// instance of each KV segment. Attention over disjoint key sets merges
// exactly (softmax through the log-sum-exps, sigmoid by sum), so the op is
// the merge of one attention per segment. Hydragen's point is the shape of
// those parts: a segment instance read by R rows is attended once by the R
// rows' queries stacked along the query axis, a matrix-matrix problem that
// reads the instance once, instead of R matrix-vector ones that read it R
// times.
//
//   O = merge_s attention(Q_rows(s), K_s, V_s)      (exact, in f32)
//
//===----------------------------------------------------------------------===//

#include "attn/Transforms/Passes.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_DECOMPOSESHAREDPREFIX
#include "attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// An index value, with its size when it is static.
struct Extent {
  Value value;
  std::optional<int64_t> size;
};

/// Where one segment's keys sit in a row's concatenated KV.
struct Placement {
  Extent offset; // keys before the segment
  Extent length; // keys in it
  Extent tail;   // keys after it
};

/// A part of the decomposition: one attention and how it is laid out.
struct Part {
  Value output, lse; // [B, Hq, Lq, Dv] and [B, Hq, Lq], f32
};

class Decomposer {
public:
  Decomposer(PrefixAttentionOp op, PatternRewriter &rewriter)
      : op(op), b(rewriter), loc(op.getLoc()) {}

  /// Whether the decomposition is exact with the masks the parts can have:
  /// with ragged suffixes (suffix_lengths), every part but the last must see
  /// its keys whole, whatever the suffix lengths (their positions relative
  /// to the end differ per row).
  LogicalResult checkRaggedSuffix();
  LogicalResult run();

private:
  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Extent dimOf(Value tensor, int64_t dim);
  Extent add(const Extent &x, const Extent &y);

  SmallVector<MaskAttr> queryHeadMasks();
  std::optional<MaskAttr> localMask(MaskAttr mask, const Placement &place,
                                    bool stacked);
  Part attend(Value query, Value key, Value value, const Placement &place,
              bool stacked, Value kvLengths = Value());
  void buildMaskMod(Region &region, ArrayRef<MaskAttr> masks,
                    const Placement &place, bool stacked);
  void buildSigmoidBias(Region &region);

  Value stackRows(Value x);
  Value unstackRows(Value x, OpFoldResult rows);
  Value gatherRows(Value x, ArrayRef<int64_t> rows);
  Part sharedPart(unsigned s, const Placement &place);

  PrefixAttentionOp op;
  PatternRewriter &b;
  Location loc;
  Extent qLen, kvLen;
  Value sigmoidBias; // -log(Lk) when it is not static
};

Extent Decomposer::dimOf(Value tensor, int64_t dim) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return {cIdx(type.getDimSize(dim)), type.getDimSize(dim)};
  return {tensor::DimOp::create(b, loc, tensor, dim), std::nullopt};
}

Extent Decomposer::add(const Extent &x, const Extent &y) {
  std::optional<int64_t> size;
  if (x.size && y.size)
    size = *x.size + *y.size;
  if (size)
    return {cIdx(*size), size};
  return {arith::AddIOp::create(b, loc, x.value, y.value), size};
}

/// The mask of every query head (none when the op has none).
SmallVector<MaskAttr> Decomposer::queryHeadMasks() {
  if (auto headMasks = op.getHeadMasksAttr())
    return llvm::to_vector(headMasks.getAsRange<MaskAttr>());
  MaskAttr mask = op.getMaskAttr();
  if (!mask)
    mask = MaskAttr::getNone(op.getContext());
  return {mask};
}

/// The banded mask that shows a part's queries exactly what `mask` shows
/// them of the segment's keys in the concatenation, or nullopt when no banded
/// mask can (the part then takes a mask_mod region).
///
/// With d = i + Lk - Lq the query's diagonal in the concatenation and
/// jg = offset + j a key's position there, the segment is visible to every
/// query when the right bound passes its last key for the first query
/// (offset + L - 1 <= Lk - Lq + right, i.e. tail + right >= Lq - 1) and the
/// left bound (or the sinks) precedes its first key for the last query
/// (offset >= Lk - 1 - left, i.e. L + tail - 1 <= left). Without stacking,
/// the part's own diagonal is d - offset - tail, so the band shifts by tail.
std::optional<MaskAttr> Decomposer::localMask(MaskAttr mask,
                                              const Placement &place,
                                              bool stacked) {
  int64_t left = mask.getLeft(), right = mask.getRight();
  int64_t sinks = left < 0 ? 0 : mask.getSinks();
  std::optional<int64_t> tail = place.tail.size, length = place.length.size,
                         offset = place.offset.size, lq = qLen.size;
  bool rightOpen = right < 0 || (lq && *lq <= 1) ||
                   (tail && lq && *tail + right >= *lq - 1);
  bool leftOpen = left < 0 || (offset && length && *offset + *length <= sinks) ||
                  (length && tail && *length + *tail - 1 <= left);
  if (rightOpen && leftOpen)
    return MaskAttr::getNone(op.getContext());
  if (stacked || !tail || (left >= 0 && left < *tail) || (sinks > 0 && !offset))
    return std::nullopt;
  int64_t localSinks = sinks > 0 ? std::max<int64_t>(0, sinks - *offset) : 0;
  return MaskAttr::get(op.getContext(), left < 0 ? -1 : left - *tail,
                       right < 0 ? -1 : right + *tail, localSinks);
}

/// mask_mod(b, h, r, j): the op's mask for head h, evaluated at the query's
/// position in its own row (r mod Lq when rows are stacked) and the key's
/// position in the concatenation (offset + j).
void Decomposer::buildMaskMod(Region &region, ArrayRef<MaskAttr> masks,
                              const Placement &place, bool stacked) {
  OpBuilder::InsertionGuard guard(b);
  Type index = b.getIndexType();
  Block *block = b.createBlock(&region, {}, {index, index, index, index},
                               {loc, loc, loc, loc});
  Value head = block->getArgument(1), row = block->getArgument(2),
        key = block->getArgument(3);
  Value query = stacked ? arith::RemUIOp::create(b, loc, row, qLen.value)
                        : row;
  Value diag = arith::SubIOp::create(
      b, loc, arith::AddIOp::create(b, loc, query, kvLen.value), qLen.value);
  Value position = arith::AddIOp::create(b, loc, key, place.offset.value);
  // One parameter per head: a select chain when heads differ.
  auto perHead = [&](llvm::function_ref<int64_t(MaskAttr)> get) -> Value {
    Value v = cIdx(get(masks.front()));
    for (auto [h, mask] : llvm::enumerate(masks))
      if (get(mask) != get(masks.front()))
        v = arith::SelectOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, head,
                                  cIdx(h)),
            cIdx(get(mask)), v);
    return v;
  };
  // An unbounded side, as a band wider than any sequence.
  constexpr int64_t kUnbounded = int64_t(1) << 40;
  Value left = perHead([](MaskAttr m) {
    return m.getLeft() < 0 ? kUnbounded : m.getLeft();
  });
  Value right = perHead([](MaskAttr m) {
    return m.getRight() < 0 ? kUnbounded : m.getRight();
  });
  Value sinks = perHead([](MaskAttr m) {
    return m.getLeft() < 0 ? int64_t(0) : m.getSinks();
  });
  using P = arith::CmpIPredicate;
  Value afterLeft = arith::CmpIOp::create(
      b, loc, P::sge, position, arith::SubIOp::create(b, loc, diag, left));
  Value sink = arith::CmpIOp::create(b, loc, P::slt, position, sinks);
  Value beforeRight = arith::CmpIOp::create(
      b, loc, P::sle, position, arith::AddIOp::create(b, loc, diag, right));
  Value visible = arith::AndIOp::create(
      b, loc, arith::OrIOp::create(b, loc, afterLeft, sink), beforeRight);
  YieldOp::create(b, loc, ValueRange{visible});
}

/// score_mod(s, b, h, i, j) = s - log(Lk): the sigmoid bias of the whole
/// problem when Lk is only known at run time.
void Decomposer::buildSigmoidBias(Region &region) {
  OpBuilder::InsertionGuard guard(b);
  Type index = b.getIndexType();
  Block *block =
      b.createBlock(&region, {}, {b.getF32Type(), index, index, index, index},
                    {loc, loc, loc, loc, loc});
  Value s = arith::AddFOp::create(b, loc, block->getArgument(0), sigmoidBias);
  YieldOp::create(b, loc, ValueRange{s});
}

/// One attention over one segment: f32 output (and LSE for softmax), the
/// op's scores and head configuration, the segment's view of the mask.
Part Decomposer::attend(Value query, Value key, Value value,
                        const Placement &place, bool stacked,
                        Value kvLengths) {
  auto queryType = cast<RankedTensorType>(query.getType());
  auto valueType = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> outShape(queryType.getShape());
  outShape.back() = valueType.getDimSize(3);
  Type f32 = b.getF32Type();
  bool softmax = op.getNormalization() == Normalization::Softmax;
  SmallVector<Type> types = {RankedTensorType::get(outShape, f32)};
  if (softmax)
    types.push_back(RankedTensorType::get(
        ArrayRef<int64_t>(outShape).drop_back(), f32));

  SmallVector<MaskAttr> masks = queryHeadMasks();
  SmallVector<MaskAttr> local;
  bool needsRegion = false;
  for (MaskAttr mask : masks) {
    std::optional<MaskAttr> m = localMask(mask, place, stacked);
    needsRegion |= !m;
    local.push_back(m ? *m : mask);
  }
  MaskAttr mask;
  ArrayAttr headMasks;
  if (!needsRegion) {
    if (llvm::all_equal(local)) {
      if (!local.front().isNone())
        mask = local.front();
    } else {
      headMasks = b.getArrayAttr(SmallVector<Attribute>(local.begin(), local.end()));
    }
  }
  FloatAttr bias = op.getSigmoidBiasAttr();
  if (!softmax && !bias)
    bias = b.getF32FloatAttr(kvLen.size ? -std::log(double(*kvLen.size)) : 0.0);

  auto attention = AttentionOp::create(
      b, loc, types, query, key, value, /*alibi_slopes=*/Value(),
      /*bias=*/Value(), /*temperature=*/Value(), kvLengths,
      /*kv_num_blocks=*/Value(),
      /*kv_indices=*/Value(), /*full_kv_num_blocks=*/Value(),
      /*full_kv_indices=*/Value(), /*block_size=*/nullptr, op.getScaleAttr(),
      op.getNormalizationAttr(), bias, mask, headMasks, op.getHeadMapAttr(),
      op.getSoftcapAttr());
  if (needsRegion)
    buildMaskMod(attention.getMaskMod(), masks, place, stacked);
  if (sigmoidBias)
    buildSigmoidBias(attention.getScoreMod());
  return {attention.getOutput(), attention.getLse()};
}

/// [R, H, L, X] -> [1, H, R * L, X]: the queries of R rows one after another
/// along each head's query axis.
Value Decomposer::stackRows(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> swapped = {sizes[1], sizes[0], sizes[2], sizes[3]};
  Value init = tensor::EmptyOp::create(b, loc, swapped, type.getElementType());
  Value transposed =
      linalg::TransposeOp::create(b, loc, x, init, {1, 0, 2, 3}).getResult()[0];
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, transposed, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
  auto collapsed = cast<RankedTensorType>(rows.getType());
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, collapsed.getShape());
  SmallVector<OpFoldResult> outputShape = {b.getIndexAttr(1)};
  llvm::append_range(outputShape, tensor::getMixedSizes(b, loc, rows));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), rows,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}}, outputShape);
}

/// [1, H, R * L(, X)] -> [R, H, L(, X)]: the inverse of stackRows for the
/// output (rank 4) and the LSE (rank 3).
Value Decomposer::unstackRows(Value x, OpFoldResult rows) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  OpFoldResult query = tensor::getMixedSize(b, loc, op.getQuery(), 2);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> unstacked = {rows, sizes[1], query};
  if (rank == 4)
    unstacked.push_back(sizes[3]);
  Value init = tensor::EmptyOp::create(b, loc, unstacked, type.getElementType());
  SmallVector<int64_t> perm = {1, 0, 2};
  if (rank == 4)
    perm.push_back(3);

  if (getConstantIntValue(rows) || qLen.size) {
    // Split the stacked axis, then swap rows and heads back.
    SmallVector<ReassociationIndices> collapse = {{0, 1}, {2}};
    SmallVector<ReassociationIndices> expand = {{0}, {1, 2}};
    if (rank == 4) {
      collapse.push_back({3});
      expand.push_back({3});
    }
    Value heads = tensor::CollapseShapeOp::create(b, loc, x, collapse);
    SmallVector<OpFoldResult> split = {sizes[1], rows, query};
    SmallVector<int64_t> shape = {type.getDimSize(1), ShapedType::kDynamic,
                                  qLen.size ? *qLen.size : ShapedType::kDynamic};
    if (auto r = getConstantIntValue(rows))
      shape[1] = *r;
    if (rank == 4) {
      split.push_back(sizes[3]);
      shape.push_back(type.getDimSize(3));
    }
    Value grouped = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), heads,
        expand, split);
    return linalg::TransposeOp::create(b, loc, grouped, init, perm)
        .getResult()[0];
  }

  // Rows and Lq both dynamic: splitting one axis into two dynamic ones is
  // not something every memref lowering takes (expand-strided-metadata in
  // LLVM 22 crashes on it), so gather instead: out[r, h, i(, d)] =
  // x[0, h, r * Lq + i(, d)].
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto gather = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, ValueRange{init},
      ArrayRef<AffineMap>{identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> at = {arith::ConstantIndexOp::create(nb, nloc, 0),
                                 linalg::IndexOp::create(nb, nloc, 1)};
        Value row = linalg::IndexOp::create(nb, nloc, 0);
        Value i = linalg::IndexOp::create(nb, nloc, 2);
        at.push_back(arith::AddIOp::create(
            nb, nloc, arith::MulIOp::create(nb, nloc, row, qLen.value), i));
        if (rank == 4)
          at.push_back(linalg::IndexOp::create(nb, nloc, 3));
        Value v = tensor::ExtractOp::create(nb, nloc, x, at);
        linalg::YieldOp::create(nb, nloc, v);
      });
  return gather.getResult(0);
}

/// x[rows] along the leading axis: one slice per run of consecutive rows.
Value Decomposer::gatherRows(Value x, ArrayRef<int64_t> rows) {
  SmallVector<Value> runs;
  for (size_t start = 0; start < rows.size();) {
    size_t end = start + 1;
    while (end < rows.size() && rows[end] == rows[end - 1] + 1)
      ++end;
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[0] = b.getIndexAttr(rows[start]);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    sizes[0] = b.getIndexAttr(end - start);
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    runs.push_back(
        tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides));
    start = end;
  }
  if (runs.size() == 1)
    return runs.front();
  return tensor::ConcatOp::create(b, loc, /*dim=*/0, runs);
}

/// A segment read by several rows per instance: each instance attended once
/// by the stacked queries of its rows, the results put back in row order.
Part Decomposer::sharedPart(unsigned s, const Placement &place) {
  Value query = op.getQuery();
  Value keys = op.getKeys()[s], values = op.getValues()[s];
  auto segment = cast<SegmentAttr>(op.getSegments()[s]);
  if (segment.getKind() == SegmentKind::Shared) {
    Part part = attend(stackRows(query), keys, values, place, /*stacked=*/true);
    OpFoldResult batch = tensor::getMixedSize(b, loc, query, 0);
    return {unstackRows(part.output, batch),
            part.lse ? unstackRows(part.lse, batch) : Value()};
  }

  // rows [..]: static batch; group the rows by instance, attend, and take
  // each batch row's result from its instance's.
  ArrayRef<int64_t> map = segment.getRows();
  int64_t batch = map.size();
  int64_t instances = cast<RankedTensorType>(keys.getType()).getDimSize(0);
  SmallVector<Value> rowOutputs(batch), rowLses(batch);
  for (int64_t n = 0; n < instances; ++n) {
    SmallVector<int64_t> rows;
    for (int64_t r = 0; r < batch; ++r)
      if (map[r] == n)
        rows.push_back(r);
    if (rows.empty())
      continue;
    Part part = attend(stackRows(gatherRows(query, rows)),
                       gatherRows(keys, {n}), gatherRows(values, {n}), place,
                       /*stacked=*/true);
    OpFoldResult count = b.getIndexAttr(rows.size());
    Value o = unstackRows(part.output, count);
    Value l = part.lse ? unstackRows(part.lse, count) : Value();
    for (auto [k, row] : llvm::enumerate(rows)) {
      int64_t at = k;
      rowOutputs[row] = rows.size() == 1 ? o : gatherRows(o, {at});
      if (l)
        rowLses[row] = rows.size() == 1 ? l : gatherRows(l, {at});
    }
  }
  auto concat = [&](ArrayRef<Value> parts) -> Value {
    if (parts.size() == 1)
      return parts.front();
    return tensor::ConcatOp::create(b, loc, /*dim=*/0, parts);
  };
  return {concat(rowOutputs),
          rowLses.front() ? concat(rowLses) : Value()};
}

LogicalResult Decomposer::checkRaggedSuffix() {
  if (!op.getSuffixLengths())
    return success();
  if (op.getNormalization() == Normalization::Sigmoid &&
      !op.getSigmoidBiasAttr())
    return failure(); // the default bias, -log(Lk), differs per row
  auto staticLength = [](Value v) -> std::optional<int64_t> {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.isDynamicDim(2))
      return std::nullopt;
    return type.getDimSize(2);
  };
  auto qType = op.getQuery().getType();
  qLen.size = qType.isDynamicDim(2) ? std::nullopt
                                    : std::optional<int64_t>(qType.getDimSize(2));
  std::optional<int64_t> offset = 0;
  size_t numSegments = op.getSegments().size();
  for (size_t s = 0; s + 1 < numSegments; ++s) {
    std::optional<int64_t> length = staticLength(op.getKeys()[s]);
    // The tail holds the ragged suffix: its length is only known per row.
    Placement place{{Value(), offset}, {Value(), length}, {Value(), std::nullopt}};
    bool stacked = cast<SegmentAttr>(op.getSegments()[s]).getKind() !=
                   SegmentKind::PerRow;
    for (MaskAttr mask : queryHeadMasks()) {
      std::optional<MaskAttr> local = localMask(mask, place, stacked);
      if (!local || !local->isNone())
        return failure();
    }
    if (offset && length)
      *offset += *length;
    else
      offset.reset();
  }
  return success();
}

LogicalResult Decomposer::run() {
  if (failed(checkRaggedSuffix()))
    return failure();
  size_t numSegments = op.getSegments().size();
  qLen = dimOf(op.getQuery(), 2);
  SmallVector<Extent> lengths;
  for (Value key : op.getKeys())
    lengths.push_back(dimOf(key, 2));
  kvLen = {cIdx(0), int64_t(0)};
  for (const Extent &length : lengths)
    kvLen = add(kvLen, length);
  if (op.getNormalization() == Normalization::Sigmoid &&
      !op.getSigmoidBiasAttr() && !kvLen.size) {
    Value lk = arith::IndexCastOp::create(b, loc, b.getI64Type(), kvLen.value);
    Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), lk);
    sigmoidBias = arith::NegFOp::create(b, loc, math::LogOp::create(b, loc, f));
  }

  SmallVector<Value> outputs, lses;
  Extent offset = {cIdx(0), int64_t(0)};
  for (size_t s = 0; s < numSegments; ++s) {
    Extent tail = {cIdx(0), int64_t(0)};
    for (size_t t = s + 1; t < numSegments; ++t)
      tail = add(tail, lengths[t]);
    Placement place{offset, lengths[s], tail};
    // A segment known to be empty adds nothing (unless nothing else is left).
    bool onlyOneLeft = outputs.empty() && s + 1 == numSegments;
    if (lengths[s].size == 0 && !onlyOneLeft)
      continue;
    Part part;
    if (cast<SegmentAttr>(op.getSegments()[s]).getKind() == SegmentKind::PerRow)
      part = attend(op.getQuery(), op.getKeys()[s], op.getValues()[s], place,
                    /*stacked=*/false,
                    s + 1 == numSegments ? op.getSuffixLengths() : Value());
    else
      part = sharedPart(s, place);
    outputs.push_back(part.output);
    if (part.lse)
      lses.push_back(part.lse);
    offset = add(offset, lengths[s]);
  }
  auto merge = MergeOp::create(b, loc, op.getResultTypes(), outputs, lses,
                               op.getNormalizationAttr());
  b.replaceOp(op, merge.getResults());
  return success();
}

struct DecomposeSharedPrefixPattern
    : public OpRewritePattern<PrefixAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PrefixAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(Decomposer(op, rewriter).run()))
      return rewriter.notifyMatchFailure(
          op, "a ragged suffix moves the mask of an earlier segment per row");
    return success();
  }
};

struct DecomposeSharedPrefixPass
    : public attn::impl::DecomposeSharedPrefixBase<DecomposeSharedPrefixPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeSharedPrefixPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateDecomposeSharedPrefixPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeSharedPrefixPattern>(patterns.getContext());
}

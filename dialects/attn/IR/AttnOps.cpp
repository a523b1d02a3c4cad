//===- AttnOps.cpp - attn dialect operations ------------------------------===//
//
// Verifiers and folders of the attn operations. Every diagnostic here has a
// test in test/Dialect/Attn/invalid.mlir.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::attn;

#define GET_OP_CLASSES
#include "attn/IR/AttnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

/// Two extents agree unless both are static and differ.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// An extent that may broadcast: 1, or compatible with the full extent.
static bool broadcastable(int64_t dim, int64_t full) {
  return dim == 1 || compatible(dim, full);
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::interleave(
      shape, [&](int64_t d) { s += dimStr(d); }, [&] { s += ", "; });
  return s + "]";
}

/// Checks that `type` has `expected` as shape, where each expected extent is
/// matched with `compatible`.
static LogicalResult verifyShape(Operation *op, StringRef what,
                                 RankedTensorType type,
                                 ArrayRef<int64_t> expected,
                                 StringRef layout) {
  if (type.getRank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError() << "expects " << what << " of rank "
                             << expected.size() << " " << layout
                             << ", got rank " << type.getRank();
  for (auto [actual, want] : llvm::zip(type.getShape(), expected))
    if (!compatible(actual, want))
      return op->emitOpError()
             << "expects " << what << " of shape " << shapeStr(expected) << " "
             << layout << ", got " << shapeStr(type.getShape());
  return success();
}

static LogicalResult verifyRank(Operation *op, StringRef what,
                                RankedTensorType type, int64_t rank,
                                StringRef layout) {
  if (type.getRank() != rank)
    return op->emitOpError() << "expects " << what << " of rank " << rank
                             << " " << layout << ", got rank "
                             << type.getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// Checks shared by attention ops
//===----------------------------------------------------------------------===//

namespace {
/// The problem sizes an attention op implies, read off its operands.
struct AttentionDims {
  int64_t batch, qHeads, qLen, headDim;
  int64_t kvHeads, kvLen, valueDim;
};
} // namespace

/// Verifies the query, the output and the LSE against `dims`, the static
/// head configuration, and the attributes common to attention ops.
template <typename OpTy>
static LogicalResult verifyAttentionCommon(OpTy op, const AttentionDims &dims) {
  Operation *operation = op.getOperation();
  if (ShapedType::isDynamic(dims.qHeads) || ShapedType::isDynamic(dims.kvHeads))
    return op.emitOpError("head counts must be static");
  if (dims.qHeads <= 0 || dims.kvHeads <= 0)
    return op.emitOpError() << "head counts must be positive, got "
                            << dims.qHeads << " query and " << dims.kvHeads
                            << " KV heads";
  if (ShapedType::isDynamic(dims.headDim) ||
      ShapedType::isDynamic(dims.valueDim))
    return op.emitOpError("head dims must be static");

  Type elementType = op.getQuery().getType().getElementType();
  RankedTensorType outputType = op.getOutput().getType();
  // f16/bf16 attention may also return its f32 accumulator (partial results
  // that an attn.merge combines lose no precision on the way).
  Type outputElement = outputType.getElementType();
  if (outputElement != elementType && !outputElement.isF32())
    return op.emitOpError() << "expects the output element type to be the "
                               "query's ("
                            << elementType << ") or f32, got "
                            << outputElement;
  if (failed(verifyShape(operation, "output", outputType,
                         {dims.batch, dims.qHeads, dims.qLen, dims.valueDim},
                         "[B, Hq, Lq, Dv]")))
    return failure();

  bool sigmoid = op.getNormalization() == Normalization::Sigmoid;
  if (Value lse = op.getLse()) {
    if (sigmoid)
      return op.emitOpError(
          "sigmoid attention has no log-sum-exp; drop the lse result");
    if (failed(verifyShape(operation, "lse",
                           cast<RankedTensorType>(lse.getType()),
                           {dims.batch, dims.qHeads, dims.qLen},
                           "[B, Hq, Lq]")))
      return failure();
  }
  if (auto bias = op.getSigmoidBiasAttr()) {
    if (!sigmoid)
      return op.emitOpError("sigmoid_bias requires sigmoid normalization");
    if (!std::isfinite(bias.getValueAsDouble()))
      return op.emitOpError("sigmoid_bias must be finite");
  }

  if (auto scale = op.getScaleAttr())
    if (!std::isfinite(scale.getValueAsDouble()))
      return op.emitOpError("scale must be finite");
  if (auto softcap = op.getSoftcapAttr()) {
    double cap = softcap.getValueAsDouble();
    if (!(cap > 0.0) || !std::isfinite(cap))
      return op.emitOpError() << "softcap must be positive and finite, got "
                              << cap;
  }

  if (auto headMasks = op.getHeadMasksAttr()) {
    if (op.getMaskAttr())
      return op.emitOpError(
          "takes either one mask or per-head head_masks, not both");
    if (static_cast<int64_t>(headMasks.size()) != dims.qHeads)
      return op.emitOpError() << "expects one head mask per query head ("
                              << dims.qHeads << "), got " << headMasks.size();
  }

  if (auto headMap = op.getHeadMapAttr()) {
    if (static_cast<int64_t>(headMap.size()) != dims.qHeads)
      return op.emitOpError() << "expects a head_map entry per query head ("
                              << dims.qHeads << "), got " << headMap.size();
    for (auto [h, kv] : llvm::enumerate(headMap.asArrayRef()))
      if (kv < 0 || kv >= dims.kvHeads)
        return op.emitOpError()
               << "head_map[" << h << "] = " << kv
               << " is out of range for " << dims.kvHeads << " KV heads";
  } else if (dims.qHeads % dims.kvHeads != 0) {
    return op.emitOpError() << "query heads (" << dims.qHeads
                            << ") must be a multiple of KV heads ("
                            << dims.kvHeads << ") without a head_map";
  }
  return success();
}

/// Verifies that query, key and value share one element type.
static LogicalResult verifyElementTypes(Operation *op, Type query,
                                        ValueRange kvs) {
  for (Value kv : kvs)
    if (cast<RankedTensorType>(kv.getType()).getElementType() != query)
      return op->emitOpError()
             << "expects query, keys and values of one element type ("
             << query << "), got "
             << cast<RankedTensorType>(kv.getType()).getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getNumKvHeads() { return getKey().getType().getDimSize(1); }

int64_t AttentionOp::getValueHeadDim() {
  return getValue().getType().getDimSize(3);
}

/// Verifies an optional broadcastable operand of shape
/// [B|1, Hq|1, trailing...].
static LogicalResult verifyBroadcastOperand(Operation *op, StringRef what,
                                            Value value, int64_t batch,
                                            int64_t heads,
                                            ArrayRef<int64_t> trailing,
                                            StringRef layout) {
  if (!value)
    return success();
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = 2 + trailing.size();
  if (failed(verifyRank(op, what, type, rank, layout)))
    return failure();
  SmallVector<int64_t> expected = {batch, heads};
  llvm::append_range(expected, trailing);
  bool ok = broadcastable(type.getDimSize(0), batch) &&
            broadcastable(type.getDimSize(1), heads);
  for (int64_t d = 2; d < rank; ++d)
    ok &= compatible(type.getDimSize(d), expected[d]);
  if (!ok)
    return op->emitOpError()
           << "expects " << what << " of shape " << shapeStr(expected) << " "
           << layout << " (batch and head extents may be 1), got "
           << shapeStr(type.getShape());
  return success();
}

/// Verifies the FlexAttention-style block mask operands and block_size.
static LogicalResult verifyBlockMask(AttentionOp op, const AttentionDims &dims) {
  Operation *operation = op.getOperation();
  bool partial = op.getKvNumBlocks() || op.getKvIndices();
  bool full = op.getFullKvNumBlocks() || op.getFullKvIndices();
  if (static_cast<bool>(op.getKvNumBlocks()) !=
          static_cast<bool>(op.getKvIndices()) ||
      static_cast<bool>(op.getFullKvNumBlocks()) !=
          static_cast<bool>(op.getFullKvIndices()))
    return op.emitOpError(
        "expects block counts and block indices to come in pairs");
  if (full && !partial)
    return op.emitOpError(
        "full blocks need the partial block lists too (they may be empty)");
  auto blockSize = op.getBlockSizeAttr();
  if (!partial) {
    if (blockSize)
      return op.emitOpError("block_size given without a block mask");
    return success();
  }
  if (!blockSize || blockSize.size() != 2 || blockSize[0] <= 0 ||
      blockSize[1] <= 0)
    return op.emitOpError(
        "a block mask needs block_size = [q_block, kv_block], both positive");

  int64_t numQBlocks = ShapedType::kDynamic;
  if (!ShapedType::isDynamic(dims.qLen))
    numQBlocks = llvm::divideCeil(dims.qLen, blockSize[0]);
  auto verifyPair = [&](Value counts, Value indices,
                        StringRef prefix) -> LogicalResult {
    std::string countName = (prefix + "kv_num_blocks").str();
    std::string indexName = (prefix + "kv_indices").str();
    if (failed(verifyBroadcastOperand(operation, countName, counts, dims.batch,
                                      dims.qHeads, {numQBlocks},
                                      "[B, Hq, num_q_blocks]")))
      return failure();
    auto indexType = cast<RankedTensorType>(indices.getType());
    if (failed(verifyRank(operation, indexName, indexType, 4,
                          "[B, Hq, num_q_blocks, max_kv_blocks]")))
      return failure();
    return verifyBroadcastOperand(
        operation, indexName, indices, dims.batch, dims.qHeads,
        {numQBlocks, indexType.getDimSize(3)},
        "[B, Hq, num_q_blocks, max_kv_blocks]");
  };
  if (failed(verifyPair(op.getKvNumBlocks(), op.getKvIndices(), "")))
    return failure();
  if (full)
    return verifyPair(op.getFullKvNumBlocks(), op.getFullKvIndices(), "full_");
  return success();
}

LogicalResult AttentionOp::verify() {
  Operation *op = getOperation();
  RankedTensorType q = getQuery().getType(), k = getKey().getType(),
                   v = getValue().getType();
  if (failed(verifyRank(op, "query", q, 4, "[B, Hq, Lq, D]")) ||
      failed(verifyRank(op, "key", k, 4, "[B, Hkv, Lk, D]")) ||
      failed(verifyRank(op, "value", v, 4, "[B, Hkv, Lk, Dv]")))
    return failure();
  if (failed(verifyElementTypes(op, q.getElementType(), {getKey(), getValue()})))
    return failure();

  AttentionDims dims{q.getDimSize(0), q.getDimSize(1), q.getDimSize(2),
                     q.getDimSize(3), k.getDimSize(1), k.getDimSize(2),
                     v.getDimSize(3)};
  if (failed(verifyShape(op, "key", k,
                         {dims.batch, dims.kvHeads, dims.kvLen, dims.headDim},
                         "[B, Hkv, Lk, D]")) ||
      failed(verifyShape(op, "value", v,
                         {dims.batch, dims.kvHeads, dims.kvLen, dims.valueDim},
                         "[B, Hkv, Lk, Dv]")) ||
      failed(verifyAttentionCommon(*this, dims)))
    return failure();

  if (Value slopes = getAlibiSlopes())
    if (failed(verifyShape(op, "alibi slopes",
                           cast<RankedTensorType>(slopes.getType()),
                           {dims.qHeads}, "[Hq]")))
      return failure();
  if (Value bias = getBias()) {
    Type biasElement = cast<RankedTensorType>(bias.getType()).getElementType();
    if (!biasElement.isF32() && biasElement != q.getElementType())
      return emitOpError() << "expects a bias of f32 or the query's element "
                              "type, got "
                           << biasElement;
  }
  if (failed(verifyBroadcastOperand(op, "bias", getBias(), dims.batch,
                                    dims.qHeads, {dims.qLen, dims.kvLen},
                                    "[B, Hq, Lq, Lk]")) ||
      failed(verifyBroadcastOperand(op, "temperature", getTemperature(),
                                    dims.batch, dims.qHeads, {dims.qLen},
                                    "[B, Hq, Lq]")))
    return failure();
  if (Value lengths = getKvLengths())
    if (failed(verifyShape(op, "kv_lengths",
                           cast<RankedTensorType>(lengths.getType()),
                           {dims.batch}, "[B]")))
      return failure();
  return verifyBlockMask(*this, dims);
}

/// Verifies a score_mod or mask_mod region: its signature, its terminator, and
/// that it is a pure function of its arguments (it is inlined per element).
static LogicalResult verifyModRegion(AttentionOp op, Region &region,
                                     StringRef name, TypeRange argTypes,
                                     Type yieldType, StringRef signature) {
  if (region.empty())
    return success();
  Block &block = region.front();
  if (block.getArgumentTypes() != argTypes)
    return op.emitOpError() << "expects the " << name << " region to take "
                            << signature;
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != 1 ||
      yield.getValues()[0].getType() != yieldType)
    return op.emitOpError() << "expects the " << name
                            << " region to yield one " << yieldType;
  // Scalars from above (a run-time length, a bias) are constants of the
  // region; tensors and buffers would be reads it cannot declare.
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(region, captured);
  for (Value value : captured)
    if (!value.getType().isIntOrIndexOrFloat())
      return op.emitOpError()
             << "expects the " << name
             << " region to capture only scalars from above, got "
             << value.getType();
  WalkResult walk = region.walk([](Operation *inner) {
    return isMemoryEffectFree(inner) ? WalkResult::advance()
                                     : WalkResult::interrupt();
  });
  if (walk.wasInterrupted())
    return op.emitOpError() << "expects the " << name
                            << " region to be free of side effects";
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  Builder b(getContext());
  Type index = b.getIndexType();
  if (failed(verifyModRegion(*this, getScoreMod(), "score_mod",
                             {b.getF32Type(), index, index, index, index},
                             b.getF32Type(),
                             "(f32 score, index batch, index head, index "
                             "q_idx, index kv_idx)")))
    return failure();
  return verifyModRegion(*this, getMaskMod(), "mask_mod",
                         {index, index, index, index}, b.getI1Type(),
                         "(index batch, index head, index q_idx, index kv_idx)");
}

//===----------------------------------------------------------------------===//
// PrefixAttentionOp
//===----------------------------------------------------------------------===//

int64_t PrefixAttentionOp::getNumKvHeads() {
  return cast<RankedTensorType>(getKeys().front().getType()).getDimSize(1);
}

int64_t PrefixAttentionOp::getValueHeadDim() {
  return cast<RankedTensorType>(getValues().front().getType()).getDimSize(3);
}

int64_t PrefixAttentionOp::getInstanceFor(unsigned s, int64_t b) {
  auto segment = cast<SegmentAttr>(getSegments()[s]);
  switch (segment.getKind()) {
  case SegmentKind::Shared:
    return 0;
  case SegmentKind::PerRow:
    return b;
  case SegmentKind::Rows:
    return segment.getRows()[b];
  }
  llvm_unreachable("unknown segment kind");
}

LogicalResult PrefixAttentionOp::verify() {
  Operation *op = getOperation();
  RankedTensorType q = getQuery().getType();
  if (failed(verifyRank(op, "query", q, 4, "[B, Hq, Lq, D]")))
    return failure();
  size_t numSegments = getSegments().size();
  if (numSegments == 0)
    return emitOpError("expects at least one KV segment");
  if (getKeys().size() != numSegments || getValues().size() != numSegments)
    return emitOpError() << "expects one key and one value tensor per segment ("
                         << numSegments << "), got " << getKeys().size()
                         << " keys and " << getValues().size() << " values";
  if (failed(verifyElementTypes(op, q.getElementType(), getKeys())) ||
      failed(verifyElementTypes(op, q.getElementType(), getValues())))
    return failure();
  for (Value kv : llvm::concat<Value>(getKeys(), getValues()))
    if (failed(verifyRank(op, "segment keys and values",
                          cast<RankedTensorType>(kv.getType()), 4,
                          "[N, Hkv, L, D]")))
      return failure();

  auto firstKey = cast<RankedTensorType>(getKeys().front().getType());
  auto firstValue = cast<RankedTensorType>(getValues().front().getType());
  AttentionDims dims{q.getDimSize(0),        q.getDimSize(1),
                     q.getDimSize(2),        q.getDimSize(3),
                     firstKey.getDimSize(1), ShapedType::kDynamic,
                     firstValue.getDimSize(3)};
  int64_t batch = dims.batch;
  for (auto [s, key, value, attr] :
       llvm::enumerate(getKeys(), getValues(), getSegments())) {
    auto keyType = cast<RankedTensorType>(key.getType());
    auto segment = cast<SegmentAttr>(attr);
    int64_t instances = keyType.getDimSize(0);
    int64_t length = keyType.getDimSize(2);
    std::string keyName = "segment " + std::to_string(s) + " key";
    std::string valueName = "segment " + std::to_string(s) + " value";
    if (failed(verifyShape(op, keyName, keyType,
                           {instances, dims.kvHeads, length, dims.headDim},
                           "[N, Hkv, L, D]")) ||
        failed(verifyShape(op, valueName,
                           cast<RankedTensorType>(value.getType()),
                           {instances, dims.kvHeads, length, dims.valueDim},
                           "[N, Hkv, L, Dv]")))
      return failure();
    switch (segment.getKind()) {
    case SegmentKind::Shared:
      if (!compatible(instances, 1))
        return emitOpError() << "shared segment " << s
                             << " must hold one instance, got " << instances;
      break;
    case SegmentKind::PerRow:
      if (!compatible(instances, batch))
        return emitOpError() << "per_row segment " << s
                             << " must hold one instance per batch row ("
                             << dimStr(batch) << "), got " << instances;
      break;
    case SegmentKind::Rows: {
      if (ShapedType::isDynamic(batch))
        return emitOpError() << "segment " << s
                             << " maps rows explicitly and needs a static batch";
      if (static_cast<int64_t>(segment.getRows().size()) != batch)
        return emitOpError() << "segment " << s << " maps "
                             << segment.getRows().size()
                             << " rows, but the batch has " << batch;
      if (ShapedType::isDynamic(instances))
        return emitOpError() << "segment " << s
                             << " maps rows explicitly and needs a static "
                                "instance count";
      for (int64_t row : segment.getRows())
        if (row >= instances)
          return emitOpError() << "segment " << s << " maps a row to instance "
                               << row << ", but it holds " << instances;
      break;
    }
    }
  }
  if (Value lengths = getSuffixLengths()) {
    if (failed(verifyShape(op, "suffix_lengths",
                           cast<RankedTensorType>(lengths.getType()), {batch},
                           "[B]")))
      return failure();
    if (cast<SegmentAttr>(getSegments()[numSegments - 1]).getKind() !=
        SegmentKind::PerRow)
      return emitOpError("suffix_lengths make the last segment ragged; it "
                         "must be per_row");
  }
  return verifyAttentionCommon(*this, dims);
}

//===----------------------------------------------------------------------===//
// MergeOp
//===----------------------------------------------------------------------===//

LogicalResult MergeOp::verify() {
  if (getOutputs().empty())
    return emitOpError("expects at least one partial result");
  auto firstType = cast<RankedTensorType>(getOutputs().front().getType());
  Type resultElement = getOutput().getType().getElementType();
  int64_t rank = firstType.getRank();
  if (rank < 1)
    return emitOpError("expects partial results of rank >= 1");
  ArrayRef<int64_t> shape = firstType.getShape();
  SmallVector<Value> all(getOutputs());
  all.push_back(getOutput());
  for (Value part : all) {
    auto type = cast<RankedTensorType>(part.getType());
    // Parts come in the result's element type or as f32 accumulators.
    if (type.getElementType() != resultElement &&
        !type.getElementType().isF32())
      return emitOpError() << "expects parts of the result's element type ("
                           << resultElement << ") or f32, got "
                           << type.getElementType();
    if (failed(verifyShape(getOperation(), "every result", type, shape,
                           "(the first part's)")))
      return failure();
  }
  ArrayRef<int64_t> rowShape = shape.drop_back();
  if (getNormalization() == Normalization::Sigmoid) {
    if (!getLses().empty() || getLse())
      return emitOpError(
          "sigmoid parts merge by plain sum and take no log-sum-exp");
    return success();
  }
  if (getLses().size() != getOutputs().size())
    return emitOpError() << "softmax merge expects one log-sum-exp per part ("
                         << getOutputs().size() << "), got "
                         << getLses().size();
  SmallVector<Value> lses(getLses());
  if (Value lse = getLse())
    lses.push_back(lse);
  for (Value lse : lses)
    if (failed(verifyShape(getOperation(), "log-sum-exp",
                           cast<RankedTensorType>(lse.getType()), rowShape,
                           "(the parts' shape without the last dim)")))
      return failure();
  return success();
}

LogicalResult MergeOp::fold(FoldAdaptor, SmallVectorImpl<OpFoldResult> &results) {
  // Merging a single part is the identity.
  if (getOutputs().size() != 1 ||
      getOutputs().front().getType() != getOutput().getType())
    return failure();
  if (getLse() && getLses().front().getType() != getLse().getType())
    return failure();
  results.push_back(getOutputs().front());
  if (getLse())
    results.push_back(getLses().front());
  return success();
}

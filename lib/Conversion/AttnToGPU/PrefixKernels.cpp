//===- PrefixKernels.cpp - Hydragen on the GPU: one kernel per segment ----===//
//
// attn.prefix_attention as one attention kernel per KV segment and the exact
// merge: segment s is the FlashAttention-2 kernel over (Q, keys[s],
// values[s]) whose blocks read the segment's instance for their batch row
// (their own row of a per_row segment, a table entry of a `rows` one), visit
// all of its key tiles and write their slot of the split-KV workspace; the
// split-KV merge kernel then combines the slots (LSE weights). The softmax
// over the concatenated keys equals that merge, so the result is exact, as
// on the CPU (attn-decompose-shared-prefix). A shared segment (not the last)
// is Hydragen's: the rows of every batch row stack into the tiles' rows, so
// the prefix is read once for all of them (a matrix-matrix product where
// decode had B matrix-vector ones), and its key tiles split into chunks the
// launcher picks to fill the GPU, one slot each.
//
// Masks: a segment the mask shows whole to every query (no mask; decode
// under a mask without a left bound) gets none, the last segment the op's
// own (bottom-right aligned over its keys, which is where it sits in the
// concatenation), and any other segment the mask evaluated at its keys'
// positions in the concatenation, per element on every tile. Ragged suffix
// lengths are the last segment's kv_lengths. Per-head masks position every
// segment; under sigmoid every segment takes the concatenation's length (its
// default bias -log Lk is the concatenation's; the merge sums the parts).
// Under ragged suffixes a row's concatenation ends with its suffix: the
// positioned segments read the suffix lengths for the mask's (and the
// sigmoid bias's) Lk, as attn-decompose-shared-prefix's kv_lengths do on
// the CPU.
//
//===----------------------------------------------------------------------===//

#include "GPUKernel.h"

#include "attn/IR/AttnOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// Whether segment `s`'s mask must be evaluated at its keys' positions in
/// the concatenation: an earlier segment that the mask does not show whole
/// to every query, the last one under sink tokens (which are the
/// concatenation's first keys), any segment under per-head masks. Decode
/// under a mask without a left bound sees every earlier key.
static bool masksPart(attn::PrefixAttentionOp op, int64_t s) {
  if (op.getHeadMasksAttr())
    return true;
  attn::MaskAttr mask = op.getMaskAttr();
  if (!mask || mask.isNone())
    return false;
  int64_t last = op.getSegments().size() - 1;
  if (s == last)
    return s > 0 && mask.getSinks() > 0;
  bool decode = op.getQuery().getType().getDimSize(2) == 1;
  return !(decode && mask.getLeft() < 0);
}

/// Whether segment `s` takes its key offset and the concatenation's length:
/// when its mask must be positioned (masksPart), and under sigmoid, whose
/// default bias -log(Lk) is the concatenation's.
static bool isPositioned(attn::PrefixAttentionOp op, int64_t s) {
  return masksPart(op, s) ||
         op.getNormalization() == attn::Normalization::Sigmoid;
}

/// Writes `value` into the argument `like` is written into (a temporary
/// copy of the op's result plumbing for a segment's attention).
static void writeLike(OpBuilder &b, Value value, Value like) {
  for (Operation *user : like.getUsers())
    if (auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(user))
      bufferization::MaterializeInDestinationOp::create(b, store.getLoc(),
                                                        value, store.getDest())
          .setWritable(true);
}

LogicalResult attune::buildPrefixAttentionKernels(func::FuncOp func,
                                                  gpu::GPUModuleOp kernels,
                                                  const GPUTiling &tiling) {
  SmallVector<attn::PrefixAttentionOp> ops;
  func.walk([&](attn::PrefixAttentionOp op) { ops.push_back(op); });
  bool attention = false;
  func.walk([&](attn::AttentionOp) { attention = true; });
  if (ops.size() != 1 || attention)
    return func.emitError("convert-attn-to-gpu: @")
           << func.getSymName()
           << " must hold exactly one attn.attention or attn.prefix_attention";
  attn::PrefixAttentionOp op = ops.front();

  // One attn.attention per segment, for the kernel builder to read, written
  // where the op's results go; removed once the kernels are built.
  int64_t numSegments = op.getSegments().size();
  // The first shared segment before the last one: its rows stacked into the
  // tiles (the prefix read once for all rows) and split into key chunks at
  // run time; its slots follow the other segments' one slot each. Not
  // under ragged suffixes when positioned (sigmoid, per-head masks): its
  // rows' concatenation lengths would differ inside a tile.
  std::optional<int64_t> stacked;
  for (int64_t s = 0; s + 1 < numSegments && !stacked; ++s)
    if (cast<attn::SegmentAttr>(op.getSegments()[s]).getKind() ==
            attn::SegmentKind::Shared &&
        !masksPart(op, s) && !(op.getSuffixLengths() && isPositioned(op, s)))
      stacked = s;
  OpBuilder b(op);
  SmallVector<Operation *> scaffolding;
  LogicalResult result = success();
  for (int64_t s = 0; s < numSegments && succeeded(result); ++s) {
    bool last = s + 1 == numSegments, masked = last || masksPart(op, s);
    auto segment = cast<attn::SegmentAttr>(op.getSegments()[s]);
    SmallVector<Type> types(op->getResultTypes());
    auto part = attn::AttentionOp::create(
        b, op.getLoc(), types, op.getQuery(), op.getKeys()[s],
        op.getValues()[s], /*alibi_slopes=*/Value(), /*bias=*/Value(),
        /*temperature=*/Value(), last ? op.getSuffixLengths() : Value(),
        /*kv_num_blocks=*/Value(), /*kv_indices=*/Value(),
        /*full_kv_num_blocks=*/Value(), /*full_kv_indices=*/Value(),
        /*block_size=*/nullptr, op.getScaleAttr(), op.getNormalizationAttr(),
        op.getSigmoidBiasAttr(),
        masked ? op.getMaskAttr() : nullptr,
        masked ? op.getHeadMasksAttr() : nullptr, op.getHeadMapAttr(),
        op.getSoftcapAttr());
    scaffolding.push_back(part);
    for (auto [mine, theirs] : llvm::zip(part->getResults(), op->getResults()))
      writeLike(b, mine, theirs);
    for (Value mine : part->getResults())
      for (Operation *user : mine.getUsers())
        scaffolding.push_back(user);

    KernelOptions options;
    options.name = s == 0 ? func.getSymName().str()
                          : (func.getSymName() + "_segment" + Twine(s)).str();
    options.mergeName = (func.getSymName() + "_merge").str();
    options.withMerge = last;
    options.slot = stacked && s > *stacked ? s - 1 : s;
    options.sharedKv = segment.getKind() == attn::SegmentKind::Shared;
    options.positionedKeys = isPositioned(op, s);
    // Ragged suffixes: each row's concatenation has its own length.
    if (options.positionedKeys)
      options.suffixLengths = op.getSuffixLengths();
    if (stacked == s) {
      options.slot = numSegments - 1;
      options.stackRows = true;
    }
    if (segment.getKind() == attn::SegmentKind::Rows)
      options.kvBatchRows.assign(segment.getRows().begin(),
                                 segment.getRows().end());
    result = buildKernelFor(func, part, kernels, tiling, options);
  }
  for (Operation *scaffold : llvm::reverse(scaffolding))
    scaffold->erase();
  if (failed(result))
    return failure();

  // The first segment's kernel names the others, in order, for the launcher.
  SmallVector<Attribute> names;
  for (int64_t s = 1; s < numSegments; ++s)
    names.push_back(StringAttr::get(func.getContext(),
                                    func.getSymName() + "_segment" + Twine(s)));
  auto first = kernels.lookupSymbol<gpu::GPUFuncOp>(func.getSymName());
  first->setAttr(GPUKernelAttrs::segmentKernels,
                 ArrayAttr::get(func.getContext(), names));
  return success();
}

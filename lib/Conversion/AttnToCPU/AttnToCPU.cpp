//===- AttnToCPU.cpp - fused CPU lowering of attn.attention ---------------===//
//
// The rewrite pattern: attn.attention on tensors becomes the fused loop nest
// of FusedEmitter on buffers (bufferization.to_buffer of the operands, a
// fresh buffer for each result, bufferization.to_tensor of it). Short
// problems (at most one vector of rows per KV group: decode) and long ones
// get a loop nest each, chosen at run time.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/AttnToCPU/AttnToCPU.h"

#include "FusedEmitter.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

namespace {

/// Reads `tensor` as a buffer of the same shape (identity layout).
Value asBuffer(OpBuilder &b, Location loc, Value tensor) {
  if (!tensor)
    return Value();
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

/// A fresh buffer shaped like `type`, with the dynamic sizes of `like`.
Value allocLike(OpBuilder &b, Location loc, RankedTensorType type,
                Value likeBuffer) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      dynamic.push_back(memref::DimOp::create(b, loc, likeBuffer, i));
  return memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic,
      b.getI64IntegerAttr(64));
}

} // namespace

/// The tiling an op gets: the requested one, adapted to its block lists
/// (key tiles inside key blocks, query tiles inside query blocks; no decode
/// kernel, whose rows may span query blocks).
static std::optional<FusedCPUTiling>
tilingFor(attn::AttentionOp op, const TileSemantics &sem,
          FusedCPUTiling tiling, std::string &why) {
  ArrayRef<int64_t> blocks = sem.blockSizes();
  if (blocks.empty())
    return tiling;
  int64_t qbs = blocks[0], kbs = blocks[1], group = sem.groupSize();
  if (kbs <= tiling.kvTile)
    tiling.kvTile = kbs;
  if (kbs % tiling.kvTile != 0 || tiling.kvTile % tiling.rowBlock != 0 ||
      tiling.kvTile % 2 != 0) {
    why = "key block size " + std::to_string(kbs) +
          " (needs a multiple of the key tile, or an even multiple of "
          "row-block below it)";
    return std::nullopt;
  }
  auto fits = [&](int64_t rows) {
    return rows % group == 0 && qbs % (rows / group) == 0;
  };
  if (!fits(tiling.lanes)) {
    why = "query block size " + std::to_string(qbs) + " (needs a multiple of " +
          std::to_string(tiling.lanes / std::max<int64_t>(group, 1)) + ")";
    return std::nullopt;
  }
  if (!fits(tiling.lanes * tiling.queryVectors))
    tiling.queryVectors = 1;
  tiling.decodeRows = 0;
  return tiling;
}

bool mlir::attune::canFuseOnCPU(attn::AttentionOp op,
                                const FusedCPUTiling &tiling,
                                std::string &why) {
  std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
  return sem && tilingFor(op, *sem, tiling, why);
}

namespace {

struct LowerAttentionToCPU : public OpRewritePattern<attn::AttentionOp> {
  LowerAttentionToCPU(MLIRContext *context, const FusedCPUTiling &tiling)
      : OpRewritePattern(context), tiling(tiling) {}

  LogicalResult matchAndRewrite(attn::AttentionOp op,
                                PatternRewriter &rewriter) const override {
    std::string why;
    std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
    if (!sem)
      return rewriter.notifyMatchFailure(op, "fused CPU path lacks " + why);
    std::optional<FusedCPUTiling> opTiling = tilingFor(op, *sem, tiling, why);
    if (!opTiling)
      return rewriter.notifyMatchFailure(op, "fused CPU path lacks " + why);
    Location loc = op.getLoc();
    const FusedCPUTiling &tiling = *opTiling;
    FusedEmitter emit(rewriter, loc, op, *sem, tiling);
    emit.blockLists.counts = asBuffer(rewriter, loc, op.getKvNumBlocks());
    emit.blockLists.indices = asBuffer(rewriter, loc, op.getKvIndices());
    emit.blockLists.fullCounts =
        asBuffer(rewriter, loc, op.getFullKvNumBlocks());
    emit.blockLists.fullIndices =
        asBuffer(rewriter, loc, op.getFullKvIndices());
    emit.q = asBuffer(rewriter, loc, op.getQuery());
    emit.k = asBuffer(rewriter, loc, op.getKey());
    emit.v = asBuffer(rewriter, loc, op.getValue());
    emit.slopes = asBuffer(rewriter, loc, op.getAlibiSlopes());
    emit.temperature = asBuffer(rewriter, loc, op.getTemperature());
    emit.kvLengths = asBuffer(rewriter, loc, op.getKvLengths());
    if (Value bias = asBuffer(rewriter, loc, op.getBias())) {
      // One flat view: the kernels gather bias elements by linear index.
      SmallVector<ReassociationIndices> all = {{0, 1, 2, 3}};
      emit.bias = memref::CollapseShapeOp::create(rewriter, loc, bias, all);
    }
    emit.batch = memref::DimOp::create(rewriter, loc, emit.q, 0);
    emit.qLen = memref::DimOp::create(rewriter, loc, emit.q, 2);
    emit.kvLen = memref::DimOp::create(rewriter, loc, emit.k, 2);
    emit.kvExtent = emit.kvLen;
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    emit.out = allocLike(rewriter, loc, outType, emit.q);
    if (Value lse = op.getLse())
      emit.lse = allocLike(rewriter, loc, cast<RankedTensorType>(lse.getType()),
                           emit.q);

    // Short problems (decode) take one vector of rows per tile; the rest the
    // full tile height.
    int64_t wide = tiling.lanes * tiling.queryVectors;
    Value rowsPerUnit = arith::MulIOp::create(
        rewriter, loc, emit.qLen,
        arith::ConstantIndexOp::create(rewriter, loc, sem->groupSize()));
    Value isShort = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ule, rowsPerUnit,
        arith::ConstantIndexOp::create(rewriter, loc, tiling.lanes));
    auto branch = [&](int64_t rows) {
      return [&, rows](OpBuilder &nb, Location) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(scf::YieldOp::create(nb, loc, ValueRange{}));
        emit.emitQueryTiles(rows);
      };
    };
    // Groups of a few vectors of rows (a stacked Hydragen prefix of 32 rows,
    // short prefills) take a tile of two vectors rather than half-empty wide
    // ones, unless block lists fix the tile height.
    int64_t medium = 2 * tiling.lanes;
    bool withMedium = wide > medium && sem->blockSizes().empty();
    auto lanesForm = [&](OpBuilder &, Location) {
      if (wide == tiling.lanes) {
        emit.emitQueryTiles(wide);
        return;
      }
      if (!withMedium) {
        scf::IfOp::create(rewriter, loc, isShort, branch(tiling.lanes),
                          branch(wide));
        return;
      }
      Value isMedium = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ule, rowsPerUnit,
          arith::ConstantIndexOp::create(rewriter, loc, medium));
      scf::IfOp::create(
          rewriter, loc, isShort, branch(tiling.lanes),
          [&](OpBuilder &nb, Location nloc) {
            OpBuilder::InsertionGuard guard(rewriter);
            rewriter.setInsertionPoint(scf::YieldOp::create(nb, nloc, ValueRange{}));
            scf::IfOp::create(rewriter, loc, isMedium, branch(medium),
                              branch(wide));
          });
    };
    // Decode-sized groups: keys in lanes (the row kernel).
    bool rowForm = tiling.decodeRows > 0 && op.getHeadDim() % 16 == 0 &&
                   op.getValueHeadDim() % 16 == 0 && tiling.kvTile % 16 == 0;
    if (!rowForm) {
      lanesForm(rewriter, loc);
    } else {
      // (Lq = 0 takes the wide form, whose loops then run zero times.)
      Value isDecode = arith::AndIOp::create(
          rewriter, loc,
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::ule, rowsPerUnit,
              arith::ConstantIndexOp::create(rewriter, loc, tiling.decodeRows)),
          arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::ugt, rowsPerUnit,
              arith::ConstantIndexOp::create(rewriter, loc, 0)));
      scf::IfOp::create(
          rewriter, loc, isDecode,
          [&](OpBuilder &nb, Location) {
            OpBuilder::InsertionGuard guard(rewriter);
            rewriter.setInsertionPoint(
                scf::YieldOp::create(nb, loc, ValueRange{}));
            emit.emitRowTiles(tiling.decodeRows);
          },
          [&](OpBuilder &nb, Location) {
            OpBuilder::InsertionGuard guard(rewriter);
            rewriter.setInsertionPoint(
                scf::YieldOp::create(nb, loc, ValueRange{}));
            lanesForm(nb, loc);
          });
    }

    SmallVector<Value> results = {bufferization::ToTensorOp::create(
        rewriter, loc, outType, emit.out, /*restrict=*/true,
        /*writable=*/true)};
    if (emit.lse)
      results.push_back(bufferization::ToTensorOp::create(
          rewriter, loc, op.getLse().getType(), emit.lse, true, true));
    rewriter.replaceOp(op, results);
    return success();
  }

  FusedCPUTiling tiling;
};

} // namespace

void mlir::attune::populateAttnToCPUPatterns(RewritePatternSet &patterns,
                                             const FusedCPUTiling &tiling) {
  patterns.add<LowerAttentionToCPU>(patterns.getContext(), tiling);
}

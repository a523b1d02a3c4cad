//===- MergeKernel.cpp - the split-KV merge kernel of the GPU path --------===//

#include "GPUKernel.h"

#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// The merge of split-KV: one thread per output element (row, d) combines
/// the S chunks' rows exactly (attn.merge's semantics): softmax by LSE
/// weights, sigmoid by plain sums. Parameters: the workspace (partial rows,
/// partial LSEs), out, lse when present, then rows = B * Hq * Lq and S.
void attune::detail::buildMergeKernel(OpBuilder &b, Location loc,
                                      attn::AttentionOp op, StringRef name) {
  Type f32 = b.getF32Type(), index = b.getIndexType();
  Type outElem = cast<ShapedType>(op.getOutput().getType()).getElementType();
  int64_t valueDim = op.getValueHeadDim();
  bool sigmoid = op.getNormalization() == attn::Normalization::Sigmoid;
  auto flat = [](Type element) {
    return MemRefType::get({ShapedType::kDynamic}, element);
  };
  SmallVector<Type> params = {flat(f32), flat(f32), flat(outElem)};
  if (op.getLse())
    params.push_back(flat(f32));
  params.append({index, index});
  auto kernel =
      gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(params, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({kMergeThreads, 1, 1}));
  Block &entry = kernel.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&entry);
  unsigned next = 0;
  Value partialOut = entry.getArgument(next++);
  Value partialLse = entry.getArgument(next++);
  Value out = entry.getArgument(next++);
  Value lse = op.getLse() ? entry.getArgument(next++) : Value();
  Value rows = entry.getArgument(next++);
  Value splits = entry.getArgument(next++);
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto cf = [&](float v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  Value id = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc,
                            gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                            c(kMergeThreads)),
      gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
  Value total = arith::MulIOp::create(b, loc, rows, c(valueDim));
  auto inside = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total),
      false);
  b.setInsertionPointToStart(inside.thenBlock());
  Value row = arith::DivUIOp::create(b, loc, id, c(valueDim));
  Value d = arith::RemUIOp::create(b, loc, id, c(valueDim));
  // Element (chunk s, row) of the workspace.
  auto chunkRow = [&](Value s) -> Value {
    return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, s, rows),
                                 row);
  };
  auto partial = [&](Value s) -> Value {
    Value at = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, chunkRow(s), c(valueDim)), d);
    return memref::LoadOp::create(b, loc, partialOut, at);
  };
  // fold(init, body(s, state) -> state) over the chunks.
  auto overChunks =
      [&](ValueRange init,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
        auto loop = scf::ForOp::create(b, loc, c(0), splits, c(1), init);
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        scf::YieldOp::create(
            b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
        return loop.getResults();
      };
  Value result, rowLse;
  if (sigmoid) {
    result = overChunks({cf(0.0f)}, [&](Value s, ValueRange state) {
      return SmallVector<Value>{
          arith::AddFOp::create(b, loc, state[0], partial(s))};
    })[0];
  } else {
    const float negInf = -std::numeric_limits<float>::infinity();
    Value m = overChunks({cf(negInf)}, [&](Value s, ValueRange state) {
      Value l = memref::LoadOp::create(b, loc, partialLse, chunkRow(s));
      return SmallVector<Value>{arith::MaximumFOp::create(b, loc, state[0], l)};
    })[0];
    Value base = TileSemantics::exponentBase(b, loc, m);
    auto sums = overChunks({cf(0.0f), cf(0.0f)}, [&](Value s,
                                                     ValueRange state) {
      Value l = memref::LoadOp::create(b, loc, partialLse, chunkRow(s));
      Value w =
          math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, l, base));
      return SmallVector<Value>{
          arith::AddFOp::create(b, loc, state[0], w),
          arith::AddFOp::create(b, loc, state[1],
                                arith::MulFOp::create(b, loc, w, partial(s)))};
    });
    auto [inv, finalLse] = TileSemantics::finishRows(b, loc, m, sums[0]);
    result = arith::MulFOp::create(b, loc, sums[1], inv);
    rowLse = finalLse;
  }
  if (!outElem.isF32())
    result = arith::TruncFOp::create(b, loc, outElem, result);
  memref::StoreOp::create(
      b, loc, result, out,
      arith::AddIOp::create(b, loc,
                            arith::MulIOp::create(b, loc, row, c(valueDim)), d)
          .getResult());
  if (lse) {
    auto first = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, c(0)),
        false);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(b, loc, rowLse, lse, row);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b, loc);
}

//===- BlockLayout.cpp - where a GPU block and its tile rows sit ----------===//

#include "BlockLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

static Value constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

static Value times(OpBuilder &b, Location loc, Value x, int64_t c) {
  return c == 1 ? x
                : arith::MulIOp::create(b, loc, x, constant(b, loc, c))
                      .getResult();
}

BlockLayout::BlockLayout(OpBuilder &b, Location loc, const KernelValues &values,
                         const TileSemantics &sem, int64_t rows, int64_t qHeads)
    : b(b), loc(loc), stacked(values.stackRows), qHeads(qHeads),
      qLen(values.qLen) {
  Value qTile = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value headBlock = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  Value zBlock = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  // Grid z: the batch row and key chunk (split-KV); a prefix-attention
  // segment's batch row (its slot fixed); or, batch rows stacked into the
  // tile, the key chunk (slots from `slot` on).
  if (stacked) {
    batch = constant(b, loc, 0);
    chunk = zBlock;
    chunks = values.splits;
    split =
        arith::AddIOp::create(b, loc, chunk, constant(b, loc, *values.slot));
  } else if (values.slot) {
    batch = zBlock;
    split = constant(b, loc, *values.slot);
    chunk = constant(b, loc, 0);
    chunks = constant(b, loc, 1);
  } else {
    batch = arith::DivUIOp::create(b, loc, zBlock, values.splits);
    split = arith::RemUIOp::create(b, loc, zBlock, values.splits);
    chunk = split;
    chunks = values.splits;
  }
  group = sem.groupSize();
  firstHead = times(b, loc, headBlock, group);
  kvHead = group > 1 ? headBlock : sem.kvHeadOf(b, loc, headBlock);
  rowsPerBatch = times(b, loc, values.qLen, group);
  packedLen = stacked
                  ? arith::MulIOp::create(b, loc, values.batch, rowsPerBatch)
                        .getResult()
                  : rowsPerBatch;
  q0 = times(b, loc, qTile, rows);
}

Value BlockLayout::batchOf(Value p) const {
  return stacked ? arith::DivUIOp::create(b, loc, p, rowsPerBatch).getResult()
                 : batch;
}

Value BlockLayout::positionOf(Value p) const {
  if (stacked)
    p = arith::RemUIOp::create(b, loc, p, rowsPerBatch);
  return group == 1 ? p
                    : arith::DivUIOp::create(b, loc, p, constant(b, loc, group))
                          .getResult();
}

Value BlockLayout::headOf(Value p) const {
  if (group == 1)
    return firstHead;
  return arith::AddIOp::create(
      b, loc, firstHead,
      arith::RemUIOp::create(b, loc, p, constant(b, loc, group)));
}

Value BlockLayout::queryRow(Value batchRow, Value head, Value pos,
                            int64_t width) const {
  Value bh =
      arith::AddIOp::create(b, loc, times(b, loc, batchRow, qHeads), head);
  Value row = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, bh, qLen), pos);
  return times(b, loc, row, width);
}

//===- BlockLists.cpp - block-sparse lists of the fused CPU loop ----------===//
//
// The walk over FlexAttention-style block lists is shared with the GPU
// (TiledAttention/BlockListWalk.h); here is how the CPU kernel reads them:
// buffers [B|1, H|1, q_blocks(, capacity)], extents of 1 broadcast.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

BlockListAccess FusedEmitter::blockListAccess(Value bi, Value head) {
  BlockListAccess access;
  access.load = [this, bi, head](BlockList which, Value qBlock,
                                 ValueRange rest) -> Value {
    Value list = which == BlockList::Counts        ? blockLists.counts
                 : which == BlockList::Indices     ? blockLists.indices
                 : which == BlockList::FullCounts  ? blockLists.fullCounts
                                                   : blockLists.fullIndices;
    auto type = cast<MemRefType>(list.getType());
    SmallVector<Value> indices = {type.getDimSize(0) == 1 ? cIdx(0) : bi,
                                  type.getDimSize(1) == 1 ? cIdx(0) : head,
                                  qBlock};
    llvm::append_range(indices, rest);
    Value x = memref::LoadOp::create(b, loc, list, indices);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
  };
  access.numQBlocks = memref::DimOp::create(b, loc, blockLists.counts, 2);
  access.capacity = memref::DimOp::create(b, loc, blockLists.indices, 3);
  if (blockLists.fullIndices)
    access.fullCapacity =
        memref::DimOp::create(b, loc, blockLists.fullIndices, 3);
  return access;
}

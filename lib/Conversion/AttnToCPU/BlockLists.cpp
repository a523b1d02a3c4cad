//===- BlockLists.cpp - block-sparse key tiles of the fused CPU loop ------===//
//
// FlexAttention-style block masks: for query block qb, counts[b, h, qb]
// entries of indices[b, h, qb, :] name the key blocks to visit with the mask
// applied, and the full lists those to visit without it. The fused loop
// visits exactly the listed blocks, each as kvTile-key tiles:
//
//   tile it -> entry e = it / (kbs / kvTile), sub-tile it % (kbs / kvTile);
//              entries [0, numFull) from the full list, then the partial one.
//
// Extents of 1 in the batch / head dimensions of each list broadcast.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

Value FusedEmitter::loadListEntry(Value list, const BlockListWalk &walk,
                                  ValueRange rest) {
  auto type = cast<MemRefType>(list.getType());
  SmallVector<Value> indices = {
      type.getDimSize(0) == 1 ? cIdx(0) : walk.bi,
      type.getDimSize(1) == 1 ? cIdx(0) : walk.head, walk.qBlock};
  llvm::append_range(indices, rest);
  Value x = memref::LoadOp::create(b, loc, list, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
}

Value FusedEmitter::walkBlockLists(Value bi, Value head, const TileRows &rows,
                                   BlockListWalk &walk) {
  ArrayRef<int64_t> blockSize = sem.blockSizes();
  Value zero = cIdx(0);
  walk.bi = bi;
  walk.head = head;
  // The tile lies in one query block (the pattern picks tile heights so).
  // Clamp it into the list (its extent is the caller's promise).
  Value numQBlocks = memref::DimOp::create(b, loc, blockLists.counts, 2);
  walk.qBlock = minIdx(
      arith::DivUIOp::create(b, loc, rows.firstRow, cIdx(blockSize[0])),
      sub(numQBlocks, cIdx(1)));
  // counts clamped to [0, capacity of their index list]
  auto count = [&](Value counts, Value indices) -> Value {
    if (!counts)
      return zero;
    Value capacity = memref::DimOp::create(b, loc, indices, 3);
    return arith::MaxSIOp::create(
        b, loc, zero, minIdx(loadListEntry(counts, walk, {}), capacity));
  };
  walk.numFull = count(blockLists.fullCounts, blockLists.fullIndices);
  walk.numPartial = count(blockLists.counts, blockLists.indices);
  int64_t subTiles = blockSize[1] / tiling.kvTile;
  return mul(add(walk.numFull, walk.numPartial), cIdx(subTiles));
}

void FusedEmitter::listedTile(const BlockListWalk &walk, Value it,
                              Value &keyBegin, Value &listedFull,
                              Value &skip) {
  using P = arith::CmpIPredicate;
  int64_t keyBlock = sem.blockSizes()[1];
  int64_t subTiles = keyBlock / tiling.kvTile;
  Value entry = arith::DivUIOp::create(b, loc, it, cIdx(subTiles));
  Value subTile = arith::RemUIOp::create(b, loc, it, cIdx(subTiles));
  Value zero = cIdx(0);
  listedFull = arith::CmpIOp::create(b, loc, P::ult, entry, walk.numFull);
  Value n = arith::SelectOp::create(b, loc, listedFull, entry,
                                    sub(entry, walk.numFull));
  // Each list is read only below its own count (n < count <= capacity); the
  // other list's slot is read at index 0 when it has entries, else not used.
  auto blockAt = [&](Value list, Value i) -> Value {
    return loadListEntry(list, walk, {i});
  };
  Value block;
  if (blockLists.fullIndices) {
    Value inFull = arith::SelectOp::create(b, loc, listedFull, n, zero);
    Value inPartial = arith::SelectOp::create(b, loc, listedFull, zero, n);
    Value partialBlock = scf::IfOp::create(
        b, loc, listedFull,
        [&](OpBuilder &tb, Location) {
          scf::YieldOp::create(tb, loc, ValueRange{zero});
        },
        [&](OpBuilder &eb, Location) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(eb.getInsertionBlock());
          scf::YieldOp::create(b, loc,
                               ValueRange{blockAt(blockLists.indices, inPartial)});
        }).getResult(0);
    Value fullBlock = scf::IfOp::create(
        b, loc, listedFull,
        [&](OpBuilder &tb, Location) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(tb.getInsertionBlock());
          scf::YieldOp::create(
              b, loc, ValueRange{blockAt(blockLists.fullIndices, inFull)});
        },
        [&](OpBuilder &eb, Location) {
          scf::YieldOp::create(eb, loc, ValueRange{zero});
        }).getResult(0);
    block = arith::SelectOp::create(b, loc, listedFull, fullBlock, partialBlock);
  } else {
    block = blockAt(blockLists.indices, n);
  }
  keyBegin = add(mul(block, cIdx(keyBlock)), mul(subTile, cIdx(tiling.kvTile)));
  skip = arith::OrIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, P::slt, block, zero),
      arith::CmpIOp::create(b, loc, P::sge, keyBegin, kvLen));

  // Seen before? In the entry's own list before it, or, for a partial
  // entry, anywhere in the full list.
  auto listed = [&](Value list, Value end) -> Value {
    Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    auto loop = scf::ForOp::create(
        b, loc, zero, end, cIdx(1), ValueRange{no},
        [&](OpBuilder &nb, Location, Value i, ValueRange found) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(nb.getInsertionBlock());
          Value same =
              arith::CmpIOp::create(b, loc, P::eq, blockAt(list, i), block);
          scf::YieldOp::create(
              b, loc, ValueRange{arith::OrIOp::create(b, loc, found[0], same)});
        });
    return loop.getResult(0);
  };
  Value seen = listed(blockLists.indices, arith::SelectOp::create(
                                              b, loc, listedFull, zero, n));
  if (blockLists.fullIndices) {
    Value before = arith::SelectOp::create(b, loc, listedFull, n,
                                           walk.numFull);
    seen = arith::OrIOp::create(b, loc, seen,
                                listed(blockLists.fullIndices, before));
  }
  skip = arith::OrIOp::create(b, loc, skip, seen);
}

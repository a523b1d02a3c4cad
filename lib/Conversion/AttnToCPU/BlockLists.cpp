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
// Extents of 1 in the batch / head dimensions of the lists broadcast.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

Value FusedEmitter::walkBlockLists(Value bi, Value head, const TileRows &rows,
                                   BlockListWalk &walk) {
  ArrayRef<int64_t> blockSize = sem.blockSizes();
  auto counts = cast<MemRefType>(blockLists.counts.getType());
  Value zero = cIdx(0);
  walk.batch = counts.getDimSize(0) == 1 ? zero : bi;
  walk.head = counts.getDimSize(1) == 1 ? zero : head;
  // The tile lies in one query block (the pattern picks tile heights so).
  // Clamp it into the list (its extent is the caller's promise).
  Value numQBlocks = memref::DimOp::create(b, loc, blockLists.counts, 2);
  walk.qBlock = minIdx(
      arith::DivUIOp::create(b, loc, rows.firstRow, cIdx(blockSize[0])),
      sub(numQBlocks, cIdx(1)));
  walk.maxBlocks = memref::DimOp::create(b, loc, blockLists.indices, 3);
  auto count = [&](Value list) -> Value {
    if (!list)
      return zero;
    Value n = memref::LoadOp::create(b, loc, list,
                                     ValueRange{walk.batch, walk.head,
                                                walk.qBlock});
    n = arith::IndexCastOp::create(b, loc, b.getIndexType(), n);
    return arith::MaxSIOp::create(b, loc, zero, minIdx(n, walk.maxBlocks));
  };
  walk.numFull = count(blockLists.fullCounts);
  walk.numPartial = count(blockLists.counts);
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
  auto blockAt = [&](Value list, Value i) -> Value {
    Value x = memref::LoadOp::create(
        b, loc, list, ValueRange{walk.batch, walk.head, walk.qBlock, i});
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
  };
  Value block = blockAt(blockLists.indices, n);
  if (blockLists.fullIndices)
    block = arith::SelectOp::create(b, loc, listedFull,
                                    blockAt(blockLists.fullIndices, n), block);
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

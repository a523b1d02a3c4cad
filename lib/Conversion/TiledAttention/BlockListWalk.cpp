//===- BlockListWalk.cpp - block-sparse key tiles of fused kernels --------===//

#include "attune/Conversion/TiledAttention/BlockListWalk.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attune;

namespace {
Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
} // namespace

BlockListWalk::BlockListWalk(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> blockSize, int64_t kvTile,
                             BlockListAccess access, Value firstRow)
    : access(std::move(access)), keyBlock(blockSize[1]), kvTile(kvTile) {
  Value zero = cIdx(b, loc, 0);
  // Clamped into the lists (their extent is the caller's promise).
  qBlock = arith::MinSIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc, firstRow, cIdx(b, loc, blockSize[0])),
      arith::SubIOp::create(b, loc, this->access.numQBlocks, cIdx(b, loc, 1)));
  // Counts clamped to [0, capacity of their index list]; lists without a
  // query block name nothing (and are not read).
  Value anyQBlock = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                          this->access.numQBlocks, zero);
  auto count = [&](BlockList counts, Value capacity) -> Value {
    if (!capacity)
      return zero;
    auto read = scf::IfOp::create(
        b, loc, anyQBlock,
        [&](OpBuilder &tb, Location) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToEnd(tb.getInsertionBlock());
          Value n = this->access.load(counts, qBlock, {});
          scf::YieldOp::create(b, loc, ValueRange{n});
        },
        [&](OpBuilder &eb, Location) {
          scf::YieldOp::create(eb, loc, ValueRange{zero});
        });
    return arith::MaxSIOp::create(
        b, loc, zero,
        arith::MinSIOp::create(b, loc, read.getResult(0), capacity));
  };
  numFull = count(BlockList::FullCounts, this->access.fullCapacity);
  numPartial = count(BlockList::Counts, this->access.capacity);
  tiles = arith::MulIOp::create(
      b, loc, arith::AddIOp::create(b, loc, numFull, numPartial),
      cIdx(b, loc, keyBlock / kvTile));
}

void BlockListWalk::tile(OpBuilder &b, Location loc, Value it, Value kvLen,
                         Value &keyBegin, Value &listedFull,
                         Value &skip) const {
  using P = arith::CmpIPredicate;
  int64_t subTiles = keyBlock / kvTile;
  Value entry = arith::DivUIOp::create(b, loc, it, cIdx(b, loc, subTiles));
  Value subTile = arith::RemUIOp::create(b, loc, it, cIdx(b, loc, subTiles));
  Value zero = cIdx(b, loc, 0);
  listedFull = arith::CmpIOp::create(b, loc, P::ult, entry, numFull);
  Value n = arith::SelectOp::create(
      b, loc, listedFull, entry, arith::SubIOp::create(b, loc, entry, numFull));
  auto blockAt = [&](BlockList list, Value i) -> Value {
    return access.load(list, qBlock, {i});
  };
  bool hasFull = static_cast<bool>(access.fullCapacity);
  // Each list is read only below its own count (n < count <= capacity).
  Value block;
  if (hasFull) {
    auto readIf = [&](Value condition, BlockList list) -> Value {
      return scf::IfOp::create(
                 b, loc, condition,
                 [&](OpBuilder &tb, Location) {
                   OpBuilder::InsertionGuard guard(b);
                   b.setInsertionPointToEnd(tb.getInsertionBlock());
                   scf::YieldOp::create(b, loc, ValueRange{blockAt(list, n)});
                 },
                 [&](OpBuilder &eb, Location) {
                   scf::YieldOp::create(eb, loc, ValueRange{zero});
                 })
          .getResult(0);
    };
    Value partial = arith::XOrIOp::create(
        b, loc, listedFull,
        arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    block = arith::SelectOp::create(b, loc, listedFull,
                                    readIf(listedFull, BlockList::FullIndices),
                                    readIf(partial, BlockList::Indices));
  } else {
    block = blockAt(BlockList::Indices, n);
  }
  keyBegin = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block, cIdx(b, loc, keyBlock)),
      arith::MulIOp::create(b, loc, subTile, cIdx(b, loc, kvTile)));
  skip = arith::OrIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, P::slt, block, zero),
      arith::CmpIOp::create(b, loc, P::sge, keyBegin, kvLen));
  // Seen before? In the entry's own list before it, or, for a partial
  // entry, anywhere in the full list.
  auto listed = [&](BlockList list, Value end) -> Value {
    Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    auto loop = scf::ForOp::create(
        b, loc, zero, end, cIdx(b, loc, 1), ValueRange{no},
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
  Value seen = listed(BlockList::Indices,
                      arith::SelectOp::create(b, loc, listedFull, zero, n));
  if (hasFull) {
    Value before = arith::SelectOp::create(b, loc, listedFull, n, numFull);
    seen = arith::OrIOp::create(b, loc, seen,
                                listed(BlockList::FullIndices, before));
  }
  skip = arith::OrIOp::create(b, loc, skip, seen);
}

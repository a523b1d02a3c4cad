//===- BlockListWalk.h - block-sparse key tiles of fused kernels -*- C++
//-*-===//
//
// FlexAttention-style block masks as both fused backends walk them: for the
// query block holding a tile, counts[b, h, qb] entries of indices[b, h, qb, :]
// name the key blocks to visit with the mask applied, and the full lists the
// blocks to visit without it. Key tile `it` of the walk (kvTile keys each):
//
//   entry e = it / (kbs / kvTile), sub-tile it % (kbs / kvTile);
//   entries [0, numFull) from the full list, then the partial one.
//
// Lists are sets (as in the reference semantics): an entry naming a block
// already listed, or a block outside [0, Lk), is skipped. The backend reads
// list elements its own way (buffers, flat parameters) through a loader.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_TILEDATTENTION_BLOCKLISTWALK_H
#define ATTUNE_CONVERSION_TILEDATTENTION_BLOCKLISTWALK_H

#include "mlir/IR/Builders.h"

#include <functional>

namespace mlir {
namespace attune {

enum class BlockList { Counts, Indices, FullCounts, FullIndices };

/// How a backend reads its lists.
struct BlockListAccess {
  /// Element (b, h, qBlock, rest...) of `list` as an index (the backend
  /// knows b and h, and broadcasts extents of 1).
  std::function<Value(BlockList list, Value qBlock, ValueRange rest)> load;
  /// Extent of the query-block dimension; capacities of the index lists
  /// (`fullCapacity` null without full lists).
  Value numQBlocks, capacity, fullCapacity;
};

class BlockListWalk {
public:
  /// Reads the counts of the query block holding query position `firstRow`
  /// (the tile lies in one query block: the backends choose tiles so).
  BlockListWalk(OpBuilder &b, Location loc, ArrayRef<int64_t> blockSize,
                int64_t kvTile, BlockListAccess access, Value firstRow);

  /// Number of key tiles the lists name (skipped ones included).
  Value numTiles() const { return tiles; }

  /// Key tile `it`: its first key, whether its block was listed as full, and
  /// whether to skip it.
  void tile(OpBuilder &b, Location loc, Value it, Value kvLen, Value &keyBegin,
            Value &listedFull, Value &skip) const;

private:
  BlockListAccess access;
  int64_t keyBlock, kvTile;
  Value qBlock, numFull, numPartial, tiles;
};

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_TILEDATTENTION_BLOCKLISTWALK_H

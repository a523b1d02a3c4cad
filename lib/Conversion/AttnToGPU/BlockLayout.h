//===- BlockLayout.h - where a GPU block and its tile rows sit --*- C++ -*-===//
//
// The attention kernel's grid and tile rows in terms of the problem: which
// batch row, key chunk and workspace slot a block has (grid z), and which
// (batch row, query head, position) each row of its tile is (GQA packing,
// Hydragen's stacked batch rows).
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_BLOCKLAYOUT_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_BLOCKLAYOUT_H

#include "GPUKernel.h"

namespace mlir {
namespace attune {
namespace detail {

struct BlockLayout {
  /// Reads the block ids and lays the block out: grid (query tile, head
  /// block, z) with tiles of `rows` rows.
  BlockLayout(OpBuilder &b, Location loc, const KernelValues &values,
              const TileSemantics &sem, int64_t rows, int64_t qHeads);

  /// Grid z: the block's batch row (0 when rows are stacked), the workspace
  /// slot it writes (`split`), and the chunk `chunk` of `chunks` of its key
  /// tiles it visits.
  Value batch, split, chunk, chunks;
  /// The query heads of a KV group packed into the tile's rows (`group`),
  /// the first of them and their KV head.
  int64_t group;
  Value firstHead, kvHead;
  /// The tile's first packed row, and the number of packed rows.
  Value q0, packedLen;

  /// Packed row p: its batch row, query position and query head. With a
  /// group of G heads, p is position p / G of head firstHead + p % G; with
  /// stacked batch rows, p is row p % (Lq * G) of batch row p / (Lq * G).
  Value batchOf(Value p) const;
  Value positionOf(Value p) const;
  Value headOf(Value p) const;
  /// Element offset of (batch row, head, position)'s row in a
  /// [B, Hq, Lq, width] tensor.
  Value queryRow(Value batchRow, Value head, Value pos, int64_t width) const;

private:
  OpBuilder &b;
  Location loc;
  bool stacked;
  int64_t qHeads;
  Value qLen, rowsPerBatch;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_BLOCKLAYOUT_H

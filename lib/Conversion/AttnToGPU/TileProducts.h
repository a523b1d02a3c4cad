//===- TileProducts.h - the GPU kernel's two products per key tile -*- C++ -*-//
//
// Private to lib/Conversion/AttnToGPU: S = Q K^T and O += P V of one key
// tile, with the shared-memory tiles they read, for the tensor-core
// instructions of a GPUTiling: mma.sync per warp (ldmatrix from rows padded
// by 16 bytes) or wgmma per warpgroup (descriptors over unpadded core
// matrices or 128-byte swizzled rows). P stays in registers in both. Both
// hold the lane's scores and accumulators in mma.sync's m16n8 accumulator
// layout, which the kernel's softmax, masks and epilogue are written
// against (AttentionKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_TILEPRODUCTS_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_TILEPRODUCTS_H

#include "WarpOps.h"

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"
#include "mlir/IR/Builders.h"

#include <memory>

namespace mlir {
namespace attune {
namespace detail {

/// Where the kernel's tiles lie in dynamic shared memory, in this order: the
/// Q tile, `stages` K and V buffers and (TMA) the mbarriers of the K and V
/// buffers. The one place both the kernel and
/// sharedBytesFor read them from.
struct SharedTiles {
  SharedLayout layout;
  /// Tile rows (query rows, keys) and the 16-column padded head dims (the
  /// products' K and N extents).
  int64_t rows, kvTile, headPad, valuePad;
  /// Columns the tiles hold: the padded head dims, or with the 128-byte
  /// swizzle whole blocks of 64.
  int64_t headCols, valueCols;
  /// Bytes of the Q tile, of one K and one V buffer, of the mbarriers.
  int64_t qBytes, kBytes, vBytes, barrierBytes;
  /// K and V buffers (2 but with the TMA's deeper pipelines).
  int64_t stages;

  static SharedTiles get(const GPUTiling &tiling, int64_t headDim,
                         int64_t valueDim);
  int64_t kOffset() const { return qBytes; }
  int64_t vOffset() const { return kOffset() + stages * kBytes; }
  /// The mbarriers (8 bytes each): the buffers' K tiles landed, their V
  /// tiles landed, the buffers released (stages each).
  int64_t barrierOffset() const { return vOffset() + stages * vBytes; }
  int64_t usedBytes() const { return barrierOffset() + barrierBytes; }
  /// What a launch asks for: the tiles, plus the slack to align their
  /// start from the 16 bytes the hardware promises to `alignment`.
  int64_t totalBytes() const { return usedBytes() + alignment - 16; }
  /// The tiles' start within `dynamic` (the block's dynamic shared memory,
  /// memref<?xi8>), aligned to `alignment`: a view of usedBytes() bytes
  /// (`dynamic` itself when 16 bytes do).
  Value place(OpBuilder &b, Location loc, Value dynamic) const;

  /// Where the tiles must start: 1024 bytes for the 128-byte swizzle's
  /// atoms (the TMA and wgmma read the swizzle from address bits 4-9), 16
  /// otherwise.
  int64_t alignment;
};

/// The thread's place in its warp: warp, lane, lane group g = lane / 4 (the
/// accumulator row) and quad t = lane % 4 (its column pair).
struct LaneIds {
  Value warp, lane, group, quad;
};

class TileProducts {
public:
  /// The products over `tiles` in `shared` (the block's dynamic shared
  /// memory, memref<?xi8>), 16-bit operands of type `elem`: wgmma for core
  /// matrices, mma.sync for padded rows.
  static std::unique_ptr<TileProducts>
  create(OpBuilder &b, Location loc, Type elem, const SharedTiles &tiles,
         Value shared, const LaneIds &lanes, WarpOps &warpOps);
  virtual ~TileProducts() = default;

  /// Shared views the copies fill (in `tiles.layout`): the Q tile, and K and
  /// V with the buffer as leading index.
  Value query() const { return q; }
  Value keys() const { return k; }
  Value values() const { return v; }

  /// Each thread, after its copies into the tiles landed and before the
  /// barrier that shares them.
  virtual void copiesLanded() {}
  /// Once the Q tile is shared, before the key tiles' loop.
  virtual void loadQuery() {}
  /// S = Q K^T over K buffer `buffer`: the lane's kvTile / 2 scores.
  virtual SmallVector<Value> scores(Value buffer) = 0;
  /// o += P V over V buffer `buffer`; `p`: the lane's probabilities (a
  /// vector in the layout of the scores), `o` the lane's valuePad / 2
  /// accumulators. Every thread of the block calls it (uniformly).
  virtual void accumulate(Value buffer, Value p, MutableArrayRef<Value> o) = 0;

  /// wgmma only, for the intra-warpgroup overlap (GPUTiling::overlap): the
  /// products issued and committed, not waited for; their accumulators
  /// are readable after waitProducts. issueScores returns S's.
  virtual SmallVector<Value> issueScores(Value buffer);
  /// The lane's probabilities (as for accumulate) as P V's A registers,
  /// 16-bit pairs: kvTile / 4 i32 values, kept across a step.
  virtual SmallVector<Value> packProbabilities(Value p);
  virtual void issueAccumulate(Value buffer, ArrayRef<Value> pRegisters,
                               MutableArrayRef<Value> o);
  /// Waits until at most `pending` issued groups are in flight.
  virtual void waitProducts(int64_t pending);

protected:
  TileProducts(OpBuilder &b, Location loc, Type elem, const SharedTiles &tiles,
               const LaneIds &lanes)
      : b(b), loc(loc), elem(elem), tiles(tiles), lanes(lanes) {}
  Value cIdx(int64_t v);
  Value addC(Value x, int64_t c);
  Value mulC(Value x, int64_t c);
  /// Elements i and i + 1 of `p`, packed to the 16-bit type (vector<2x>).
  Value packPair(Value p, int64_t i);

  OpBuilder &b;
  Location loc;
  Type elem;
  SharedTiles tiles;
  LaneIds lanes;
  Value q, k, v;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_TILEPRODUCTS_H

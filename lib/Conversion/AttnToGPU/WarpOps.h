//===- WarpOps.h - warp-level building blocks of the GPU kernel -*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: the mma.sync, ldmatrix and cp.async
// pieces the FlashAttention-2 kernel (AttentionKernel.cpp) is made of, with
// their register layouts. Everything here is per lane; the kernel owns the
// schedule.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPOPS_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPOPS_H

#include "mlir/IR/Builders.h"

#include <utility>

namespace mlir {
namespace attune {
namespace detail {

/// How a tile of rows lies in shared memory.
enum class SharedLayout {
  /// Row-major, each row padded by 16 bytes (conflict-free ldmatrix):
  /// element (row, col) at [row, col].
  PaddedRows,
  /// 8x8 core matrices of 128 contiguous bytes, the no-swizzle layout wgmma
  /// descriptors read: element (row, col) of an R x C tile at [col / 8,
  /// row / 8, row % 8, col % 8], so a core matrix's neighbour along the
  /// columns is R * 16 bytes away and along the rows 128.
  CoreMatrices,
  /// Rows of 128 bytes (64 columns) in column blocks, the 16-byte chunks of
  /// row r permuted by XOR with r % 8: the 128-byte swizzle the TMA writes
  /// and wgmma descriptors read (atoms of 8 rows, 1024 bytes, aligned to
  /// 1024). Element (row, col) of an R x C tile (C a multiple of 64) at
  /// [col / 64, row, (col % 64 / 8) ^ (row % 8), col % 8]: blocks R * 128
  /// bytes apart.
  Swizzled128,
};

class WarpOps {
public:
  /// `elem`: the 16-bit operand type (f16 or bf16); `threads`: the block's.
  WarpOps(OpBuilder &b, Location loc, Type elem, int64_t threads)
      : b(b), loc(loc), elem(elem), threads(threads) {}
  /// The thread id (index) the copies distribute chunks by.
  void setThread(Value id) { tid = id; }

  /// Two 16-bit values as the operand register of an mma: vector<2xf16> for
  /// f16, i32 for bf16.
  Value mmaRegister(Value pair);
  /// acc (4 f32) += A (4 registers) * B (2 registers), m16n8k16.
  void mma(ArrayRef<Value> a, ArrayRef<Value> bReg, MutableArrayRef<Value> acc);
  /// ldmatrix x4 at (indices) of `tile`: four 8x8 matrices, one register
  /// each, lane l giving the address of row l % 8 of matrix l / 8.
  SmallVector<Value, 4> loadMatrices(Value tile, ValueRange indices,
                                     bool transpose);

  /// Where tile row `row` comes from: (whether it exists, the element
  /// offset of its first element in the source).
  using RowSource = function_ref<std::pair<Value, Value>(Value row)>;
  /// Copies `count` rows of `width` elements from `src` into `dst` (rows
  /// 0..count, at `dstLead` leading indices, in `layout`), 16 bytes a copy
  /// and thread; rows that do not exist are zero-filled. Returns the
  /// copies' group. Shared rows are `padded` wide (a multiple of 16
  /// elements, >= `width`): columns past `width` are zero-filled. Core
  /// matrices take `count` a multiple of 8 and are filled 8 rows of one
  /// 16-byte column by 8 consecutive threads (128 contiguous bytes); the
  /// 128-byte swizzle row by row, 8 consecutive threads a 128-byte row (its
  /// chunks permuted).
  /// With `stride`, every row exists and starts `stride` elements after the
  /// one before: a thread's copies then lie at constant offsets from its
  /// first (when the block's threads fill whole rows).
  Value copyRows(Value dst, ValueRange dstLead, Value src, RowSource source,
                 int64_t count, int64_t width, int64_t padded,
                 SharedLayout layout = SharedLayout::PaddedRows,
                 int64_t stride = 0);
  /// A [*, width] slab of `src` from element `base` on, copied into `dst`
  /// in rows `padded` wide.
  struct Slab {
    Value dst, src, base;
    int64_t width, padded;
  };
  /// Rows [first, first + count) of each slab, at `dstLead` of its `dst`;
  /// rows at or past `limit` do not exist. Returns the last slab's group.
  Value copySlabs(ArrayRef<Slab> slabs, ValueRange dstLead, Value first,
                  Value limit, int64_t count,
                  SharedLayout layout = SharedLayout::PaddedRows);

private:
  Value cIdx(int64_t v);
  Value add(Value x, Value y);
  Value mulC(Value x, int64_t c);

  OpBuilder &b;
  Location loc;
  Type elem;
  int64_t threads;
  Value tid;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPOPS_H

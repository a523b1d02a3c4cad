//===- TmaTiles.h - K and V tiles through the TMA (sm_90a) ------*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: the sm_90a kernel's K and V tiles
// copied by the tensor memory accelerator instead of cp.async. One thread
// issues cp.async.bulk.tensor loads on the tensor maps the launcher encodes
// (K and V viewed as [B * Hkv, Lk, D], boxes of 64 head-dim columns by
// kv-tile keys, 128-byte swizzle), each box landing as one column block of
// SharedLayout::Swizzled128 (what the wgmma descriptors read). Keys past Lk
// and columns past D are out of the tensor: the TMA fills them with zeros,
// as cp.async's zero fill did. Each buffer's K and V tiles complete on an
// mbarrier of their own (transaction bytes), so S = Q K^T waits only for K;
// a third mbarrier per buffer collects every thread's release of it, which
// the issuing thread waits for before it loads the buffer again.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_TMATILES_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_TMATILES_H

#include "TileProducts.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace attune {
namespace detail {

class TmaTiles {
public:
  /// `shared`: the block's dynamic shared memory laid out as `tiles`;
  /// `keyMap`, `valueMap`: generic pointers to the tensor maps (kernel
  /// parameters); `headRow`: this block's K / V head, kvBatch * Hkv + kvHead
  /// (index).
  TmaTiles(OpBuilder &b, Location loc, const SharedTiles &tiles, Value shared,
           Value keyMap, Value valueMap, Value headRow, int64_t threads);

  /// Run by one thread before any other use: one arrival per phase on the
  /// K and V mbarriers, `threads` on the release ones, made visible to the
  /// async proxy. A block barrier must follow before another thread waits
  /// on them.
  void initBarriers();
  /// Run by one thread: when `copy` (i1), keys [first, first + kvTile) of K
  /// and V into buffer `buffer` (index), completing that buffer's next
  /// phase when they land; otherwise the phase completes without bytes.
  /// Nobody may read the buffer's previous tile any more.
  void issue(Value copy, Value first, Value buffer);
  /// Waits until the buffer's K (V) tile of the phase with parity `parity`
  /// (i32: the buffer's use count modulo 2) has landed.
  void waitKeys(Value buffer, Value parity);
  void waitValues(Value buffer, Value parity);
  /// Every thread, once it no longer reads the buffer (its wgmmas waited
  /// for): arrives on the buffer's release mbarrier.
  void release(Value buffer);
  /// The issuing thread: waits until every thread released the buffer's
  /// use of parity `parity`.
  void waitReleased(Value buffer, Value parity);

private:
  /// mbarrier `which` (0: K landed, 1: V landed, 2: released) of `buffer`
  /// as a shared pointer.
  Value barrier(int64_t which, Value buffer);
  /// Waits until the phase of parity `parity` of that mbarrier completed.
  void wait(int64_t which, Value buffer, Value parity);
  /// Shared byte `offset` (index) as the pointer type `space`.
  Value sharedPointer(Value offset, unsigned space);
  Value i32(int64_t v);
  Value index(int64_t v);
  void load(Value map, int64_t tileOffset, int64_t tileBytes, int64_t columns,
            Value buffer, Value first, Value bar);

  OpBuilder &b;
  Location loc;
  SharedTiles tiles;
  Value keyMap, valueMap, headRow;
  int64_t threads;
  /// The shared memory's address (i64).
  Value base;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_TMATILES_H

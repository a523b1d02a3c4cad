//===- WarpgroupOps.h - wgmma pieces of the sm_90a kernel -----*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: wgmma.mma_async m64nNk16 with A in
// registers or shared memory and B in shared memory, read through matrix
// descriptors in the no-swizzle core-matrix layout
// (SharedLayout::CoreMatrices) or the 128-byte swizzle
// (SharedLayout::Swizzled128), and the fences around it. The
// accumulators are per thread in the layout of mma.sync's m16n8 accumulators,
// warp w of the warpgroup owning rows [16w, 16w + 16): value 4j + e of a thread
// is row g + 8 (e / 2), column 8j + 2t + e % 2 (lane 4g + t), so the
// FlashAttention-2 kernel's softmax and epilogue serve both instruction kinds
// unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPGROUPOPS_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPGROUPOPS_H

#include "WarpOps.h"

#include "mlir/IR/Builders.h"

namespace mlir {
namespace attune {
namespace detail {

/// Threads of a warpgroup, rows of a wgmma's A operand and accumulators.
constexpr int64_t kWarpgroupThreads = 128;
constexpr int64_t kWarpgroupRows = 64;

class WarpgroupOps {
public:
  /// `elem`: the 16-bit operand type (f16 or bf16); `shared`: the block's
  /// dynamic shared memory (memref<?xi8>), which descriptor offsets count
  /// from.
  WarpgroupOps(OpBuilder &b, Location loc, Type elem, Value shared);

  /// The matrix descriptor of an operand at byte `tile` (index) + `offset`
  /// (a multiple of 16) of the dynamic shared memory, with the leading and
  /// stride byte offsets of its layout (PTX: the distances between core
  /// matrices, or for the 128-byte swizzle between 8-row atoms and, N-major,
  /// 64-column blocks). The tile's descriptor is computed once (CSE) and
  /// each k-step's `offset` added to its start address field alone.
  Value descriptor(Value tile, int64_t offset, int64_t leading, int64_t stride,
                   bool swizzled);
  /// Where k-step `k` (16 elements of K) of an R-row tile in `layout` starts
  /// (bytes from the tile's first row, or its warpgroup's) and its
  /// descriptor's {leading, stride}: read with its columns as K (K-major: A,
  /// or B not transposed) or with its rows as K (`nMajor`: B transposed).
  struct Step {
    int64_t offset, leading, stride;
  };
  static Step step(SharedLayout layout, int64_t rows, int64_t k, bool nMajor);

  /// wgmma.fence: orders the registers other instructions wrote (the
  /// accumulators) before the next wgmma reads them.
  void fence();
  /// acc (N / 2 f32 of this thread) = A B, plus acc when `accumulate`:
  /// wgmma.mma_async m64nNk16 with f32 accumulators, N = 2 * acc.size(); B
  /// is read N-major (transposed) when `transposeB`.
  void mma(MutableArrayRef<Value> acc, bool accumulate, Value descA,
           Value descB, bool transposeB);
  /// acc (N / 2 f32) += A B with A in registers: `a`, this thread's four
  /// 32-bit registers of A's 16-bit pairs in mma.sync m16n8k16's A fragment
  /// (rows of the thread's warp), B as in mma() (WgmmaRegisterA).
  void mmaRegisterA(MutableArrayRef<Value> acc, ValueRange a, Value descB,
                    bool transposeB);
  /// Commits the issued wgmmas as a group; waits until at most `pending` of
  /// this thread's groups are in flight (the older ones are done; their
  /// accumulators are readable after).
  void commit();
  void wait(int64_t pending);
  /// fence.proxy.async.shared::cta: makes this thread's generic-proxy
  /// writes of shared memory (stores, landed cp.async copies) visible to
  /// the async proxy wgmma reads through; a barrier must follow for other
  /// threads' wgmmas.
  void proxyFence();

private:
  OpBuilder &b;
  Location loc;
  Type elem;
  /// The shared memory's address (i64).
  Value base;
};

/// FlashAttention-3's ping-pong: `warpgroups` consumer warpgroups take
/// turns issuing their products. Warpgroup w waits for its turn on named
/// barrier `firstBarrier` + w (its 128 threads waiting, the previous
/// warpgroup's 128 arriving) and passes the turn on to w + 1 (mod
/// warpgroups) once its products are issued; the last warpgroup passes the
/// first turn at the start.
class WarpgroupTurns {
public:
  /// `tid`: the thread id (index), below 128 * warpgroups.
  WarpgroupTurns(OpBuilder &b, Location loc, Value tid, int64_t warpgroups,
                 int64_t firstBarrier);
  /// Before the first turn.
  void start();
  /// Waits for this warpgroup's turn; passes it on.
  void take();
  void pass();

private:
  Value i32(int64_t v);

  OpBuilder &b;
  Location loc;
  int64_t warpgroups, firstBarrier;
  /// This thread's warpgroup, its barrier and the next one's (i32).
  Value warpgroup, own, next;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_WARPGROUPOPS_H

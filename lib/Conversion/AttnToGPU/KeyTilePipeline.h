//===- KeyTilePipeline.h - how key tiles reach shared memory ----*- C++ -*-===//
//
// Private to lib/Conversion/AttnToGPU: the schedule of the kernel's K and V
// tiles. With cp.async every thread copies the next tile into the other of
// two buffers while the current one is used, and each step ends with the
// copies' wait and a block barrier. With the TMA (TmaTiles) thread 0 loads
// `stages` - 1 tiles ahead into a ring of buffers, every thread waits on
// mbarriers for the tile it reads and releases it on another: no block
// barrier per step. With a producer warpgroup (warp specialization) one of
// its threads issues every load in a loop of its own (produce) and the
// consumers only wait and release. The kernel (AttentionKernel.cpp) asks
// each step for its buffer and says when it reads K, when V, and when it is
// done.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_LIB_CONVERSION_ATTNTOGPU_KEYTILEPIPELINE_H
#define ATTUNE_LIB_CONVERSION_ATTNTOGPU_KEYTILEPIPELINE_H

#include "TileProducts.h"
#include "TmaTiles.h"

#include "mlir/IR/Builders.h"

#include <functional>
#include <memory>

namespace mlir {
namespace attune {
namespace detail {

class KeyTilePipeline {
public:
  /// Where step i's key tile comes from: its first key, and the limit below
  /// which keys exist (0: nothing to copy, the step is skipped or past the
  /// last).
  using TileSource = std::function<std::pair<Value, Value>(Value step)>;
  /// cp.async: copies the tile of keys [first, first + kv-tile), those at or
  /// past `limit` zero-filled, into `buffer`; returns the copies' group.
  using TileCopy = std::function<Value(Value first, Value limit, Value buffer)>;

  static std::unique_ptr<KeyTilePipeline> cpAsync(OpBuilder &b, Location loc,
                                                  TileSource source,
                                                  TileCopy copy,
                                                  TileProducts &products);
  /// How the TMA's loads are scheduled.
  struct TmaSchedule {
    /// Buffers in the ring.
    int64_t stages = 2;
    /// The intra-warpgroup overlap: the kernel releases each step's buffer
    /// itself, as late as the next step (releaseAt), and thread 0 loads at
    /// the end of a step (endStep) instead of its start.
    bool deferredRelease = false;
    /// Warp specialization: the `consumers` threads (from thread 0) never
    /// load, a producer thread runs `produce`; the consumers' barrier is a
    /// named one over them alone.
    bool producer = false;
    int64_t consumers = 0;
  };
  /// `tid`: the thread id; `tma` issues the loads.
  static std::unique_ptr<KeyTilePipeline> tma(OpBuilder &b, Location loc,
                                              TileSource source, TmaTiles &tma,
                                              Value tid, TmaSchedule schedule,
                                              TileProducts &products);
  virtual ~KeyTilePipeline() = default;

  /// The buffer of loop iteration `use` (index) in a ring of `stages`, use %
  /// stages (index), and the parity of that buffer's use, use / stages % 2
  /// (i32: the mbarrier phase it waits for).
  static Value bufferOf(OpBuilder &b, Location loc, Value use, int64_t stages);
  static Value parityOf(OpBuilder &b, Location loc, Value use, int64_t stages);

  /// Before the Q copies (the TMA's mbarriers).
  virtual void initialize() {}
  /// After the Q copies (`queryCopies`, their group): loads from step
  /// `first` on, then waits for what step 0 reads and shares it.
  virtual void prologue(Value first, Value queryCopies) = 0;
  /// Starts loop iteration `iv` (step `step`): loads ahead (but with the
  /// TMA's deferred release); returns the buffer the step reads.
  virtual Value beginStep(Value iv, Value step) = 0;
  /// Before the step's products read K, and before it is skipped; before
  /// they read V.
  virtual void keysNeeded() {}
  virtual void valuesNeeded() {}
  /// Ends the step (its products done): nobody reads its buffer any more.
  /// With the deferred release: thread 0 loads ahead into the previous
  /// step's buffer, and this step's is released later (releaseAt).
  virtual void endStep() = 0;
  /// Warp specialization only, run by the producer thread: the loads of
  /// steps [first, end) in order, each into its buffer once the consumers
  /// released that buffer's previous use.
  virtual void produce(Value first, Value end) {
    llvm_unreachable("with the TMA's producer only");
  }
  /// Deferred release only: before P V of the step at loop iteration `use`
  /// (the buffer's use) reads V, and once it is done with that buffer.
  virtual void valuesNeededAt(Value use) {
    llvm_unreachable("with the TMA's deferred release only");
  }
  virtual void releaseAt(Value use) {
    llvm_unreachable("with the TMA's deferred release only");
  }

protected:
  KeyTilePipeline(OpBuilder &b, Location loc, TileSource source,
                  TileProducts &products)
      : b(b), loc(loc), source(std::move(source)), products(products) {}
  Value cIdx(int64_t v);

  OpBuilder &b;
  Location loc;
  TileSource source;
  TileProducts &products;
};

} // namespace detail
} // namespace attune
} // namespace mlir

#endif // ATTUNE_LIB_CONVERSION_ATTNTOGPU_KEYTILEPIPELINE_H

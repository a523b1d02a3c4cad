//===- KeyTilePipeline.cpp - how key tiles reach shared memory ------------===//

#include "KeyTilePipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::attune::detail;

Value KeyTilePipeline::cIdx(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

// In 32 bits: a block's steps are far fewer than 2^31, and a 64-bit division
// by a constant costs the loop several instructions more.
static Value useI32(OpBuilder &b, Location loc, Value use) {
  return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), use);
}

static Value i32Constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

Value KeyTilePipeline::bufferOf(OpBuilder &b, Location loc, Value use,
                                int64_t stages) {
  return arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(),
      arith::RemUIOp::create(b, loc, useI32(b, loc, use),
                             i32Constant(b, loc, stages)));
}

Value KeyTilePipeline::parityOf(OpBuilder &b, Location loc, Value use,
                                int64_t stages) {
  return arith::AndIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc, useI32(b, loc, use),
                             i32Constant(b, loc, stages)),
      i32Constant(b, loc, 1));
}

namespace {
Value add(OpBuilder &b, Location loc, Value x, int64_t c) {
  return arith::AddIOp::create(b, loc, x,
                               arith::ConstantIndexOp::create(b, loc, c));
}

/// Every thread copies the next tile into the other buffer at the start of
/// a step; at its end, the copies' wait (and, for wgmma, the async-proxy
/// fence) and a block barrier make it readable and free this one.
class CpAsyncPipeline : public KeyTilePipeline {
public:
  CpAsyncPipeline(OpBuilder &b, Location loc, TileSource source, TileCopy copy,
                  TileProducts &products)
      : KeyTilePipeline(b, loc, std::move(source), products),
        copy(std::move(copy)) {}

  void prologue(Value first, Value queryCopies) override {
    (void)queryCopies; // the wait below covers every group
    auto [key, limit] = source(first);
    Value group = copy(key, limit, cIdx(0));
    landAndShare(group);
  }

  Value beginStep(Value iv, Value step) override {
    Value buffer = bufferOf(b, loc, iv, 2);
    auto [key, limit] = source(add(b, loc, step, 1));
    next = copy(key, limit, arith::SubIOp::create(b, loc, cIdx(1), buffer));
    return buffer;
  }

  void endStep() override { landAndShare(next); }

private:
  void landAndShare(Value group) {
    nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(0));
    products.copiesLanded();
    gpu::BarrierOp::create(b, loc);
  }

  TileCopy copy;
  Value next;
};

/// Thread 0 keeps `stages` - 1 tiles in flight: step j reads buffer
/// j % stages, and at its start thread 0 waits until every thread released
/// the buffer step j - 1 used (its use (j - 1) / stages), then loads step
/// j + stages - 1 into it. Every thread waits for the step's K tile (skipped
/// steps too: a thread then cannot release a buffer's next use before every
/// thread released this one) and, before P V, its V tile, both at the
/// parity of the buffer's use j / stages, and releases the buffer when its
/// wgmmas are done. With `deferred` release the kernel releases buffers
/// (releaseAt) up to a step late, and thread 0's wait and load move to the
/// end of step j: by then every thread released step j - 1's buffer. With a
/// producer, its loop (produce) waits and loads instead of thread 0, as
/// far ahead as the ring allows, and the consumers only wait and release.
class TmaPipeline : public KeyTilePipeline {
public:
  TmaPipeline(OpBuilder &b, Location loc, TileSource source, TmaTiles &tma,
              Value tid, TmaSchedule schedule, TileProducts &products)
      : KeyTilePipeline(b, loc, std::move(source), products), tma(tma),
        tid(tid), stages(schedule.stages), deferred(schedule.deferredRelease),
        schedule(schedule) {}

  void initialize() override {
    onThreadZero([&] { tma.initBarriers(); });
  }

  void prologue(Value first, Value queryCopies) override {
    if (!schedule.producer)
      onThreadZero([&] {
        for (int64_t i = 0; i + 1 < stages; ++i)
          issue(add(b, loc, first, i), cIdx(i));
      });
    // The Q copies (cp.async), fenced for the async proxy and shared; the
    // mbarriers' initialization is shared by the same barrier (with a
    // producer, by a block barrier before the roles part: the consumers'
    // barrier here is a named one over them alone).
    nvgpu::DeviceAsyncWaitOp::create(b, loc, queryCopies,
                                     b.getI32IntegerAttr(0));
    products.copiesLanded();
    if (!schedule.producer) {
      gpu::BarrierOp::create(b, loc);
      return;
    }
    auto i32 = [&](int64_t v) {
      return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
    };
    NVVM::BarrierOp::create(b, loc, TypeRange{}, i32(kConsumerBarrier),
                            i32(schedule.consumers),
                            NVVM::BarrierReductionAttr(), Value());
  }

  Value beginStep(Value iv, Value step) override {
    buffer = bufferOf(b, loc, iv, stages);
    parity = parityOf(iv);
    this->iv = iv;
    this->step = step;
    if (!deferred && !schedule.producer)
      loadAhead();
    return buffer;
  }

  void keysNeeded() override { tma.waitKeys(buffer, parity); }
  void valuesNeeded() override { tma.waitValues(buffer, parity); }
  void endStep() override {
    if (!deferred)
      tma.release(buffer);
    else if (!schedule.producer)
      loadAhead();
  }
  void valuesNeededAt(Value use) override {
    tma.waitValues(bufferOf(b, loc, use, stages), parityOf(use));
  }
  void releaseAt(Value use) override {
    tma.release(bufferOf(b, loc, use, stages));
  }
  /// Iteration k loads step first + k into buffer k % stages, after the
  /// consumers released its use at iteration k - stages.
  void produce(Value first, Value end) override {
    assert(schedule.producer && "the consumers load");
    auto loop = scf::ForOp::create(
        b, loc, cIdx(0), arith::SubIOp::create(b, loc, end, first), cIdx(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k = loop.getInductionVar();
    Value into = bufferOf(b, loc, k, stages);
    auto reused = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, k,
                              cIdx(stages)),
        false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(reused.thenBlock());
      tma.waitReleased(into, parityOf(add(b, loc, k, -stages)));
    }
    issue(arith::AddIOp::create(b, loc, first, k), into);
  }

private:
  /// Thread 0: once every thread released the buffer of iteration iv - 1
  /// (its use (iv - 1) / stages), the loads of step + stages - 1 into it.
  void loadAhead() {
    Value reused = bufferOf(b, loc, add(b, loc, iv, stages - 1), stages);
    onThreadZero([&] {
      auto used = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, iv, cIdx(0)),
          false);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(used.thenBlock());
        tma.waitReleased(reused, parityOf(add(b, loc, iv, -1)));
      }
      issue(add(b, loc, step, stages - 1), reused);
    });
  }

  Value parityOf(Value use) {
    return KeyTilePipeline::parityOf(b, loc, use, stages);
  }
  /// Thread 0: the loads of step i's tile into `into`.
  void issue(Value i, Value into) {
    auto [key, limit] = source(i);
    tma.issue(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, limit, cIdx(0)),
        key, into);
  }
  /// What thread 0 alone does.
  void onThreadZero(function_ref<void()> body) {
    auto first = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, cIdx(0)),
        false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    body();
  }

  /// The consumers' named barrier (0 is the block's).
  static constexpr int64_t kConsumerBarrier = 1;

  TmaTiles &tma;
  Value tid;
  int64_t stages;
  bool deferred;
  TmaSchedule schedule;
  /// The current loop iteration and step, its buffer and its use's parity.
  Value iv, step, buffer, parity;
};
} // namespace

std::unique_ptr<KeyTilePipeline>
KeyTilePipeline::cpAsync(OpBuilder &b, Location loc, TileSource source,
                         TileCopy copy, TileProducts &products) {
  return std::make_unique<CpAsyncPipeline>(b, loc, std::move(source),
                                           std::move(copy), products);
}

std::unique_ptr<KeyTilePipeline>
KeyTilePipeline::tma(OpBuilder &b, Location loc, TileSource source,
                     TmaTiles &tma, Value tid, TmaSchedule schedule,
                     TileProducts &products) {
  return std::make_unique<TmaPipeline>(b, loc, std::move(source), tma, tid,
                                       schedule, products);
}

//===- KeyTileLoops.cpp - the attention kernel's loops over key tiles -----===//
//
// KernelEmitter's loops over the steps (key tiles): the plain one (S, the
// probabilities, P V, one after the other) and FlashAttention-3's
// overlapped one (S_j beside the previous step's P V, with the ping-pong
// between consumer warpgroups), on one skeleton (stepLoop).
//
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"
#include "WarpgroupOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

ValueRange KernelEmitter::stepLoop(KeyTilePipeline &pipeline, Value begin,
                                   Value end, StepAt stepAt, ValueRange init,
                                   SkippedStep skipped, StepBody body) {
  auto loop = scf::ForOp::create(b, loc, cIdx(0),
                                 arith::SubIOp::create(b, loc, end, begin),
                                 cIdx(1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value iv = loop.getInductionVar(), step = add(begin, iv);
  ValueRange args = loop.getRegionIterArgs();
  Value buffer = pipeline.beginStep(iv, step);
  pipeline.keysNeeded();
  Step tile = stepAt(step);
  // A skipped step (a listed block seen before or out of range) runs in the
  // `then` branch, the rest of the step in the `else` branch.
  scf::IfOp skipStep;
  if (tile.skip) {
    skipStep =
        scf::IfOp::create(b, loc, loop.getResultTypes(), tile.skip, true, true);
    b.setInsertionPointToStart(skipStep.thenBlock());
    scf::YieldOp::create(b, loc, skipped(args, iv));
    b.setInsertionPointToStart(skipStep.elseBlock());
  }
  SmallVector<Value> state = body(args, iv, buffer, tile);
  if (skipStep) {
    scf::YieldOp::create(b, loc, state);
    b.setInsertionPointAfter(skipStep);
    state.assign(skipStep.getResults().begin(), skipStep.getResults().end());
  }
  pipeline.endStep();
  scf::YieldOp::create(b, loc, state);
  return loop.getResults();
}

KernelEmitter::RowState
KernelEmitter::steps(TileProducts &products, KeyTilePipeline &pipeline,
                     Value begin, Value end, StepAt stepAt,
                     Probabilities probabilities, Value accInit) {
  const float negInf = -std::numeric_limits<float>::infinity();
  SmallVector<Value> init = {cF32(negInf), cF32(negInf), cF32(0.0f), cF32(0.0f),
                             accInit};
  // A skipped step keeps the state; at every step's end its buffer is free
  // again (and cp.async's next tile landed).
  ValueRange results = stepLoop(
      pipeline, begin, end, stepAt, init,
      [&](ValueRange args, Value) {
        return SmallVector<Value>(args.begin(), args.end());
      },
      [&](ValueRange args, Value, Value buffer, const Step &tile) {
        Value m[2] = {args[0], args[1]}, l[2] = {args[2], args[3]};
        Value acc = args[4];
        Value newM[2], newL[2], alpha[2];
        Value p = probabilities(products.scores(buffer), tile, m, l, newM, newL,
                                alpha);
        if (!sem.isSigmoid())
          acc = rescale(acc, alpha);
        // O += P V.
        SmallVector<Value> o = elementsOf(acc);
        pipeline.valuesNeeded();
        products.accumulate(buffer, p, o);
        acc = vector::FromElementsOp::create(b, loc, acc.getType(), o);
        return SmallVector<Value>{newM[0], newM[1], newL[0], newL[1], acc};
      });
  return {{results[0], results[1]}, {results[2], results[3]}, results[4]};
}

KernelEmitter::RowState
KernelEmitter::overlappedSteps(TileProducts &products,
                               KeyTilePipeline &pipeline, int64_t stages,
                               Value begin, Value end, StepAt stepAt,
                               Probabilities probabilities, Value accInit) {
  const float negInf = -std::numeric_limits<float>::infinity();
  // The loop's state: the row maxima and sums, O, and the pending P V (its
  // P as A registers, the factor O takes before it, whether there is one,
  // and its step's loop iteration: its buffer's use).
  enum { M0, M1, L0, L1, Acc, P, Alpha0, Alpha1, Pending, PendingUse };
  auto pType = VectorType::get({tiling.kvTile / 4}, b.getI32Type());
  Value none = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  Value some = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  SmallVector<Value> init = {
      cF32(negInf),
      cF32(negInf),
      cF32(0.0f),
      cF32(0.0f),
      accInit,
      arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(pType, b.getI32IntegerAttr(0))),
      cF32(1.0f),
      cF32(1.0f),
      none,
      cIdx(0)};
  Type accType = accInit.getType();
  // O rescaled by the pending P V's factor.
  auto rescaled = [&](ValueRange state) -> Value {
    Value alpha[2] = {state[Alpha0], state[Alpha1]};
    return sem.isSigmoid() ? state[Acc] : rescale(state[Acc], alpha);
  };
  // The pending P V issued, not waited for: O (rescaled) += P V over its
  // step's V buffer. Returns O (readable after the wait).
  auto issuePending = [&](ValueRange state, Value acc, Value use) -> Value {
    SmallVector<Value> o = elementsOf(acc);
    products.issueAccumulate(KeyTilePipeline::bufferOf(b, loc, use, stages),
                             elementsOf(state[P]), o);
    return vector::FromElementsOp::create(b, loc, accType, o);
  };
  Value noP = init[P], one = init[Alpha0];
  // The pending P V, if any, issued, waited for and its buffer released.
  auto flush = [&](ValueRange state) {
    auto pending =
        scf::IfOp::create(b, loc, accType, state[Pending], true, true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(pending.thenBlock());
      pipeline.valuesNeededAt(state[PendingUse]);
      Value acc = issuePending(state, rescaled(state), state[PendingUse]);
      products.waitProducts(0);
      pipeline.releaseAt(state[PendingUse]);
      scf::YieldOp::create(b, loc, acc);
      b.setInsertionPointToStart(pending.elseBlock());
      scf::YieldOp::create(b, loc, state[Acc]);
    }
    SmallVector<Value> flushed(state.begin(), state.end());
    flushed[Acc] = pending.getResult(0);
    flushed[Pending] = none;
    // What the next step issues in its place adds nothing (P = 0).
    flushed[P] = noP;
    flushed[Alpha0] = flushed[Alpha1] = one;
    return flushed;
  };

  // The ping-pong: the consumer warpgroups take turns issuing their
  // products (named barriers 2, 3, ...: 1 is the consumers' own).
  std::optional<WarpgroupTurns> turns;
  if (tiling.pingPong && tiling.warps / 4 > 1) {
    turns.emplace(b, loc, tid, tiling.warps / 4, /*firstBarrier=*/2);
    turns->start();
  }
  // A skipped step finishes the pending P V (its buffer must be released
  // before thread 0 loads into it) and releases its own buffer; at every
  // step's end thread 0 loads into the buffer of step j - 1, released by
  // now. Every step takes its turn, skipped or not (the warpgroups skip the
  // same steps); the final flush takes none.
  ValueRange results = stepLoop(
      pipeline, begin, end, stepAt, init,
      [&](ValueRange args, Value iv) {
        if (turns)
          turns->take();
        SmallVector<Value> flushed = flush(args);
        if (turns)
          turns->pass();
        pipeline.releaseAt(iv);
        return flushed;
      },
      [&](ValueRange args, Value iv, Value buffer, const Step &tile) {
        // S_j, then the pending P V behind it; wait for S_j alone. Without one
        // pending, a P V that adds nothing (P = 0, factor 1) over this step's
        // V, so that no branch separates the wgmmas from their waits (ptxas
        // serializes wgmmas in flight across a branch it cannot prove
        // uniform).
        Value use = arith::SelectOp::create(b, loc, args[Pending],
                                            args[PendingUse], iv);
        pipeline.valuesNeededAt(use);
        // O is rescaled before S_j is issued: between the two products'
        // issues no register of an accumulator may be touched, or ptxas
        // waits for S_j there ("warpgroup.wait is injected", C7517) and the
        // products no longer overlap.
        if (turns)
          turns->take();
        Value acc = rescaled(args);
        SmallVector<Value> s = products.issueScores(buffer);
        acc = issuePending(args, acc, use);
        if (turns)
          turns->pass();
        products.waitProducts(1);
        // S_j's probabilities while the P V runs; then it is done and its
        // buffer free.
        Value m[2] = {args[M0], args[M1]}, l[2] = {args[L0], args[L1]};
        Value newM[2], newL[2], alpha[2];
        Value p = probabilities(s, tile, m, l, newM, newL, alpha);
        products.waitProducts(0);
        auto release = scf::IfOp::create(b, loc, args[Pending], false);
        {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(release.thenBlock());
          pipeline.releaseAt(args[PendingUse]);
        }
        return SmallVector<Value>{
            newM[0],
            newM[1],
            newL[0],
            newL[1],
            acc,
            vector::FromElementsOp::create(b, loc, pType,
                                           products.packProbabilities(p)),
            alpha[0],
            alpha[1],
            some,
            iv};
      });
  SmallVector<Value> last = flush(results);
  return {{last[M0], last[M1]}, {last[L0], last[L1]}, last[Acc]};
}

//===- SplitKV.cpp - split-KV decode: key chunks and their exact merge ----===//
//
// A decode problem with few (batch row, KV group) units leaves threads idle.
// Split-KV cuts each unit's key tiles into chunks that run as iterations of
// their own (RowKernel.cpp, writing un-normalized rows and their m, l), then
// merges them exactly, as any two disjoint key sets merge:
//
//   M = max_c m_c,  w_c = exp(m_c - M),  L = sum_c w_c l_c,
//   O = (sum_c w_c O_c) / L,  LSE = M + log(L)      (sigmoid: O = sum_c O_c)
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

#include "attune/Conversion/AttnToCPU/AttnToCPU.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

static constexpr int64_t kChunk = 16;

static constexpr StringLiteral kThreadCount = "omp_get_max_threads";

LogicalResult attune::declareThreadCountQuery(Operation *root) {
  Operation *table = root->hasTrait<OpTrait::SymbolTable>()
                         ? root
                         : SymbolTable::getNearestSymbolTable(root);
  if (!table)
    return root->emitError("convert-attn-to-cpu: openmp-threads needs a "
                           "symbol table to declare ")
           << kThreadCount << " in";
  if (SymbolTable::lookupSymbolIn(table, kThreadCount))
    return success();
  OpBuilder b = OpBuilder::atBlockBegin(&table->getRegion(0).front());
  auto decl = func::FuncOp::create(
      b, root->getLoc(), kThreadCount,
      b.getFunctionType({}, {b.getI32Type()}));
  decl.setPrivate();
  return success();
}

/// The number of key chunks: the option, or at run time a cost model. With
/// T threads and U = batch x KV groups units of work, the units alone keep
/// min(U, T) threads busy; splitting each unit into C chunks gives U * C
/// work items. C is the largest power of two (so chunks divide evenly among
/// an even number of threads) with U * C <= 2 T (two items per thread, for
/// balance) and chunks of at least 4096 keys (below that the merge and the
/// per-chunk setup outweigh the parallelism), at most 8.
Value FusedEmitter::kvSplitCount() {
  if (tiling.kvSplits > 0)
    return cIdx(tiling.kvSplits);
  Value units = mul(batch, cIdx(op.getNumQueryHeads() / sem.groupSize()));
  Value threads = cIdx(1);
  if (tiling.openmpThreads) {
    auto call = func::CallOp::create(b, loc, kThreadCount,
                                     TypeRange{b.getI32Type()}, ValueRange{});
    threads = arith::MaxSIOp::create(
        b, loc,
        arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                   call.getResult(0)),
        cIdx(1));
  }
  Value budget = mul(threads, cIdx(2));
  Value chunks = cIdx(1);
  for (int64_t n : {2, 4, 8}) {
    Value longEnough = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::uge, kvLen, cIdx(4096 * n));
    Value fits = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                       mul(units, cIdx(n)), budget);
    chunks = arith::SelectOp::create(
        b, loc, arith::AndIOp::create(b, loc, longEnough, fits), cIdx(n),
        chunks);
  }
  return chunks;
}

/// Merges the chunks' rows exactly:  M = max_c m_c,  w_c = exp(m_c - base(M)),
/// L = sum_c w_c l_c,  O = (sum_c w_c O_c) / L  (sigmoid: O = sum_c O_c).
void FusedEmitter::mergeKvSplits(Value bi, Value unit, const KvSplit &split) {
  int64_t valueDim = op.getValueHeadDim();
  Type outElement = cast<MemRefType>(out.getType()).getElementType();
  Value numRows = mul(qLen, cIdx(sem.groupSize()));
  auto stat = [&](Value c, int64_t which, Value r) -> Value {
    return memref::LoadOp::create(b, loc, split.stats,
                                  ValueRange{bi, unit, c, cIdx(which), r});
  };
  bool sigmoid = sem.isSigmoid();
  forLoop(cIdx(0), numRows, 1, [&](Value r) {
    Value head, pos;
    std::tie(head, pos) = rowOrigin(unit, r);
    Value base, inv = cF32(1.0f);
    // w_c = exp(m_c - base), the weight of chunk c's rows.
    auto weight = [&](Value c) -> Value {
      return math::ExpOp::create(
          b, loc, arith::SubFOp::create(b, loc, stat(c, 0, r), base));
    };
    if (!sigmoid) {
      Value m = foldLoop(
          split.chunks, cF32(-std::numeric_limits<float>::infinity()),
          [&](Value c, Value acc) {
            return arith::MaximumFOp::create(b, loc, acc, stat(c, 0, r));
          });
      base = TileSemantics::exponentBase(b, loc, m);
      Value l = foldLoop(split.chunks, cF32(0.0f), [&](Value c, Value acc) {
        return arith::AddFOp::create(
            b, loc, acc, arith::MulFOp::create(b, loc, weight(c), stat(c, 1, r)));
      });
      Value rowLse;
      std::tie(inv, rowLse) = TileSemantics::finishRows(b, loc, m, l);
      if (lse)
        memref::StoreOp::create(b, loc, rowLse, lse, ValueRange{bi, head, pos});
    }
    for (int64_t e = 0; e < valueDim; e += kChunk) {
      Value o = foldLoop(split.chunks, splatF32(0.0f), [&](Value c, Value acc) {
        Value part = vector::LoadOp::create(b, loc, rowType, split.outs,
                                            ValueRange{bi, unit, c, r, cIdx(e)});
        if (!sigmoid)
          part = arith::MulFOp::create(b, loc, part, bcast(weight(c)));
        return arith::AddFOp::create(b, loc, acc, part);
      });
      o = arith::MulFOp::create(b, loc, o, bcast(inv));
      if (!outElement.isF32())
        o = arith::TruncFOp::create(b, loc,
                                    VectorType::get({kChunk}, outElement), o);
      vector::StoreOp::create(b, loc, o, out, ValueRange{bi, head, pos, cIdx(e)});
    }
  });
}

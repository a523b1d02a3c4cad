//===- AmxKernels.cpp - the query-tile kernel's products on AMX tiles -----===//
//
// With AMX (tdpbf16ps: a 16x16 f32 tile += a 16x32 bf16 tile times a 32x16
// bf16 tile held in pairs along the reduction), both products of a key tile
// run on tiles, in the transposed form the vector kernels use:
//
//   S^T[j, r] += sum_d K[j, d] Q[r, d]   A = K rows as they lie, B = Qp
//   Ot[e, r]  += sum_j V[j, e] P[r, j]   A = Vt rows, B = Pp
//
// Qp and Pp are the dot-product kernels' packings (pairs along d, pairs of
// keys), which is exactly AMX's layout of the second operand. The first
// operand of the second product needs V transposed; transposeValues does it
// once per call, so every query tile reads it as it reads K. Scores, masks,
// modifiers and the online softmax stay the vector code's (FusedEmitter.cpp):
// only the two products change.
//
//===----------------------------------------------------------------------===//

#include "FusedEmitter.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// Keys per block of the V transposition (one A tile's row of bf16).
static constexpr int64_t kTileKeys = 32;

namespace {
/// A block of accumulator tiles updated together: `rows` x `cols` 16x16 f32
/// tiles, `rows` first and `cols` second operands per step (2 x 2: all 8
/// tile registers). Independent accumulators keep the tile unit busy; one
/// accumulator at a time waits out tdpbf16ps's latency at every step.
struct TileBlock {
  int64_t rows, cols, steps;
  llvm::function_ref<Value(int64_t i, int64_t j)> init;
  llvm::function_ref<Value(int64_t i, int64_t step)> first;
  llvm::function_ref<Value(int64_t j, int64_t step)> second;
  llvm::function_ref<void(int64_t i, int64_t j, Value acc)> store;
};
} // namespace

static void emitTileBlock(OpBuilder &b, Location loc, const TileBlock &block) {
  auto accumulator = amx::TileType::get({16, 16}, b.getF32Type());
  SmallVector<Value> acc;
  for (int64_t i = 0; i < block.rows; ++i)
    for (int64_t j = 0; j < block.cols; ++j)
      acc.push_back(block.init(i, j));
  for (int64_t step = 0; step < block.steps; ++step) {
    SmallVector<Value> lhs, rhs;
    for (int64_t i = 0; i < block.rows; ++i)
      lhs.push_back(block.first(i, step));
    for (int64_t j = 0; j < block.cols; ++j)
      rhs.push_back(block.second(j, step));
    for (int64_t i = 0; i < block.rows; ++i)
      for (int64_t j = 0; j < block.cols; ++j) {
        Value &a = acc[i * block.cols + j];
        a = amx::TileMulFOp::create(b, loc, accumulator, lhs[i], rhs[j], a);
      }
  }
  for (int64_t i = 0; i < block.rows; ++i)
    for (int64_t j = 0; j < block.cols; ++j)
      block.store(i, j, acc[i * block.cols + j]);
}

/// 16-row groups per accumulator block: two when the tile's groups pair up,
/// else one (a tile of 16 or 48 rows).
static int64_t rowGroupsPerBlock(int64_t tileRows) {
  return (tileRows / 16) % 2 == 0 ? 2 : 1;
}

bool FusedEmitter::useAmx() {
  return tiling.amx && !amxRefused && useBf16Dot() &&
         op.getHeadDim() % 32 == 0 && op.getValueHeadDim() % 16 == 0 &&
         tiling.kvTile % kTileKeys == 0;
}

Value FusedEmitter::requestAmxState() {
  // arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) as a raw system
  // call (no libc symbol to link): Linux >= 5.16 faults on the first tile
  // instruction of a process that has not asked.
  auto i64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v))
        .getResult();
  };
  constexpr int64_t kArchPrctl = 158, kReqXcompPerm = 0x1023,
                    kXfeatureXtiledata = 18;
  auto call = LLVM::InlineAsmOp::create(
      b, loc, b.getI64Type(),
      ValueRange{i64(kArchPrctl), i64(kReqXcompPerm), i64(kXfeatureXtiledata)},
      b.getStringAttr("syscall"),
      b.getStringAttr("={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}"),
      b.getUnitAttr(), UnitAttr(),
      LLVM::TailCallKindAttr::get(b.getContext(),
                                  LLVM::tailcallkind::TailCallKind::None),
      LLVM::AsmDialectAttr(), ArrayAttr());
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                               call.getResult(0), i64(0));
}

Value FusedEmitter::transposeValues() {
  int64_t valueDim = op.getValueHeadDim();
  auto vType = cast<MemRefType>(v.getType());
  Type bf16 = b.getBF16Type();
  // One contiguous Dv x kvTile block per key tile (tile loads then stay
  // within a few pages; rows of a plain [Dv, Lk] transpose lie Lk apart),
  // zero past the keys.
  int64_t kvTile = tiling.kvTile;
  Value tiles = arith::CeilDivUIOp::create(b, loc, kvExtent, cIdx(kvTile));
  auto type = MemRefType::get({ShapedType::kDynamic, vType.getDimSize(1),
                               ShapedType::kDynamic, valueDim, kvTile},
                              bf16);
  Value vt = memref::AllocOp::create(b, loc, type, ValueRange{batch, tiles},
                                     b.getI64IntegerAttr(64));
  VectorType row = VectorType::get({16}, bf16);
  VectorType block = VectorType::get({kTileKeys, 16}, bf16);
  Value zero = cIdx(0), one = cIdx(1);
  scf::ParallelOp::create(
      b, loc, ValueRange{zero, zero, zero},
      ValueRange{batch, cIdx(vType.getDimSize(1)),
                 mul(tiles, cIdx(kvTile / kTileKeys))},
      ValueRange{one, one, one}, [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value bi = ivs[0], head = ivs[1];
        RowKeys rowKeys(*this, bi);
        Value first = mul(ivs[2], cIdx(kTileKeys));
        Value tile = arith::DivUIOp::create(b, loc, first, cIdx(kvTile));
        Value inTile = arith::RemUIOp::create(b, loc, first, cIdx(kvTile));
        Value anyKey = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             first, kvLen);
        Value zeros = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(row, b.getZeroAttr(bf16)));
        Value zeroBlock = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(block, b.getZeroAttr(bf16)));
        forLoop(cIdx(0), cIdx(valueDim), 16, [&](Value e) {
          // 32 keys x 16 columns, keys past the row's count as 0 (no load
          // at all when the block has none: Lk may be 0).
          auto gather = scf::IfOp::create(b, loc, TypeRange{block}, anyKey,
                                          /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard g2(b);
            b.setInsertionPointToStart(gather.thenBlock());
            Value lastKey = sub(kvLen, cIdx(1));
            Value keys = zeroBlock;
            for (int64_t i = 0; i < kTileKeys; ++i) {
              Value key = add(first, cIdx(i));
              Value x = vector::LoadOp::create(
                  b, loc, row, v,
                  ValueRange{bi, head, minIdx(key, lastKey), e});
              Value live = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ult, key, kvLen);
              x = arith::SelectOp::create(b, loc, live, x, zeros);
              keys = vector::InsertOp::create(b, loc, x, keys,
                                              ArrayRef<int64_t>{i});
            }
            scf::YieldOp::create(b, loc, ValueRange{keys});
            b.setInsertionPointToStart(gather.elseBlock());
            scf::YieldOp::create(b, loc, ValueRange{zeroBlock});
          }
          Value t = vector::TransposeOp::create(b, loc, gather.getResult(0),
                                                ArrayRef<int64_t>{1, 0});
          for (int64_t i = 0; i < 16; ++i)
            vector::StoreOp::create(
                b, loc,
                vector::ExtractOp::create(b, loc, t, ArrayRef<int64_t>{i}), vt,
                ValueRange{bi, head, tile, add(e, cIdx(i)), inTile});
        });
      });
  return vt;
}

/// scores[j, :] = rowScale * S^T[j, :] for the key tile (S^T alone without
/// rowScale: the softmax scales), 16 x 16 tiles. A
/// tile reaching past the row's keys reads its K rows from `keyStage`
/// (clamped to the last key, as the vector kernels read them; the mask
/// hides them), so nothing past the buffer is loaded.
void FusedEmitter::scoreTileAmx(Value qp, Value bi, Value kvHead,
                                Value keyBegin, Value scores, Value rowScale,
                                Value keyStage) {
  int64_t kvTile = tiling.kvTile, headDim = op.getHeadDim();
  Type bf16 = b.getBF16Type();
  auto operand = amx::TileType::get({16, 32}, bf16);
  auto accumulator = amx::TileType::get({16, 16}, b.getF32Type());
  // 2 x 2 blocks of S^T tiles (two 16-key groups x two 16-row groups).
  int64_t rowCols = rowGroupsPerBlock(tileRows);
  auto emitTiles = [&](llvm::function_ref<Value(Value, int64_t)> loadKeys) {
    forLoop(cIdx(0), cIdx(tileRows), 16 * rowCols, [&](Value r) {
      for (int64_t j = 0; j < kvTile; j += 32) {
        auto rowOf = [&](int64_t col) { return add(r, cIdx(16 * col)); };
        emitTileBlock(
            b, loc,
            TileBlock{2, rowCols, headDim / 32,
                      [&](int64_t, int64_t) -> Value {
                        return amx::TileZeroOp::create(b, loc, accumulator);
                      },
                      [&](int64_t i, int64_t step) {
                        return loadKeys(cIdx(j + 16 * i), 32 * step);
                      },
                      [&](int64_t col, int64_t step) -> Value {
                        return amx::TileLoadOp::create(
                            b, loc, operand, qp,
                            ValueRange{cIdx(16 * step),
                                       mul(rowOf(col), cIdx(2))});
                      },
                      [&](int64_t i, int64_t col, Value acc) {
                        amx::TileStoreOp::create(
                            b, loc, scores,
                            ValueRange{cIdx(j + 16 * i), rowOf(col)}, acc);
                      }});
      }
    });
  };
  Value inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                         add(keyBegin, cIdx(kvTile)), kvLen);
  scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &tb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
        emitTiles([&](Value j, int64_t d) {
          return amx::TileLoadOp::create(
              b, loc, operand, k,
              ValueRange{bi, kvHead, add(keyBegin, j), cIdx(d)});
        });
      },
      [&](OpBuilder &eb, Location) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(scf::YieldOp::create(eb, loc, ValueRange{}));
        Value lastKey = sub(kvLen, cIdx(1));
        VectorType chunk = VectorType::get({32}, bf16);
        forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
          Value key = minIdx(add(keyBegin, j), lastKey);
          for (int64_t d = 0; d < headDim; d += 32)
            vector::StoreOp::create(
                b, loc,
                vector::LoadOp::create(b, loc, chunk, k,
                                       ValueRange{bi, kvHead, key, cIdx(d)}),
                keyStage, ValueRange{j, cIdx(d)});
        });
        emitTiles([&](Value j, int64_t d) {
          return amx::TileLoadOp::create(b, loc, operand, keyStage,
                                         ValueRange{j, cIdx(d)});
        });
      });
  if (!rowScale)
    return;
  forLoop(cIdx(0), cIdx(kvTile), 1, [&](Value j) {
    Value s =
        vector::LoadOp::create(b, loc, rowType, scores, ValueRange{j, cIdx(0)});
    vector::StoreOp::create(b, loc, arith::MulFOp::create(b, loc, s, rowScale),
                            scores, ValueRange{j, cIdx(0)});
  });
}

/// ot = alpha * ot + Vt P^T over the whole key tile (P is 0 past the row's
/// keys and Vt is 0 there). The rescale pass runs only when some row's
/// maximum moved (alpha != 1).
void FusedEmitter::valueTileAmx(Value pp, Value bi, Value kvHead,
                                Value keyBegin, Value alpha, Value ot) {
  int64_t kvTile = tiling.kvTile, valueDim = op.getValueHeadDim();
  if (alpha) {
    Value moved = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                        alpha, splatF32(1.0f));
    Value anyMoved =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::OR, moved);
    scf::IfOp::create(b, loc, anyMoved, [&](OpBuilder &tb, Location) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(scf::YieldOp::create(tb, loc, ValueRange{}));
      forLoop(cIdx(0), cIdx(valueDim), 1, [&](Value e) {
        Value o =
            vector::LoadOp::create(b, loc, rowType, ot, ValueRange{e, cIdx(0)});
        vector::StoreOp::create(b, loc, arith::MulFOp::create(b, loc, o, alpha),
                                ot, ValueRange{e, cIdx(0)});
      });
    });
  }
  auto operand = amx::TileType::get({16, 32}, b.getBF16Type());
  auto accumulator = amx::TileType::get({16, 16}, b.getF32Type());
  // 2 x 2 blocks of Ot tiles (two 16-column groups x two 16-row groups; a
  // last single column group when Dv / 16 is odd).
  int64_t rowCols = rowGroupsPerBlock(tileRows);
  Value keyTile = arith::DivUIOp::create(b, loc, keyBegin, cIdx(kvTile));
  forLoop(cIdx(0), cIdx(tileRows), 16 * rowCols, [&](Value r) {
    auto rowOf = [&](int64_t col) { return add(r, cIdx(16 * col)); };
    for (int64_t e = 0; e < valueDim; e += 32) {
      int64_t columns = std::min<int64_t>(2, (valueDim - e) / 16);
      emitTileBlock(
          b, loc,
          TileBlock{
              columns, rowCols, kvTile / kTileKeys,
              [&](int64_t i, int64_t col) -> Value {
                return amx::TileLoadOp::create(
                    b, loc, accumulator, ot,
                    ValueRange{cIdx(e + 16 * i), rowOf(col)});
              },
              [&](int64_t i, int64_t step) -> Value {
                return amx::TileLoadOp::create(
                    b, loc, operand, valuesT,
                    ValueRange{bi, kvHead, keyTile, cIdx(e + 16 * i),
                               cIdx(kTileKeys * step)});
              },
              [&](int64_t col, int64_t step) -> Value {
                return amx::TileLoadOp::create(
                    b, loc, operand, pp,
                    ValueRange{cIdx(16 * step), mul(rowOf(col), cIdx(2))});
              },
              [&](int64_t i, int64_t col, Value acc) {
                amx::TileStoreOp::create(
                    b, loc, ot, ValueRange{cIdx(e + 16 * i), rowOf(col)}, acc);
              }});
    }
  });
}

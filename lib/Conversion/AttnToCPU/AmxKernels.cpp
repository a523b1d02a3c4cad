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

bool FusedEmitter::useAmx() {
  return tiling.amx && useBf16Dot() && op.getHeadDim() % 32 == 0 &&
         op.getValueHeadDim() % 16 == 0 && tiling.kvTile % kTileKeys == 0;
}

void FusedEmitter::requestAmxState() {
  // arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) as a raw system
  // call (no libc symbol to link): Linux >= 5.16 faults on the first tile
  // instruction of a process that has not asked.
  auto i64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v))
        .getResult();
  };
  constexpr int64_t kArchPrctl = 158, kReqXcompPerm = 0x1023,
                    kXfeatureXtiledata = 18;
  LLVM::InlineAsmOp::create(
      b, loc, b.getI64Type(),
      ValueRange{i64(kArchPrctl), i64(kReqXcompPerm), i64(kXfeatureXtiledata)},
      b.getStringAttr("syscall"),
      b.getStringAttr("={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}"),
      b.getUnitAttr(), UnitAttr(),
      LLVM::TailCallKindAttr::get(b.getContext(),
                                  LLVM::tailcallkind::TailCallKind::None),
      LLVM::AsmDialectAttr(), ArrayAttr());
}

Value FusedEmitter::transposeValues() {
  int64_t valueDim = op.getValueHeadDim();
  auto vType = cast<MemRefType>(v.getType());
  Type bf16 = b.getBF16Type();
  // Whole 32-key blocks, and one key tile of zeros past them: a key tile
  // starting below Lk never reads past the end.
  Value blocks = arith::CeilDivUIOp::create(b, loc, kvExtent, cIdx(kTileKeys));
  Value padded = add(mul(blocks, cIdx(kTileKeys)), cIdx(tiling.kvTile));
  auto type = MemRefType::get({ShapedType::kDynamic, vType.getDimSize(1),
                               valueDim, ShapedType::kDynamic},
                              bf16);
  Value vt = memref::AllocOp::create(b, loc, type, ValueRange{batch, padded},
                                     b.getI64IntegerAttr(64));
  VectorType row = VectorType::get({16}, bf16);
  VectorType block = VectorType::get({kTileKeys, 16}, bf16);
  Value zero = cIdx(0), one = cIdx(1);
  scf::ParallelOp::create(
      b, loc, ValueRange{zero, zero, zero},
      ValueRange{batch, cIdx(vType.getDimSize(1)),
                 arith::CeilDivUIOp::create(b, loc, padded, cIdx(kTileKeys))},
      ValueRange{one, one, one}, [&](OpBuilder &nb, Location, ValueRange ivs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value bi = ivs[0], head = ivs[1];
        RowKeys rowKeys(*this, bi);
        Value first = mul(ivs[2], cIdx(kTileKeys));
        Value anyKey = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             first, kvLen);
        Value zeros = arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(row, b.getZeroAttr(bf16)));
        forLoop(cIdx(0), cIdx(valueDim), 16, [&](Value e) {
          // 32 keys x 16 columns, keys past the row's count as 0 (no load
          // at all when the block has none: Lk may be 0).
          auto gather = scf::IfOp::create(b, loc, TypeRange{block}, anyKey,
                                          /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard g2(b);
            b.setInsertionPointToStart(gather.thenBlock());
            Value lastKey = sub(kvLen, cIdx(1));
            Value tile = arith::ConstantOp::create(
                b, loc, DenseElementsAttr::get(block, b.getZeroAttr(bf16)));
            for (int64_t i = 0; i < kTileKeys; ++i) {
              Value key = add(first, cIdx(i));
              Value x = vector::LoadOp::create(
                  b, loc, row, v,
                  ValueRange{bi, head, minIdx(key, lastKey), e});
              Value live = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ult, key, kvLen);
              x = arith::SelectOp::create(b, loc, live, x, zeros);
              tile = vector::InsertOp::create(b, loc, x, tile,
                                              ArrayRef<int64_t>{i});
            }
            scf::YieldOp::create(b, loc, ValueRange{tile});
            b.setInsertionPointToStart(gather.elseBlock());
            scf::YieldOp::create(
                b, loc,
                ValueRange{arith::ConstantOp::create(
                    b, loc,
                    DenseElementsAttr::get(block, b.getZeroAttr(bf16)))});
          }
          Value t = vector::TransposeOp::create(b, loc, gather.getResult(0),
                                                ArrayRef<int64_t>{1, 0});
          for (int64_t i = 0; i < 16; ++i)
            vector::StoreOp::create(
                b, loc,
                vector::ExtractOp::create(b, loc, t, ArrayRef<int64_t>{i}), vt,
                ValueRange{bi, head, add(e, cIdx(i)), first});
        });
      });
  return vt;
}

/// scores[j, :] = rowScale * S^T[j, :] for the key tile, 16 x 16 tiles. A
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
  auto emitTiles = [&](llvm::function_ref<Value(Value, int64_t)> loadKeys) {
    forLoop(cIdx(0), cIdx(kvTile), 16, [&](Value j) {
      forLoop(cIdx(0), cIdx(tileRows), 16, [&](Value r) {
        Value acc = amx::TileZeroOp::create(b, loc, accumulator);
        for (int64_t d = 0; d < headDim; d += 32) {
          Value query = amx::TileLoadOp::create(
              b, loc, operand, qp, ValueRange{cIdx(d / 2), mul(r, cIdx(2))});
          acc = amx::TileMulFOp::create(b, loc, accumulator, loadKeys(j, d),
                                        query, acc);
        }
        amx::TileStoreOp::create(b, loc, scores, ValueRange{j, r}, acc);
      });
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
  forLoop(cIdx(0), cIdx(valueDim), 16, [&](Value e) {
    forLoop(cIdx(0), cIdx(tileRows), 16, [&](Value r) {
      Value acc =
          amx::TileLoadOp::create(b, loc, accumulator, ot, ValueRange{e, r});
      for (int64_t j = 0; j < kvTile; j += kTileKeys) {
        Value values = amx::TileLoadOp::create(
            b, loc, operand, valuesT,
            ValueRange{bi, kvHead, e, add(keyBegin, cIdx(j))});
        Value probs = amx::TileLoadOp::create(
            b, loc, operand, pp, ValueRange{cIdx(j / 2), mul(r, cIdx(2))});
        acc = amx::TileMulFOp::create(b, loc, accumulator, values, probs, acc);
      }
      amx::TileStoreOp::create(b, loc, ot, ValueRange{e, r}, acc);
    });
  });
}

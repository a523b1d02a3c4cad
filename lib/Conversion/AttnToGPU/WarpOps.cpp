//===- WarpOps.cpp - warp-level building blocks of the GPU kernel ---------===//

#include "WarpOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attune::detail;

Value WarpOps::cIdx(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}
Value WarpOps::add(Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value WarpOps::mulC(Value x, int64_t c) {
  return c == 1 ? x : arith::MulIOp::create(b, loc, x, cIdx(c)).getResult();
}

Value WarpOps::mmaRegister(Value pair) {
  if (elem.isF16())
    return pair;
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
}

void WarpOps::mma(ArrayRef<Value> a, ArrayRef<Value> bReg,
                  MutableArrayRef<Value> acc) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto result = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  NVVM::MMATypes type =
      elem.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
  auto op = NVVM::MmaOp::create(
      b, loc, result, a, bReg, ValueRange(ArrayRef<Value>(acc)), {16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  for (int64_t i = 0; i < 4; ++i)
    acc[i] =
        LLVM::ExtractValueOp::create(b, loc, op.getRes(), ArrayRef<int64_t>{i});
}

SmallVector<Value, 4> WarpOps::loadMatrices(Value tile, ValueRange indices,
                                            bool transpose) {
  auto type = VectorType::get({4, 2}, elem);
  Value regs =
      nvgpu::LdMatrixOp::create(b, loc, type, tile, indices, transpose, 4);
  SmallVector<Value, 4> result;
  for (int64_t i = 0; i < 4; ++i)
    result.push_back(mmaRegister(
        vector::ExtractOp::create(b, loc, regs, ArrayRef<int64_t>{i})));
  return result;
}

Value WarpOps::copySlabs(ArrayRef<Slab> slabs, ValueRange dstLead, Value first,
                         Value limit, int64_t count, SharedLayout layout) {
  // Every step's tile but the one the limit cuts (and the skipped ones,
  // whose limit is 0) lies wholly below the limit: its copies go unguarded,
  // at constant offsets from one address (FlashAttention-2's even tiles,
  // decided per step). The cut tile guards each row and points those past
  // the limit at row 0, which its zero-fill does not read. A tile that
  // starts below 0 (a block list's negative entry: skipped, limit 0) is not
  // whole even where its end is not past the limit (-64 + 64 <= 0).
  using P = arith::CmpIPredicate;
  Value whole = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, P::ult, first, limit),
      arith::CmpIOp::create(b, loc, P::ule, add(first, cIdx(count)), limit));
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  auto branch = scf::IfOp::create(b, loc, TypeRange{tokenType}, whole,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  auto copyAll = [&](bool guarded) {
    Value exists = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    Value group;
    for (const Slab &slab : slabs)
      group = copyRows(
          slab.dst, dstLead, slab.src,
          [&](Value row) -> std::pair<Value, Value> {
            Value index = add(first, row);
            if (!guarded)
              return {exists, add(slab.base, mulC(index, slab.width))};
            Value valid = arith::CmpIOp::create(b, loc, P::ult, index, limit);
            Value clamped =
                arith::SelectOp::create(b, loc, valid, index, cIdx(0));
            return {valid, add(slab.base, mulC(clamped, slab.width))};
          },
          count, slab.width, slab.padded, layout, guarded ? 0 : slab.width);
    scf::YieldOp::create(b, loc, group);
  };
  b.setInsertionPointToStart(branch.thenBlock());
  copyAll(/*guarded=*/false);
  b.setInsertionPointToStart(branch.elseBlock());
  copyAll(/*guarded=*/true);
  return branch.getResult(0);
}

Value WarpOps::copyRows(Value dst, ValueRange dstLead, Value src,
                        RowSource source, int64_t count, int64_t width,
                        int64_t padded, SharedLayout layout, int64_t stride) {
  assert((layout != SharedLayout::CoreMatrices || count % 8 == 0) &&
         "core matrices hold whole groups of 8 rows");
  int64_t chunksPerRow = padded / 8;
  int64_t chunks = count * chunksPerRow;
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  SmallVector<Value> tokens;
  // canLowerToGPU makes `chunks` a multiple of the block's threads.
  // Chunk `chunk`'s tile row and column: padded rows, row chunk /
  // chunksPerRow and column 8 * (chunk % chunksPerRow); core matrices, see
  // below.
  auto place = [&](Value chunk) -> std::pair<Value, Value> {
    if (layout != SharedLayout::CoreMatrices) {
      // Swizzled: 8 consecutive threads fill the 128 bytes of one row.
      return {
          arith::DivUIOp::create(b, loc, chunk, cIdx(chunksPerRow)),
          mulC(arith::RemUIOp::create(b, loc, chunk, cIdx(chunksPerRow)), 8)};
    }
    // Groups of 8 rows; inside one, chunk 8 j + i is row i of column j.
    Value group = arith::DivUIOp::create(b, loc, chunk, cIdx(8 * chunksPerRow));
    Value inGroup =
        arith::RemUIOp::create(b, loc, chunk, cIdx(8 * chunksPerRow));
    return {
        add(mulC(group, 8), arith::RemUIOp::create(b, loc, inGroup, cIdx(8))),
        mulC(arith::DivUIOp::create(b, loc, inGroup, cIdx(8)), 8)};
  };
  // When the block's threads fill whole rows (whole groups of 8 rows), a
  // thread's chunks share its column and lie threads / chunksPerRow rows
  // apart: one placement, then constant offsets.
  int64_t period =
      layout == SharedLayout::CoreMatrices ? 8 * chunksPerRow : chunksPerRow;
  std::optional<std::pair<Value, Value>> first;
  if (threads % period == 0)
    first = place(tid);
  // Where a row's chunk at `col` comes from: (whether it exists, the
  // element offset). Padding columns are zero-filled, their source address
  // kept in the row.
  auto locate = [&](std::pair<Value, Value> rowSource,
                    Value col) -> std::pair<Value, Value> {
    auto [valid, start] = rowSource;
    if (padded == width)
      return {valid, add(start, col)};
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, col,
                                         cIdx(width));
    return {arith::AndIOp::create(b, loc, valid, inside),
            add(start, arith::SelectOp::create(b, loc, inside, col, cIdx(0)))};
  };
  // Rows `stride` apart, all existing: the thread's first chunk located
  // once, the others at constant offsets from it (the constant outermost,
  // where the address's immediate takes it).
  std::optional<std::pair<Value, Value>> firstSource;
  if (stride && first)
    firstSource = locate(source(first->first), first->second);
  for (int64_t c = 0; c * threads < chunks; ++c) {
    // Chunk `tid + c * threads`.
    int64_t rowOffset = first ? c * threads / chunksPerRow : 0;
    auto [row, col] = first ? std::make_pair(add(first->first, cIdx(rowOffset)),
                                             first->second)
                            : place(c ? add(tid, cIdx(c * threads)) : tid);
    auto [valid, srcIndex] =
        firstSource
            ? std::make_pair(firstSource->first,
                             add(firstSource->second, cIdx(rowOffset * stride)))
            : locate(source(row), col);
    SmallVector<Value> dstIndices(dstLead);
    if (layout == SharedLayout::PaddedRows)
      dstIndices.append({row, col});
    else if (layout == SharedLayout::Swizzled128)
      dstIndices.append(
          {arith::DivUIOp::create(b, loc, col, cIdx(64)), row,
           arith::XOrIOp::create(
               b, loc,
               arith::DivUIOp::create(
                   b, loc, arith::RemUIOp::create(b, loc, col, cIdx(64)),
                   cIdx(8)),
               arith::RemUIOp::create(b, loc, row, cIdx(8))),
           cIdx(0)});
    else
      dstIndices.append({arith::DivUIOp::create(b, loc, col, cIdx(8)),
                         arith::DivUIOp::create(b, loc, row, cIdx(8)),
                         arith::RemUIOp::create(b, loc, row, cIdx(8)),
                         cIdx(0)});
    // A row known to exist copies whole (no source size).
    Value elements =
        matchPattern(valid, m_One())
            ? Value()
            : arith::SelectOp::create(b, loc, valid, cIdx(8), cIdx(0));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, loc, tokenType, dst, dstIndices, src, ValueRange{srcIndex},
        b.getIndexAttr(8), elements, b.getUnitAttr()));
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens);
}

//===- WarpOps.cpp - warp-level building blocks of the GPU kernel ---------===//

#include "WarpOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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

Value WarpOps::copySlab(Value dst, ValueRange dstLead, Value src, Value base,
                        Value first, Value limit, int64_t count, int64_t width,
                        int64_t padded, SharedLayout layout) {
  return copyRows(
      dst, dstLead, src,
      [&](Value row) -> std::pair<Value, Value> {
        Value index = add(first, row);
        Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            index, limit);
        Value start = add(
            base, mulC(arith::SelectOp::create(b, loc, valid, index, cIdx(0)),
                       width));
        return {valid, start};
      },
      count, width, padded, layout);
}

Value WarpOps::copyRows(Value dst, ValueRange dstLead, Value src,
                        RowSource source, int64_t count, int64_t width,
                        int64_t padded, SharedLayout layout) {
  assert((layout != SharedLayout::CoreMatrices || count % 8 == 0) &&
         "core matrices hold whole groups of 8 rows");
  int64_t chunksPerRow = padded / 8;
  int64_t chunks = count * chunksPerRow;
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  SmallVector<Value> tokens;
  // canLowerToGPU makes `chunks` a multiple of the block's threads.
  for (int64_t c = 0; c * threads < chunks; ++c) {
    // Chunk `tid + c * threads`: padded rows, row chunk / chunksPerRow and
    // column 8 * (chunk % chunksPerRow); core matrices, see below.
    Value chunk = c ? add(tid, cIdx(c * threads)) : tid;
    Value row, col;
    if (layout != SharedLayout::CoreMatrices) {
      // Swizzled: 8 consecutive threads fill the 128 bytes of one row.
      row = arith::DivUIOp::create(b, loc, chunk, cIdx(chunksPerRow));
      col = mulC(arith::RemUIOp::create(b, loc, chunk, cIdx(chunksPerRow)), 8);
    } else {
      // Groups of 8 rows; inside one, chunk 8 j + i is row i of column j.
      Value group =
          arith::DivUIOp::create(b, loc, chunk, cIdx(8 * chunksPerRow));
      Value inGroup =
          arith::RemUIOp::create(b, loc, chunk, cIdx(8 * chunksPerRow));
      row =
          add(mulC(group, 8), arith::RemUIOp::create(b, loc, inGroup, cIdx(8)));
      col = mulC(arith::DivUIOp::create(b, loc, inGroup, cIdx(8)), 8);
    }
    auto [valid, start] = source(row);
    // Padding columns: zero-filled, their source address kept in the row.
    Value srcCol = col;
    if (padded != width) {
      Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           col, cIdx(width));
      valid = arith::AndIOp::create(b, loc, valid, inside);
      srcCol = arith::SelectOp::create(b, loc, inside, col, cIdx(0));
    }
    Value srcIndex = add(start, srcCol);
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
    Value elements = arith::SelectOp::create(b, loc, valid, cIdx(8), cIdx(0));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, loc, tokenType, dst, dstIndices, src, ValueRange{srcIndex},
        b.getIndexAttr(8), elements, b.getUnitAttr()));
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens);
}

//===- AttentionKernel.cpp - the FlashAttention-2 kernel of attn.attention ===//
//
// One thread block per (query tile, query head, batch row), or per (query
// tile, KV head, batch row) when the query heads of a KV group are packed
// into one tile's rows (GQA: K and V read once per group). Warp w owns tile
// rows [16w, 16w + 16); lane l holds, in the m16n8 accumulator
// layout of mma.sync, rows g = l / 4 and g + 8 and columns 2t, 2t + 1 of every
// 8-column slice (t = l % 4). Per key tile:
//
//   S = Q K^T        Q fragments stay in registers (ldmatrix once), K tiles
//                    come from shared memory (ldmatrix, two n-slices a load)
//   S -> P           scale, TileSemantics' modifiers and mask (the mask only
//                    on tiles that are not entirely visible), then the online
//                    softmax: row max over the lane's 16 values and across the
//                    4 lanes of a row (shuffles), rescale of O and the partial
//                    row sum; or sigmoid weights, no running state
//   O += P V         P's accumulator layout is the A-operand layout of the
//                    next mma once packed to 16 bits; V through ldmatrix.trans
//
// The next key tile is copied (cp.async, 16 bytes a thread and copy, rows past
// the end zero-filled) while the current one is used; one barrier a tile.
// Shared rows are padded by 16 bytes so that ldmatrix reads are free of bank
// conflicts.
//
//===----------------------------------------------------------------------===//

#include "attune/Conversion/AttnToGPU/AttnToGPU.h"

#include "attn/IR/AttnOps.h"
#include "attune/Conversion/KernelForm.h"
#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/RegionUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::attune;

namespace {

constexpr int64_t kWarpRows = 16; // rows of one m16n8k16 A operand
constexpr int64_t kPad = 8;       // 16 bytes of padding per shared row
constexpr int32_t kMergeThreads = 256;

/// The operands of the op as the kernel's flat parameters.
struct KernelValues {
  Value q, k, v, out, lse, slopes, bias, temperature, kvLengths;
  /// Block-sparse lists and their extents (q_blocks, capacities).
  Value counts, indices, fullCounts, fullIndices;
  Value numQBlocks, capacity, fullCapacity;
  Value batch, qLen, kvLen;
  /// Split-KV: the number of key chunks S (1: the kernel writes `out`) and
  /// the f32 workspace of the partial results, [S, B, Hq, Lq, Dv] rows and
  /// [S, B, Hq, Lq] LSEs, that the merge kernel combines.
  Value splits, partialOut, partialLse;
};

class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, attn::AttentionOp op,
                const TileSemantics &sem, const GPUTiling &tiling)
      : b(b), loc(loc), op(op), sem(sem), tiling(tiling) {
    auto qType = cast<ShapedType>(op.getQuery().getType());
    elem = qType.getElementType();
    outElem = cast<ShapedType>(op.getOutput().getType()).getElementType();
    headDim = op.getHeadDim();
    valueDim = op.getValueHeadDim();
    qHeads = op.getNumQueryHeads();
    kvHeads = op.getNumKvHeads();
    rows = tiling.warps * kWarpRows;
    threads = tiling.warps * 32;
    kPitch = headDim + kPad;
    vPitch = valueDim + kPad;
  }

  /// Dynamic shared memory the kernel needs, in bytes.
  int64_t sharedBytes() const { return sharedBytesFor(op, tiling); }
  int64_t blockRows() const { return rows; }
  int64_t blockThreads() const { return threads; }

  void emit(const KernelValues &values);

private:
  Value cIdx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cI32(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value cF32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value addC(Value x, int64_t c) { return c ? add(x, cIdx(c)) : x; }
  Value mulC(Value x, int64_t c) { return c == 1 ? x : mul(x, cIdx(c)); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value toI32(Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI32Type(), index);
  }
  Value fmax(Value x, Value y) {
    return arith::MaximumFOp::create(b, loc, x, y);
  }
  Value extract(Value vector, int64_t i) {
    return vector::ExtractOp::create(b, loc, vector, ArrayRef<int64_t>{i});
  }
  Value shuffleXor(Value x, int32_t mask) {
    return gpu::ShuffleOp::create(b, loc, x, mask, 32, gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }
  /// A constant i32 vector.
  Value lanesOf(ArrayRef<int32_t> values) {
    auto type = VectorType::get({static_cast<int64_t>(values.size())},
                                b.getI32Type());
    return arith::ConstantOp::create(b, loc,
                                     DenseIntElementsAttr::get(type, values));
  }

  /// How the shared block-list walk reads the flat list parameters: list
  /// [Bl, Hl, q_blocks(, capacity)] with Bl, Hl = 1 broadcast.
  BlockListAccess blockListAccess(const KernelValues &values, Value batch,
                                  Value head) {
    BlockListAccess access;
    access.numQBlocks = values.numQBlocks;
    access.capacity = values.capacity;
    access.fullCapacity = values.fullIndices ? values.fullCapacity : Value();
    auto shapeOf = [&](Value list) {
      return cast<ShapedType>(list.getType()).getShape();
    };
    // Static extents of each list's batch and head dims (dynamic: full).
    auto leading = [&](Value operand) -> std::pair<int64_t, int64_t> {
      ArrayRef<int64_t> shape = shapeOf(operand);
      return {shape[0] == 1 ? 1 : 0,
              ShapedType::isDynamic(shape[1]) ? qHeads : shape[1]};
    };
    auto countsDims = leading(op.getKvNumBlocks());
    auto indicesDims = leading(op.getKvIndices());
    std::pair<int64_t, int64_t> fullCountsDims{1, 1}, fullIndicesDims{1, 1};
    if (op.getFullKvNumBlocks()) {
      fullCountsDims = leading(op.getFullKvNumBlocks());
      fullIndicesDims = leading(op.getFullKvIndices());
    }
    access.load = [this, values, batch, head, countsDims, indicesDims,
                   fullCountsDims, fullIndicesDims](
                      BlockList which, Value qBlock, ValueRange rest) -> Value {
      bool full = which == BlockList::FullCounts ||
                  which == BlockList::FullIndices;
      bool isIndices = which == BlockList::Indices ||
                       which == BlockList::FullIndices;
      Value list = which == BlockList::Counts      ? values.counts
                   : which == BlockList::Indices   ? values.indices
                   : which == BlockList::FullCounts ? values.fullCounts
                                                    : values.fullIndices;
      auto [batchOne, heads] =
          which == BlockList::Counts       ? countsDims
          : which == BlockList::Indices    ? indicesDims
          : which == BlockList::FullCounts ? fullCountsDims
                                           : fullIndicesDims;
      Value bi = batchOne ? cIdx(0) : batch;
      Value hi = heads == 1 ? cIdx(0) : head;
      // ((b * H + h) * q_blocks + qb) (* capacity + i)
      Value index = add(mul(add(mulC(bi, heads), hi), values.numQBlocks),
                        qBlock);
      if (isIndices)
        index = add(mul(index, full ? values.fullCapacity : values.capacity),
                    rest[0]);
      Value x = memref::LoadOp::create(b, loc, list, index);
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
    };
    return access;
  }

  /// Two 16-bit values as the operand register of an mma: vector<2xf16> for
  /// f16, i32 for bf16.
  Value mmaRegister(Value pair) {
    if (elem.isF16())
      return pair;
    return LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
  }
  /// acc (4 f32) += A (4 registers) * B (2 registers), m16n8k16.
  void mma(ArrayRef<Value> a, ArrayRef<Value> bReg,
           MutableArrayRef<Value> acc) {
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    auto result = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
    NVVM::MMATypes type =
        elem.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    auto op = NVVM::MmaOp::create(
        b, loc, result, a, bReg, ValueRange(ArrayRef<Value>(acc)), {16, 8, 16}, std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{type, type},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    for (int64_t i = 0; i < 4; ++i)
      acc[i] = LLVM::ExtractValueOp::create(b, loc, op.getRes(),
                                            ArrayRef<int64_t>{i});
  }
  /// ldmatrix x4 at (indices) of `tile`: four 8x8 matrices, one register
  /// each, lane l giving the address of row l % 8 of matrix l / 8.
  SmallVector<Value, 4> loadMatrices(Value tile, ValueRange indices,
                                     bool transpose) {
    auto type = VectorType::get({4, 2}, elem);
    Value regs =
        nvgpu::LdMatrixOp::create(b, loc, type, tile, indices, transpose, 4);
    SmallVector<Value, 4> result;
    for (int64_t i = 0; i < 4; ++i)
      result.push_back(mmaRegister(extract(regs, i)));
    return result;
  }

  /// Where tile row `row` comes from: (whether it exists, the element
  /// offset of its first element in the source).
  using RowSource = function_ref<std::pair<Value, Value>(Value row)>;
  /// Copies `count` rows of `width` elements from `src` into `dst` (rows
  /// 0..count, at `dstLead` leading indices), 16 bytes a copy; rows that do
  /// not exist are zero-filled.
  Value copyRows(Value dst, ValueRange dstLead, Value src, RowSource source,
                 int64_t count, int64_t width);
  /// Rows [first, first + count) of a [*, width] slab at `base`; rows at or
  /// past `limit` do not exist.
  Value copySlab(Value dst, ValueRange dstLead, Value src, Value base,
                 Value first, Value limit, int64_t count, int64_t width) {
    return copyRows(dst, dstLead, src,
                    [&](Value row) -> std::pair<Value, Value> {
                      Value index = add(first, row);
                      Value valid = lt(index, limit);
                      Value start = add(
                          base, mulC(select(valid, index, cIdx(0)), width));
                      return {valid, start};
                    },
                    count, width);
  }

  OpBuilder &b;
  Location loc;
  attn::AttentionOp op;
  const TileSemantics &sem;
  GPUTiling tiling;
  Type elem, outElem;
  int64_t headDim, valueDim, qHeads, kvHeads, rows, threads, kPitch, vPitch;
  Value tid;
};

Value KernelEmitter::copyRows(Value dst, ValueRange dstLead, Value src,
                              RowSource source, int64_t count,
                              int64_t width) {
  int64_t chunksPerRow = width / 8;
  int64_t chunks = count * chunksPerRow;
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(b.getContext());
  SmallVector<Value> tokens;
  // canLowerToGPU makes `chunks` a multiple of the block's threads.
  for (int64_t c = 0; c * threads < chunks; ++c) {
    // Chunk `tid + c * threads`: row chunk / chunksPerRow, column 8 * (chunk
    // % chunksPerRow).
    Value chunk = addC(tid, c * threads);
    Value row = arith::DivUIOp::create(b, loc, chunk, cIdx(chunksPerRow));
    Value col = mulC(arith::RemUIOp::create(b, loc, chunk, cIdx(chunksPerRow)),
                     8);
    auto [valid, start] = source(row);
    Value srcIndex = add(start, col);
    SmallVector<Value> dstIndices(dstLead);
    dstIndices.append({row, col});
    Value elements = select(valid, cIdx(8), cIdx(0));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, loc, tokenType, dst, dstIndices, src, ValueRange{srcIndex},
        b.getIndexAttr(8), elements, b.getUnitAttr()));
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens);
}

void KernelEmitter::emit(const KernelValues &values) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  const int64_t kvTile = tiling.kvTile;
  const int64_t scoreSlices = kvTile / 8, outSlices = valueDim / 8;
  const int64_t numScores = scoreSlices * 4, numOut = outSlices * 4;
  const float negInf = -std::numeric_limits<float>::infinity();

  tid = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value warp = arith::DivUIOp::create(b, loc, tid, cIdx(32));
  Value lane = arith::RemUIOp::create(b, loc, tid, cIdx(32));
  Value laneGroup = arith::DivUIOp::create(b, loc, lane, cIdx(4)); // g
  Value quad = arith::RemUIOp::create(b, loc, lane, cIdx(4));  // t
  Value qTile = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value headBlock = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  // Grid z: batch row and key chunk (split-KV).
  Value zBlock = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  Value batch = arith::DivUIOp::create(b, loc, zBlock, values.splits);
  Value split = arith::RemUIOp::create(b, loc, zBlock, values.splits);
  // Packed rows: with a KV group of `group` query heads sharing one tile,
  // packed row p is query position p / group of head y * group + p % group
  // (the CPU's layout); otherwise row p is position p of head y.
  const int64_t group = sem.groupSize();
  Value firstHead = mulC(headBlock, group);
  Value kvHead = group > 1 ? headBlock : sem.kvHeadOf(b, loc, headBlock);
  Value packedLen = mulC(values.qLen, group);
  Value q0 = mulC(qTile, rows);
  auto positionOf = [&](Value p) -> Value {
    return group == 1 ? p : arith::DivUIOp::create(b, loc, p, cIdx(group));
  };
  auto headOf = [&](Value p) -> Value {
    return group == 1
               ? firstHead
               : add(firstHead, arith::RemUIOp::create(b, loc, p, cIdx(group)));
  };
  // Element offset of (head, position)'s row in a [B, Hq, Lq, width] tensor.
  auto queryRow = [&](Value head, Value pos, int64_t width) -> Value {
    return mulC(add(mul(add(mulC(batch, qHeads), head), values.qLen), pos),
                width);
  };

  // Key count of this batch row: clamp(kv_lengths[b], 0, Lk) when ragged.
  // Addressing keeps the full Lk (the layout's extent).
  Value kvLen = values.kvLen;
  if (values.kvLengths) {
    Value n = memref::LoadOp::create(b, loc, values.kvLengths, batch);
    kvLen = TileSemantics::rowKeyCount(b, loc, n, values.kvLen);
  }

  Value kvRow = mul(add(mulC(batch, kvHeads), kvHead), values.kvLen);
  Value kBase = mulC(kvRow, headDim);
  Value vBase = mulC(kvRow, valueDim);

  // Shared memory: Q tile, two K tiles, two V tiles.
  auto space = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value dynamic = gpu::DynamicSharedMemoryOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr,
                              space));
  auto view = [&](ArrayRef<int64_t> shape, int64_t byteOffset) -> Value {
    return memref::ViewOp::create(
        b, loc, MemRefType::get(shape, elem, nullptr, space), dynamic,
        cIdx(byteOffset), ValueRange{});
  };
  Value qShared = view({rows, kPitch}, 0);
  int64_t kOffset = rows * kPitch * 2;
  Value kShared = view({2, kvTile, kPitch}, kOffset);
  Value vShared = view({2, kvTile, vPitch}, kOffset + 2 * kvTile * kPitch * 2);

  // What the variant needs of this tile (TileSemantics).
  TileRows tileRows;
  tileRows.firstRow = positionOf(q0);
  tileRows.lastRow = positionOf(arith::MinSIOp::create(
      b, loc, addC(q0, rows - 1), addC(packedLen, -1)));
  tileRows.qLen = values.qLen;
  tileRows.kvLen = kvLen;
  tileRows.batch = batch;
  // The heads of a group share their mask (TileSemantics packs only then).
  sem.maskBounds(b, loc, firstHead, tileRows.left, tileRows.right,
                 tileRows.sinks);
  tileRows.bias = values.bias;
  tileRows.biasKeys = values.kvLen;
  // The key tiles to visit: the range the mask leaves visible (sink tiles
  // first), or the blocks a block-sparse mask lists.
  KeyTileRange range;
  std::optional<BlockListWalk> walk;
  Value numTiles;
  if (values.counts) {
    walk.emplace(b, loc, sem.blockSizes(), kvTile,
                 blockListAccess(values, batch, firstHead), tileRows.firstRow);
    numTiles = walk->numTiles();
  } else {
    range = sem.keyTiles(b, loc, tileRows, kvTile);
    numTiles = add(range.numSinkTiles, arith::SubIOp::create(
                                           b, loc, range.mainEnd,
                                           range.mainBegin));
  }
  // This block's chunk of the steps: [numTiles * split / S, numTiles *
  // (split + 1) / S).
  Value stepBegin = arith::DivUIOp::create(b, loc, mul(numTiles, split),
                                           values.splits);
  Value stepEnd = arith::DivUIOp::create(b, loc, mul(numTiles, addC(split, 1)),
                                         values.splits);
  // Step i (< numTiles): its first key, and for listed blocks whether the
  // block was listed full and whether the step is skipped.
  struct Step {
    Value keyBegin, listedFull, skip;
  };
  auto stepAt = [&](Value i) -> Step {
    Step step;
    if (walk) {
      walk->tile(b, loc, i, kvLen, step.keyBegin, step.listedFull, step.skip);
      return step;
    }
    Value main = add(range.mainBegin,
                     arith::SubIOp::create(b, loc, i, range.numSinkTiles));
    step.keyBegin = mulC(select(lt(i, range.numSinkTiles), i, main), kvTile);
    return step;
  };
  // Copies key tile of step i into buffer `buffer`: zeros past the row's
  // keys (a ragged row's unused cache may hold NaN, and P V would multiply
  // it by 0), for skipped steps and for steps past the last.
  auto copyKeyTile = [&](Value i, Value buffer) -> Value {
    Value inRange = lt(i, stepEnd);
    Value first, limit;
    if (walk) {
      // Lists are read only below their counts.
      auto listed = scf::IfOp::create(
          b, loc, TypeRange{b.getIndexType(), b.getI1Type()}, inRange, true,
          true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(listed.thenBlock());
        Step step = stepAt(i);
        scf::YieldOp::create(b, loc, ValueRange{step.keyBegin, step.skip});
        b.setInsertionPointToStart(listed.elseBlock());
        scf::YieldOp::create(
            b, loc,
            ValueRange{cIdx(0), arith::ConstantOp::create(
                                    b, loc, b.getBoolAttr(true))});
      }
      first = listed.getResult(0);
      limit = select(listed.getResult(1), cIdx(0), kvLen);
    } else {
      first = stepAt(i).keyBegin;
      limit = select(inRange, kvLen, cIdx(0));
    }
    copySlab(kShared, buffer, values.k, kBase, first, limit, kvTile, headDim);
    return copySlab(vShared, buffer, values.v, vBase, first, limit, kvTile,
                    valueDim);
  };

  // Prologue: the Q tile and the first key tile; Q fragments to registers.
  copyRows(qShared, {}, values.q,
           [&](Value row) -> std::pair<Value, Value> {
             Value p = add(q0, row);
             Value valid = lt(p, packedLen);
             p = select(valid, p, cIdx(0));
             return {valid, queryRow(headOf(p), positionOf(p), headDim)};
           },
           rows, headDim);
  Value first = copyKeyTile(stepBegin, cIdx(0));
  nvgpu::DeviceAsyncWaitOp::create(b, loc, first, b.getI32IntegerAttr(0));
  gpu::BarrierOp::create(b, loc);
  Value laneRow = arith::RemUIOp::create(b, loc, lane, cIdx(16));
  Value laneHalf = mulC(arith::DivUIOp::create(b, loc, lane, cIdx(16)), 8);
  Value laneEighth = arith::RemUIOp::create(b, loc, lane, cIdx(8));
  Value laneOddEight = mulC(
      arith::RemUIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, lane, cIdx(8)), cIdx(2)),
      8);
  // Q fragments stay in registers up to D = 128 (32 registers); wider heads
  // reload them from shared memory at every k-step, or the accumulators
  // would spill.
  Value warpRow = add(mulC(warp, kWarpRows), laneRow);
  auto loadQuery = [&](int64_t ks) {
    return loadMatrices(qShared, ValueRange{warpRow, addC(laneHalf, ks * 16)},
                        false);
  };
  bool queryInRegisters = headDim <= 128;
  SmallVector<SmallVector<Value, 4>> qFragments;
  for (int64_t ks = 0; queryInRegisters && ks < headDim / 16; ++ks)
    qFragments.push_back(loadQuery(ks));

  // Per score held: query position (rows g, g + 8) and key offset in the
  // tile (columns 2t, 2t + 1 of each 8-key slice).
  Value rowOfLane = add(add(q0, mulC(warp, kWarpRows)), laneGroup);
  SmallVector<int32_t> rowOffsets, keyOffsets;
  for (int64_t j = 0; j < scoreSlices; ++j)
    for (int64_t e = 0; e < 4; ++e) {
      rowOffsets.push_back(8 * (e / 2));
      keyOffsets.push_back(8 * j + e % 2);
    }
  auto scoreType = VectorType::get({numScores}, f32);
  auto i32Scores = VectorType::get({numScores}, b.getI32Type());
  Value packedRows = arith::AddIOp::create(
      b, loc, vector::BroadcastOp::create(b, loc, i32Scores, toI32(rowOfLane)),
      lanesOf(rowOffsets));
  Value positions = packedRows;
  tileRows.heads = firstHead;
  // Per row of the lane (g and g + 8): its head and position, clamped into
  // the problem for loads (rows past the end are never stored).
  Value laneHead[2], lanePos[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value p = arith::MinUIOp::create(b, loc, addC(rowOfLane, 8 * r),
                                     addC(packedLen, -1));
    laneHead[r] = headOf(p);
    lanePos[r] = positionOf(p);
  }
  // Per score, from the lane's two rows.
  auto perRow = [&](Value (&values)[2]) -> Value {
    SmallVector<Value> elements;
    for (int64_t i = 0; i < numScores; ++i)
      elements.push_back(values[(i % 4) / 2]);
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({numScores}, values[0].getType()), elements);
  };
  if (group > 1) {
    Value groupVector = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32Scores, b.getI32IntegerAttr(group)));
    positions = arith::DivUIOp::create(b, loc, packedRows, groupVector);
    tileRows.heads = arith::AddIOp::create(
        b, loc, vector::BroadcastOp::create(b, loc, i32Scores, toI32(firstHead)),
        arith::RemUIOp::create(b, loc, packedRows, groupVector));
  }
  if (values.slopes) {
    Value slope[2];
    for (int64_t r = 0; r < 2; ++r)
      slope[r] = memref::LoadOp::create(b, loc, values.slopes, laneHead[r]);
    tileRows.slopes = group > 1 ? perRow(slope) : slope[0];
  }
  // scale * temperature[b, h, i] per row, or the scale.
  Value scale = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scoreType,
                                     b.getF32FloatAttr(sem.scale())));
  if (values.temperature) {
    auto type = cast<ShapedType>(op.getTemperature().getType());
    int64_t tHeads = type.isDynamicDim(1) ? qHeads : type.getDimSize(1);
    Value tBatch = type.getDimSize(0) == 1 ? cIdx(0) : batch;
    Value factor[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value th = tHeads == 1 ? cIdx(0) : laneHead[r];
      Value index =
          add(mul(add(mulC(tBatch, tHeads), th), values.qLen), lanePos[r]);
      factor[r] = arith::MulFOp::create(
          b, loc, memref::LoadOp::create(b, loc, values.temperature, index),
          cF32(static_cast<float>(sem.scale())));
    }
    scale = perRow(factor);
  }
  Value sigmoidBias;
  if (sem.isSigmoid())
    sigmoidBias = vector::BroadcastOp::create(
        b, loc, scoreType, sem.sigmoidBias(b, loc, kvLen));

  Value accInit = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(VectorType::get({numOut}, f32),
                                     b.getF32FloatAttr(0.0f)));
  SmallVector<Value> init = {cF32(negInf), cF32(negInf), cF32(0.0f),
                             cF32(0.0f), accInit};
  auto loop = scf::ForOp::create(
      b, loc, cIdx(0), arith::SubIOp::create(b, loc, stepEnd, stepBegin),
      cIdx(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value step = add(stepBegin, loop.getInductionVar());
    Value m[2] = {loop.getRegionIterArgs()[0], loop.getRegionIterArgs()[1]};
    Value l[2] = {loop.getRegionIterArgs()[2], loop.getRegionIterArgs()[3]};
    Value acc = loop.getRegionIterArgs()[4];
    Value buffer =
        arith::RemUIOp::create(b, loc, loop.getInductionVar(), cIdx(2));
    Value next = copyKeyTile(addC(step, 1), arith::SubIOp::create(
                                                b, loc, cIdx(1), buffer));
    Step tile = stepAt(step);
    Value keyBegin = tile.keyBegin;
    // A skipped step (a listed block seen before or out of range) keeps the
    // state; the rest of the step runs in the `else` branch.
    scf::IfOp skipStep;
    if (tile.skip) {
      skipStep = scf::IfOp::create(b, loc, loop.getResultTypes(), tile.skip,
                                   true, true);
      b.setInsertionPointToStart(skipStep.thenBlock());
      scf::YieldOp::create(b, loc, loop.getRegionIterArgs());
      b.setInsertionPointToStart(skipStep.elseBlock());
    }

    // S = Q K^T: each x4 load gives two 8-key slices of a 16-wide k-step.
    SmallVector<Value> s(numScores, cF32(0.0f));
    for (int64_t jp = 0; jp < kvTile / 16; ++jp)
      for (int64_t ks = 0; ks < headDim / 16; ++ks) {
        Value keyRow = add(addC(laneHalf, jp * 16), laneEighth);
        auto kRegs = loadMatrices(
            kShared, ValueRange{buffer, keyRow, addC(laneOddEight, ks * 16)},
            false);
        SmallVector<Value, 4> query =
            queryInRegisters ? qFragments[ks] : loadQuery(ks);
        mma(query, {kRegs[0], kRegs[1]},
            MutableArrayRef<Value>(s).slice(2 * jp * 4, 4));
        mma(query, {kRegs[2], kRegs[3]},
            MutableArrayRef<Value>(s).slice((2 * jp + 1) * 4, 4));
      }
    Value scores = arith::MulFOp::create(
        b, loc, vector::FromElementsOp::create(b, loc, scoreType, s), scale);
    Value keys = arith::AddIOp::create(
        b, loc,
        vector::BroadcastOp::create(
            b, loc, i32Scores, toI32(add(keyBegin, mulC(quad, 2)))),
        lanesOf(keyOffsets));
    if (sem.modifiesScores())
      scores = sem.modifyScores(b, loc, tileRows, scores, positions, keys);
    // Per-element visibility only where the tile is not entirely visible. A
    // block listed as full is visible whatever the mask: only keys past Lk
    // are hidden there.
    Value full = sem.isFullTile(b, loc, tileRows, keyBegin, kvTile);
    if (tile.listedFull)
      full = select(tile.listedFull,
                    arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                          addC(keyBegin, kvTile), kvLen),
                    full);
    auto masked = scf::IfOp::create(b, loc, scoreType, full, true, true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(masked.thenBlock());
      scf::YieldOp::create(b, loc, scores);
      b.setInsertionPointToStart(masked.elseBlock());
      Value visible = sem.visibility(b, loc, tileRows, positions, keys);
      if (tile.listedFull) {
        Value inRange = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::slt, keys,
            vector::BroadcastOp::create(b, loc, i32Scores, toI32(kvLen)));
        visible = select(tile.listedFull, inRange, visible);
      }
      Value hidden = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(scoreType, b.getF32FloatAttr(negInf)));
      scf::YieldOp::create(
          b, loc, arith::SelectOp::create(b, loc, visible, scores, hidden)
                      .getResult());
    }
    scores = masked.getResult(0);

    Value p;
    Value newM[2] = {m[0], m[1]}, newL[2] = {l[0], l[1]};
    if (sem.isSigmoid()) {
      p = TileSemantics::sigmoidWeights(b, loc, scores, sigmoidBias);
    } else {
      // Row maxima: the lane's 16 values of each row, then the row's 4 lanes.
      Value base[2], alpha[2];
      for (int64_t r = 0; r < 2; ++r) {
        Value rowMax = cF32(negInf);
        for (int64_t j = 0; j < scoreSlices; ++j)
          for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
            rowMax = fmax(rowMax, extract(scores, j * 4 + e));
        rowMax = fmax(rowMax, shuffleXor(rowMax, 1));
        rowMax = fmax(rowMax, shuffleXor(rowMax, 2));
        newM[r] = fmax(m[r], rowMax);
        base[r] = TileSemantics::exponentBase(b, loc, newM[r]);
        alpha[r] = math::ExpOp::create(
            b, loc, arith::SubFOp::create(b, loc, m[r], base[r]));
      }
      SmallVector<Value> bases;
      for (int64_t i = 0; i < numScores; ++i)
        bases.push_back(base[(i % 4) / 2]);
      p = math::ExpOp::create(
          b, loc,
          arith::SubFOp::create(
              b, loc, scores,
              vector::FromElementsOp::create(b, loc, scoreType, bases)));
      // Partial row sums (this lane's columns; reduced across lanes at the
      // end) and the rescaled accumulator.
      for (int64_t r = 0; r < 2; ++r) {
        Value sum = arith::MulFOp::create(b, loc, l[r], alpha[r]);
        for (int64_t j = 0; j < scoreSlices; ++j)
          for (int64_t e = 2 * r; e < 2 * r + 2; ++e)
            sum = arith::AddFOp::create(b, loc, sum, extract(p, j * 4 + e));
        newL[r] = sum;
      }
      SmallVector<Value> alphas;
      for (int64_t i = 0; i < numOut; ++i)
        alphas.push_back(alpha[(i % 4) / 2]);
      acc = arith::MulFOp::create(
          b, loc, acc,
          vector::FromElementsOp::create(b, loc, acc.getType(), alphas));
    }

    // O += P V. P's slices 2kk and 2kk + 1 form the A operand of k-step kk.
    SmallVector<Value> o;
    for (int64_t i = 0; i < numOut; ++i)
      o.push_back(extract(acc, i));
    auto pair = [&](int64_t i) {
      Value two = vector::FromElementsOp::create(
          b, loc, VectorType::get({2}, f32),
          ValueRange{extract(p, i), extract(p, i + 1)});
      return mmaRegister(arith::TruncFOp::create(
          b, loc, VectorType::get({2}, elem), two));
    };
    for (int64_t kk = 0; kk < kvTile / 16; ++kk) {
      SmallVector<Value, 4> a = {pair(2 * kk * 4), pair(2 * kk * 4 + 2),
                                 pair((2 * kk + 1) * 4),
                                 pair((2 * kk + 1) * 4 + 2)};
      Value valueRow = add(addC(laneOddEight, kk * 16), laneEighth);
      for (int64_t np = 0; np < valueDim / 16; ++np) {
        auto vRegs = loadMatrices(
            vShared, ValueRange{buffer, valueRow, addC(laneHalf, np * 16)},
            true);
        mma(a, {vRegs[0], vRegs[1]},
            MutableArrayRef<Value>(o).slice(2 * np * 4, 4));
        mma(a, {vRegs[2], vRegs[3]},
            MutableArrayRef<Value>(o).slice((2 * np + 1) * 4, 4));
      }
    }
    acc = vector::FromElementsOp::create(b, loc, acc.getType(), o);
    SmallVector<Value> state = {newM[0], newM[1], newL[0], newL[1], acc};
    if (skipStep) {
      scf::YieldOp::create(b, loc, state);
      b.setInsertionPointAfter(skipStep);
      state.assign(skipStep.getResults().begin(), skipStep.getResults().end());
    }

    // The next tile has landed and nobody reads this one any more.
    nvgpu::DeviceAsyncWaitOp::create(b, loc, next, b.getI32IntegerAttr(0));
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, state);
  }

  // Epilogue: full row sums, 1/l (0 for rows without a visible key), LSE.
  Value acc = loop.getResult(4);
  Value inv[2], lse[2];
  for (int64_t r = 0; r < 2; ++r) {
    if (sem.isSigmoid()) {
      inv[r] = cF32(1.0f);
      continue;
    }
    Value l = loop.getResult(2 + r);
    l = arith::AddFOp::create(b, loc, l, shuffleXor(l, 1));
    l = arith::AddFOp::create(b, loc, l, shuffleXor(l, 2));
    std::tie(inv[r], lse[r]) =
        TileSemantics::finishRows(b, loc, loop.getResult(r), l);
  }
  // Rows of the lane into `outBuffer` ([*, Dv] rows: the row of (head,
  // position), shifted by `rowShift` rows) and LSE into `lseBuffer`.
  auto storeRows = [&](Value outBuffer, Value lseBuffer, Value rowShift) {
    Type element = cast<MemRefType>(outBuffer.getType()).getElementType();
    for (int64_t r = 0; r < 2; ++r) {
      Value row = addC(rowOfLane, 8 * r);
      auto inside = scf::IfOp::create(b, loc, lt(row, packedLen), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(inside.thenBlock());
      Value flatRow = add(queryRow(laneHead[r], lanePos[r], 1), rowShift);
      Value outRow = mulC(flatRow, valueDim);
      for (int64_t n = 0; n < outSlices; ++n) {
        Value two = vector::FromElementsOp::create(
            b, loc, VectorType::get({2}, f32),
            ValueRange{extract(acc, n * 4 + 2 * r),
                       extract(acc, n * 4 + 2 * r + 1)});
        two = arith::MulFOp::create(
            b, loc, two,
            vector::BroadcastOp::create(b, loc, two.getType(), inv[r]));
        if (!element.isF32())
          two = arith::TruncFOp::create(b, loc, VectorType::get({2}, element),
                                        two);
        Value col = addC(mulC(quad, 2), 8 * n);
        vector::StoreOp::create(b, loc, two, outBuffer,
                                ValueRange{add(outRow, col)});
      }
      if (lseBuffer) {
        auto firstLane = scf::IfOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, quad,
                                  cIdx(0)),
            false);
        b.setInsertionPointToStart(firstLane.thenBlock());
        memref::StoreOp::create(b, loc, lse[r], lseBuffer, flatRow);
      }
    }
  };
  // One chunk: the output. Several: this chunk's rows (normalized over its
  // keys, with their LSE; sigmoid: plain sums) for the merge kernel.
  auto whole = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, values.splits,
                            cIdx(1)),
      true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(whole.thenBlock());
    storeRows(values.out, values.lse, cIdx(0));
    b.setInsertionPointToStart(whole.elseBlock());
    Value chunkRows = mul(mul(mulC(values.batch, qHeads), values.qLen), split);
    storeRows(values.partialOut, sem.isSigmoid() ? Value() : values.partialLse,
              chunkRows);
  }
}

/// The merge of split-KV: one thread per output element (row, d) combines
/// the S chunks' rows exactly (attn.merge's semantics): softmax by LSE
/// weights, sigmoid by plain sums. Parameters: the workspace (partial rows,
/// partial LSEs), out, lse when present, then rows = B * Hq * Lq and S.
void buildMergeKernel(OpBuilder &b, Location loc, attn::AttentionOp op,
                      StringRef name) {
  Type f32 = b.getF32Type(), index = b.getIndexType();
  Type outElem = cast<ShapedType>(op.getOutput().getType()).getElementType();
  int64_t valueDim = op.getValueHeadDim();
  bool sigmoid = op.getNormalization() == attn::Normalization::Sigmoid;
  auto flat = [](Type element) {
    return MemRefType::get({ShapedType::kDynamic}, element);
  };
  SmallVector<Type> params = {flat(f32), flat(f32), flat(outElem)};
  if (op.getLse())
    params.push_back(flat(f32));
  params.append({index, index});
  auto kernel =
      gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(params, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  kernel.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({kMergeThreads, 1, 1}));
  Block &entry = kernel.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&entry);
  unsigned next = 0;
  Value partialOut = entry.getArgument(next++);
  Value partialLse = entry.getArgument(next++);
  Value out = entry.getArgument(next++);
  Value lse = op.getLse() ? entry.getArgument(next++) : Value();
  Value rows = entry.getArgument(next++);
  Value splits = entry.getArgument(next++);
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto cf = [&](float v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  Value id = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, gpu::BlockIdOp::create(b, loc,
                                                           gpu::Dimension::x),
                            c(kMergeThreads)),
      gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
  Value total = arith::MulIOp::create(b, loc, rows, c(valueDim));
  auto inside = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total),
      false);
  b.setInsertionPointToStart(inside.thenBlock());
  Value row = arith::DivUIOp::create(b, loc, id, c(valueDim));
  Value d = arith::RemUIOp::create(b, loc, id, c(valueDim));
  // Element (chunk s, row) of the workspace.
  auto chunkRow = [&](Value s) -> Value {
    return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, s, rows),
                                 row);
  };
  auto partial = [&](Value s) -> Value {
    Value at = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, chunkRow(s), c(valueDim)), d);
    return memref::LoadOp::create(b, loc, partialOut, at);
  };
  // fold(init, body(s, state) -> state) over the chunks.
  auto overChunks = [&](ValueRange init,
                        function_ref<SmallVector<Value>(Value, ValueRange)>
                            body) {
    auto loop = scf::ForOp::create(b, loc, c(0), splits, c(1), init);
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(
        b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
    return loop.getResults();
  };
  Value result, rowLse;
  if (sigmoid) {
    result = overChunks({cf(0.0f)}, [&](Value s, ValueRange state) {
      return SmallVector<Value>{
          arith::AddFOp::create(b, loc, state[0], partial(s))};
    })[0];
  } else {
    const float negInf = -std::numeric_limits<float>::infinity();
    Value m = overChunks({cf(negInf)}, [&](Value s, ValueRange state) {
      Value l = memref::LoadOp::create(b, loc, partialLse, chunkRow(s));
      return SmallVector<Value>{
          arith::MaximumFOp::create(b, loc, state[0], l)};
    })[0];
    Value base = TileSemantics::exponentBase(b, loc, m);
    auto sums = overChunks(
        {cf(0.0f), cf(0.0f)}, [&](Value s, ValueRange state) {
          Value l = memref::LoadOp::create(b, loc, partialLse, chunkRow(s));
          Value w = math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, l, base));
          return SmallVector<Value>{
              arith::AddFOp::create(b, loc, state[0], w),
              arith::AddFOp::create(
                  b, loc, state[1],
                  arith::MulFOp::create(b, loc, w, partial(s)))};
        });
    auto [inv, finalLse] = TileSemantics::finishRows(b, loc, m, sums[0]);
    result = arith::MulFOp::create(b, loc, sums[1], inv);
    rowLse = finalLse;
  }
  if (!outElem.isF32())
    result = arith::TruncFOp::create(b, loc, outElem, result);
  memref::StoreOp::create(
      b, loc, result, out,
      arith::AddIOp::create(b, loc,
                            arith::MulIOp::create(b, loc, row, c(valueDim)),
                            d)
          .getResult());
  if (lse) {
    auto first = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, c(0)),
        false);
    b.setInsertionPointToStart(first.thenBlock());
    memref::StoreOp::create(b, loc, rowLse, lse, row);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b, loc);
}

} // namespace

bool attune::isSupportedCudaArch(StringRef chip) {
  static const char *const known[] = {
      "sm_80",   "sm_86",   "sm_87",   "sm_88",   "sm_89",   "sm_90",
      "sm_90a",  "sm_100",  "sm_100a", "sm_100f", "sm_101",  "sm_101a",
      "sm_101f", "sm_103",  "sm_103a", "sm_103f", "sm_110",  "sm_110a",
      "sm_110f", "sm_120",  "sm_120a", "sm_120f", "sm_121",  "sm_121a",
      "sm_121f"};
  return llvm::is_contained(known, chip);
}

int64_t attune::maxSharedBytes(StringRef chip) {
  // CUDA programming guide, per compute capability: 8.0 / 8.7 163 KB, 8.6 /
  // 8.9 / 12.x 99 KB, 9.0 / 10.x / 11.x 227 KB.
  if (chip.starts_with("sm_80") || chip.starts_with("sm_87"))
    return 163 * 1024;
  if (chip.starts_with("sm_86") || chip.starts_with("sm_88") ||
      chip.starts_with("sm_89") || chip.starts_with("sm_12"))
    return 99 * 1024;
  return 227 * 1024;
}

int64_t attune::sharedBytesFor(attn::AttentionOp op,
                               const GPUTiling &tiling) {
  int64_t kPitch = op.getHeadDim() + kPad, vPitch = op.getValueHeadDim() + kPad;
  return (tiling.warps * kWarpRows * kPitch +
          2 * tiling.kvTile * (kPitch + vPitch)) *
         2;
}

GPUTiling attune::fitTiling(attn::AttentionOp op, GPUTiling requested,
                            StringRef chip) {
  GPUTiling tiling = requested;
  while (sharedBytesFor(op, tiling) > maxSharedBytes(chip) &&
         tiling.warps > 1) {
    tiling.warps /= 2;
    tiling.kvTile = std::max<int64_t>(16 * tiling.warps, tiling.kvTile / 2);
  }
  return tiling;
}

bool attune::canLowerToGPU(attn::AttentionOp op, const GPUTiling &tiling,
                           std::string &why) {
  Type elem = cast<ShapedType>(op.getQuery().getType()).getElementType();
  if (!elem.isF16() && !elem.isBF16()) {
    llvm::raw_string_ostream os(why);
    os << "tensor cores take f16 or bf16 operands, not " << elem;
    return false;
  }
  for (Value operand : {op.getKey(), op.getValue()})
    if (cast<ShapedType>(operand.getType()).getElementType() != elem) {
      why = "Q, K and V must share one element type";
      return false;
    }
  int64_t d = op.getHeadDim(), dv = op.getValueHeadDim();
  if (d % 16 != 0 || dv % 16 != 0 || d > 256 || dv > 256) {
    why = "head dims must be multiples of 16 up to 256 (D = " +
          std::to_string(d) + ", Dv = " + std::to_string(dv) + ")";
    return false;
  }
  // Each thread copies whole 16-byte chunks of a tile: 16 * warps divides
  // kv-tile.
  if (tiling.warps < 1 || tiling.kvTile < 16 ||
      tiling.kvTile % (16 * tiling.warps) != 0) {
    why = "warps must be positive and kv-tile a positive multiple of 16 * "
          "warps";
    return false;
  }
  std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
  if (!sem)
    return false;
  // Block lists: key tiles inside key blocks, query tiles inside query
  // blocks.
  if (ArrayRef<int64_t> blocks = sem->blockSizes(); !blocks.empty()) {
    int64_t rows = tiling.warps * kWarpRows, group = sem->groupSize();
    if (blocks[1] % tiling.kvTile != 0) {
      why = "key block size " + std::to_string(blocks[1]) +
            " (needs a multiple of the key tile, " +
            std::to_string(tiling.kvTile) + ")";
      return false;
    }
    if (rows % group != 0 || blocks[0] % (rows / group) != 0) {
      why = "query block size " + std::to_string(blocks[0]) +
            " (needs a multiple of " + std::to_string(rows / group) + ")";
      return false;
    }
  }
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()}) {
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(*region, captured);
    if (!captured.empty()) {
      why = "score_mod / mask_mod regions that capture values are not on the "
            "GPU path yet";
      return false;
    }
  }
  return true;
}

LogicalResult attune::buildAttentionKernel(func::FuncOp func,
                                           gpu::GPUModuleOp kernels,
                                           const GPUTiling &tiling) {
  SmallVector<attn::AttentionOp> ops;
  func.walk([&](attn::AttentionOp op) { ops.push_back(op); });
  if (ops.size() != 1)
    return func.emitError("convert-attn-to-gpu: @")
           << func.getSymName() << " must hold exactly one attn.attention "
           << "(it holds " << ops.size() << ")";
  attn::AttentionOp op = ops.front();
  std::string why;
  if (!canLowerToGPU(op, tiling, why))
    return op.emitOpError("is not supported by the GPU path: ") << why;
  std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);

  // Operand -> host argument; every one must be an argument of the function.
  SmallVector<Value> operands = {op.getQuery(), op.getKey(), op.getValue(),
                                 op.getOutput()};
  for (Value optional :
       {op.getLse(), op.getAlibiSlopes(), op.getBias(), op.getTemperature(),
        op.getKvLengths(), op.getKvNumBlocks(), op.getKvIndices(),
        op.getFullKvNumBlocks(), op.getFullKvIndices()})
    if (optional)
      operands.push_back(optional);
  // Each operand is a host argument (a kernel parameter) or, for read-only
  // operands other than Q, K, V, a constant (compile-time block lists, a
  // bias): embedded in the module as a global.
  SmallVector<int64_t> hostArgs;
  SmallVector<DenseElementsAttr> constants(operands.size());
  SmallVector<int> paramOf(operands.size(), -1);
  for (auto [i, operand] : llvm::enumerate(operands)) {
    std::optional<unsigned> arg = kernelArgumentOf(func, operand);
    DenseElementsAttr value;
    if (arg) {
      paramOf[i] = hostArgs.size();
      hostArgs.push_back(*arg);
    } else if (i >= 4 && operand != op.getLse() &&
               matchPattern(operand, m_Constant(&value))) {
      constants[i] = value;
    } else {
      return op.emitOpError("convert-attn-to-gpu: every operand must be an "
                            "argument of @")
             << func.getSymName()
             << " (or a constant) and every result written into one "
                "(bufferization.materialize_in_destination)";
    }
  }
  if (hostArgs.size() < 4 || paramOf[3] != 3)
    return op.emitOpError("convert-attn-to-gpu: Q, K, V and the output must "
                          "be arguments of @")
           << func.getSymName();

  MLIRContext *ctx = func.getContext();
  Location loc = op.getLoc();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(kernels.getBody());
  auto flatType = [](Value operand) {
    return MemRefType::get(
        {ShapedType::kDynamic},
        cast<ShapedType>(operand.getType()).getElementType());
  };
  // Constant operands as module globals, flattened.
  SmallVector<memref::GlobalOp> globals(operands.size());
  for (auto [i, value] : llvm::enumerate(constants)) {
    if (!value)
      continue;
    auto type = MemRefType::get({value.getNumElements()},
                                value.getElementType());
    auto flat = value.reshape(
        RankedTensorType::get({value.getNumElements()}, value.getElementType()));
    std::string name =
        (func.getSymName() + "_constant" + std::to_string(i)).str();
    globals[i] = memref::GlobalOp::create(
        b, loc, name, b.getStringAttr("private"), type, flat,
        /*constant=*/true, /*alignment=*/b.getI64IntegerAttr(16));
  }
  SmallVector<Type> params;
  for (auto [i, operand] : llvm::enumerate(operands))
    if (paramOf[i] >= 0)
      params.push_back(flatType(operand));
  // Sizes: B, Lq, Lk, then the lists' q_blocks and capacities that are not
  // known statically, each read by the launcher from dimension `dim` of
  // parameter `param`'s argument.
  SmallVector<int64_t> extraSizes; // (param, dim) pairs
  struct ListExtent {
    Value list;
    unsigned dim;
  };
  SmallVector<ListExtent> listExtents;
  if (op.hasBlockMask()) {
    listExtents = {{op.getKvNumBlocks(), 2}, {op.getKvIndices(), 3}};
    if (op.getFullKvIndices())
      listExtents.push_back({op.getFullKvIndices(), 3});
  }
  auto operandIndex = [&](Value operand) -> unsigned {
    return llvm::find(operands, operand) - operands.begin();
  };
  for (ListExtent extent : listExtents) {
    unsigned i = operandIndex(extent.list);
    if (paramOf[i] >= 0)
      extraSizes.append({paramOf[i], extent.dim});
  }
  // The split-KV workspace, then the sizes and the chunk count.
  params.append(2, MemRefType::get({ShapedType::kDynamic}, b.getF32Type()));
  params.append(3 + extraSizes.size() / 2 + 1, b.getIndexType());
  auto kernel = gpu::GPUFuncOp::create(b, loc, func.getSymName(),
                                       b.getFunctionType(params, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  Block &entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);

  KernelEmitter emitter(b, loc, op, *sem, tiling);
  KernelValues values;
  // Operand `v`: its parameter, or its global as a flat buffer.
  auto valueOf = [&](Value operand) -> Value {
    if (!operand)
      return Value();
    unsigned i = operandIndex(operand);
    if (paramOf[i] >= 0)
      return entry.getArgument(paramOf[i]);
    Value global = memref::GetGlobalOp::create(
        b, loc, globals[i].getType(), globals[i].getSymName());
    return memref::CastOp::create(b, loc, flatType(operand), global);
  };
  values.q = valueOf(op.getQuery());
  values.k = valueOf(op.getKey());
  values.v = valueOf(op.getValue());
  values.out = valueOf(op.getOutput());
  values.lse = valueOf(op.getLse());
  values.slopes = valueOf(op.getAlibiSlopes());
  values.bias = valueOf(op.getBias());
  values.temperature = valueOf(op.getTemperature());
  values.kvLengths = valueOf(op.getKvLengths());
  values.counts = valueOf(op.getKvNumBlocks());
  values.indices = valueOf(op.getKvIndices());
  values.fullCounts = valueOf(op.getFullKvNumBlocks());
  values.fullIndices = valueOf(op.getFullKvIndices());
  unsigned next = hostArgs.size();
  values.partialOut = entry.getArgument(next++);
  values.partialLse = entry.getArgument(next++);
  values.batch = entry.getArgument(next++);
  values.qLen = entry.getArgument(next++);
  values.kvLen = entry.getArgument(next++);
  SmallVector<Value> extents;
  for (ListExtent extent : listExtents) {
    unsigned i = operandIndex(extent.list);
    if (paramOf[i] >= 0) {
      extents.push_back(entry.getArgument(next++));
      continue;
    }
    int64_t size =
        cast<ShapedType>(extent.list.getType()).getDimSize(extent.dim);
    extents.push_back(arith::ConstantIndexOp::create(b, loc, size));
  }
  if (op.hasBlockMask()) {
    values.numQBlocks = extents[0];
    values.capacity = extents[1];
    if (op.getFullKvIndices())
      values.fullCapacity = extents[2];
  }
  values.splits = entry.getArgument(next++);
  emitter.emit(values);
  gpu::ReturnOp::create(b, loc);

  kernel.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(emitter.blockThreads()),
                              1, 1}));
  // One block per SM is enough (the tiles fill shared memory): without this
  // bound ptxas may cap registers at 128 and spill.
  kernel->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                  b.getI32IntegerAttr(1));
  kernel->setAttr(GPUKernelAttrs::hostArgs, b.getDenseI64ArrayAttr(hostArgs));
  kernel->setAttr(GPUKernelAttrs::extraSizes,
                  b.getDenseI64ArrayAttr(extraSizes));
  if (op.hasBlockMask())
    kernel->setAttr(GPUKernelAttrs::queryBlock,
                    b.getI64IntegerAttr(op.getBlockSizeAttr()[0]));
  std::string merge = (func.getSymName() + "_merge").str();
  kernel->setAttr(GPUKernelAttrs::mergeKernel, b.getStringAttr(merge));
  b.setInsertionPointAfter(kernel);
  buildMergeKernel(b, loc, op, merge);
  kernel->setAttr(GPUKernelAttrs::blockRows,
                  b.getI64IntegerAttr(emitter.blockRows()));
  kernel->setAttr(GPUKernelAttrs::threads,
                  b.getI64IntegerAttr(emitter.blockThreads()));
  kernel->setAttr(GPUKernelAttrs::sharedBytes,
                  b.getI64IntegerAttr(emitter.sharedBytes()));
  kernel->setAttr(GPUKernelAttrs::queryHeads,
                  b.getI64IntegerAttr(op.getNumQueryHeads()));
  kernel->setAttr(GPUKernelAttrs::headsPerBlock,
                  b.getI64IntegerAttr(sem->groupSize()));
  return success();
}

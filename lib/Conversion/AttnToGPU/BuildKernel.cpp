//===- BuildKernel.cpp - GPU kernels of functions, and what they need -----===//
//
// The public side of the GPU path (AttnToGPU.h): which ops, architectures and
// tilings it takes, and the kernel of a function: its parameters (operands
// that are host arguments), constants (operands that are not), launch
// attributes for the launcher, the body (AttentionKernel.cpp) and the
// split-KV merge (MergeKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include "GPUKernel.h"
#include "TileProducts.h"

#include "attune/Conversion/KernelForm.h"
#include "attune/Conversion/TiledAttention/BlockListWalk.h"
#include "attune/Conversion/TiledAttention/TileSemantics.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

/// How the shared block-list walk reads the flat list parameters: list
/// [Bl, Hl, q_blocks(, capacity)] with Bl, Hl = 1 broadcast.
BlockListAccess attune::detail::flatBlockListAccess(OpBuilder &b, Location loc,
                                                    attn::AttentionOp op,
                                                    const KernelValues &values,
                                                    Value batch, Value head) {
  int64_t qHeads = op.getNumQueryHeads();
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
  access.load = [&b, loc, values, batch, head, countsDims, indicesDims,
                 fullCountsDims, fullIndicesDims](BlockList which, Value qBlock,
                                                  ValueRange rest) -> Value {
    bool full =
        which == BlockList::FullCounts || which == BlockList::FullIndices;
    bool isIndices =
        which == BlockList::Indices || which == BlockList::FullIndices;
    Value list = which == BlockList::Counts       ? values.counts
                 : which == BlockList::Indices    ? values.indices
                 : which == BlockList::FullCounts ? values.fullCounts
                                                  : values.fullIndices;
    auto [batchOne, heads] = which == BlockList::Counts       ? countsDims
                             : which == BlockList::Indices    ? indicesDims
                             : which == BlockList::FullCounts ? fullCountsDims
                                                              : fullIndicesDims;
    auto c = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    auto add = [&](Value x, Value y) -> Value {
      return arith::AddIOp::create(b, loc, x, y);
    };
    auto mul = [&](Value x, Value y) -> Value {
      return arith::MulIOp::create(b, loc, x, y);
    };
    Value bi = batchOne ? c(0) : batch;
    Value hi = heads == 1 ? c(0) : head;
    // ((b * H + h) * q_blocks + qb) (* capacity + i)
    Value scaledBatch = heads == 1 ? bi : mul(bi, c(heads));
    Value index = add(mul(add(scaledBatch, hi), values.numQBlocks), qBlock);
    if (isIndices)
      index = add(mul(index, full ? values.fullCapacity : values.capacity),
                  rest[0]);
    Value x = memref::LoadOp::create(b, loc, list, index);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
  };
  return access;
}

bool attune::isSupportedCudaArch(StringRef chip) {
  static const char *const known[] = {
      "sm_80",   "sm_86",   "sm_87",   "sm_88",   "sm_89",
      "sm_90",   "sm_90a",  "sm_100",  "sm_100a", "sm_100f",
      "sm_101",  "sm_101a", "sm_101f", "sm_103",  "sm_103a",
      "sm_103f", "sm_110",  "sm_110a", "sm_110f", "sm_120",
      "sm_120a", "sm_120f", "sm_121",  "sm_121a", "sm_121f"};
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

std::optional<GPUMma> attune::parseGPUMma(StringRef name) {
  if (name == "sync")
    return GPUMma::Sync;
  if (name == "wgmma")
    return GPUMma::Wgmma;
  return std::nullopt;
}

int64_t attune::sharedBytesFor(attn::AttentionOpInterface op,
                               const GPUTiling &tiling) {
  return SharedTiles::get(tiling, op.getHeadDim(), op.getValueHeadDim())
      .totalBytes();
}

GPUTiling attune::fitTiling(attn::AttentionOpInterface op, GPUTiling requested,
                            StringRef chip) {
  GPUTiling tiling = requested;
  int64_t leastWarps = tiling.mma == GPUMma::Wgmma ? 4 : 1;
  if (tiling.warps < leastWarps || tiling.kvTile < 16 * tiling.warps)
    return tiling; // canLowerToGPU names what is wrong
  // Halved key tiles stay multiples of 16 * warps (whole copies a thread).
  auto halfTile = [&] {
    int64_t unit = 16 * tiling.warps;
    return std::max(unit, tiling.kvTile / 2 / unit * unit);
  };
  while (sharedBytesFor(op, tiling) > maxSharedBytes(chip)) {
    // A deeper pipeline goes first (down to double buffering, or 3 buffers
    // for the overlap), then the tiles.
    if (tiling.stages > (tiling.overlap ? 3 : 2)) {
      --tiling.stages;
    } else if (tiling.warps > leastWarps) {
      tiling.warps = std::max(leastWarps, tiling.warps / 2);
      tiling.kvTile = halfTile();
    } else if (tiling.kvTile > 16 * tiling.warps) {
      tiling.kvTile = halfTile();
    } else {
      break;
    }
  }
  return tiling;
}

std::optional<TileSemantics>
attune::detail::analyzeForGPU(attn::AttentionOp op, const GPUTiling &tiling,
                              std::string &why) {
  std::optional<TileSemantics> sem = TileSemantics::analyze(op, why);
  // A tile holds whole query blocks: the heads of a group pack only when
  // they divide the tile's rows.
  if (sem && !sem->blockSizes().empty() &&
      (tiling.warps * kWarpRows) % sem->groupSize() != 0)
    sem->unpackHeads();
  return sem;
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
  // Rows are copied in 16-byte chunks (8 elements); shared rows are padded
  // with zeros to the next multiple of 16 (a k-step).
  if (d % 8 != 0 || dv % 8 != 0 || d > 256 || dv > 256) {
    why =
        "head dims must be multiples of 8 up to 256 (D = " + std::to_string(d) +
        ", Dv = " + std::to_string(dv) + ")";
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
  // wgmma: whole warpgroups, and N (the key tile for S, Dv for O) at most
  // 256.
  if (tiling.mma == GPUMma::Wgmma &&
      (tiling.warps % 4 != 0 || tiling.kvTile > 256)) {
    why = "wgmma needs warps in whole warpgroups (a multiple of 4) and "
          "kv-tile at most 256";
    return false;
  }
  std::optional<TileSemantics> sem = analyzeForGPU(op, tiling, why);
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
    if (blocks[0] % (rows / group) != 0) {
      why = "query block size " + std::to_string(blocks[0]) +
            " (needs a multiple of the " + std::to_string(rows / group) +
            " query positions of a tile)";
      return false;
    }
  }
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()}) {
    // Captured values are recomputed in the kernel (constants, the
    // operands' sizes); anything else would need a kernel parameter.
    llvm::SetVector<Value> captured;
    getUsedValuesDefinedAbove(*region, captured);
    if (llvm::any_of(captured,
                     [&](Value value) { return !isRecomputable(op, value); })) {
      why = "score_mod / mask_mod regions that capture values other than "
            "constants and the operands' sizes are not on the GPU path yet";
      return false;
    }
  }
  return true;
}

/// The dimension `value` reads of Q, K or V (tensor.dim at a constant
/// index): the operand and the dimension, or a null operand.
static std::pair<Value, int64_t> operandDim(attn::AttentionOp op, Value value) {
  auto dim = value.getDefiningOp<tensor::DimOp>();
  APInt index;
  if (!dim || !matchPattern(dim.getIndex(), m_ConstantInt(&index)) ||
      !llvm::is_contained({op.getQuery(), op.getKey(), op.getValue()},
                          dim.getSource()))
    return {Value(), 0};
  return {dim.getSource(), index.getSExtValue()};
}

bool attune::detail::isRecomputable(attn::AttentionOp op, Value value) {
  if (matchPattern(value, m_Constant()) || operandDim(op, value).first)
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || def->getNumResults() != 1 ||
      !isPure(def) ||
      !isa<arith::ArithDialect, math::MathDialect>(def->getDialect()))
    return false;
  return llvm::all_of(def->getOperands(),
                      [&](Value operand) { return isRecomputable(op, operand); });
}

Value attune::detail::recompute(OpBuilder &b, attn::AttentionOp op,
                                const KernelValues &values, Value value,
                                IRMapping &mapping) {
  if (Value known = mapping.lookupOrNull(value))
    return known;
  Location loc = value.getLoc();
  Value result;
  if (auto [operand, d] = operandDim(op, value); operand) {
    auto type = cast<ShapedType>(operand.getType());
    if (!type.isDynamicDim(d))
      result = arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
    else if (d == 0)
      result = values.batch;
    else
      result = operand == op.getQuery() ? values.qLen : values.kvLen;
  } else {
    Operation *def = value.getDefiningOp();
    for (Value operand : def->getOperands())
      recompute(b, op, values, operand, mapping);
    result = b.clone(*def, mapping)->getResult(0);
  }
  mapping.map(value, result);
  return result;
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
  KernelOptions options;
  options.name = func.getSymName().str();
  options.mergeName = options.name + "_merge";
  return buildKernelFor(func, ops.front(), kernels, tiling, options);
}

LogicalResult attune::detail::buildKernelFor(func::FuncOp func,
                                             attn::AttentionOp op,
                                             gpu::GPUModuleOp kernels,
                                             const GPUTiling &tiling,
                                             const KernelOptions &options) {
  std::string why;
  if (!canLowerToGPU(op, tiling, why))
    return op.emitOpError("is not supported by the GPU path: ") << why;
  std::optional<TileSemantics> sem = analyzeForGPU(op, tiling, why);
  // Stacked rows carry no per-row position or batch for the mask and the
  // per-row operands: the caller stacks only segments without them.
  if (options.stackRows &&
      (op.getMaskAttr() || op.getHeadMasksAttr() || op.getKvLengths() ||
       op.hasBlockMask() || op.getAlibiSlopes() || op.getBias() ||
       op.getTemperature() || !op.getScoreMod().empty() ||
       !op.getMaskMod().empty()))
    return op.emitOpError("convert-attn-to-gpu: internal error: stacked "
                          "rows with a mask or per-row operands");

  // Operand -> host argument; every one must be an argument of the function.
  SmallVector<Value> operands = {op.getQuery(), op.getKey(), op.getValue(),
                                 op.getOutput()};
  for (Value optional : std::initializer_list<Value>{
           op.getLse(), op.getAlibiSlopes(), op.getBias(), op.getTemperature(),
           op.getKvLengths(), op.getKvNumBlocks(), op.getKvIndices(),
           op.getFullKvNumBlocks(), op.getFullKvIndices(),
           options.suffixLengths})
    if (optional && !llvm::is_contained(operands, optional))
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
    auto type =
        MemRefType::get({value.getNumElements()}, value.getElementType());
    auto flat = value.reshape(RankedTensorType::get({value.getNumElements()},
                                                    value.getElementType()));
    std::string name = options.name + "_constant" + std::to_string(i);
    globals[i] = memref::GlobalOp::create(
        b, loc, name, b.getStringAttr("private"), type, flat,
        /*constant=*/true, /*alignment=*/b.getI64IntegerAttr(16));
  }
  // TMA (sm_90a, wgmma): the tensor maps of K and V lead the parameters
  // (a segment of prefix attention: its own K and V's). Ragged rows need
  // their keys past kv_lengths zero-filled, which the TMA's bounds (Lk) do
  // not give: they keep cp.async (ragged suffixes: the last segment).
  bool tensorMaps =
      tiling.tma && tiling.mma == GPUMma::Wgmma && !op.getKvLengths();
  unsigned lead = tensorMaps ? 2 : 0;
  // A kernel without maps is the wgmma build's (core matrices, cp.async
  // double buffering): no swizzled tiles or mbarriers to pay for.
  GPUTiling kernelTiling = tiling;
  if (!tensorMaps) {
    kernelTiling.tma = false;
    kernelTiling.stages = 2;
    kernelTiling.overlap = false;
    kernelTiling.warpSpecialize = false;
    kernelTiling.pingPong = false;
  }
  SmallVector<Type> params(lead, LLVM::LLVMPointerType::get(ctx));
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
  params.append(3 + extraSizes.size() / 2 + 1 +
                    (options.positionedKeys ? 2 : 0) +
                    (options.suffixLengths ? 1 : 0),
                b.getIndexType());
  // A segment shared by subsets of rows: its row -> instance table.
  memref::GlobalOp rowsTable;
  if (!options.kvBatchRows.empty()) {
    SmallVector<int32_t> rows(options.kvBatchRows.begin(),
                              options.kvBatchRows.end());
    auto type =
        MemRefType::get({static_cast<int64_t>(rows.size())}, b.getI32Type());
    rowsTable = memref::GlobalOp::create(
        b, loc, options.name + "_kv_rows", b.getStringAttr("private"), type,
        DenseIntElementsAttr::get(
            RankedTensorType::get(type.getShape(), b.getI32Type()),
            ArrayRef<int32_t>(rows)),
        /*constant=*/true, /*alignment=*/b.getI64IntegerAttr(16));
  }
  auto kernel = gpu::GPUFuncOp::create(b, loc, options.name,
                                       b.getFunctionType(params, {}));
  kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  // CUtensorMap's alignment (attune-gpu-tensor-map-params makes them
  // by-value parameters after the lowering to NVVM).
  for (unsigned i = 0; i < lead; ++i)
    kernel.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                      b.getI64IntegerAttr(64));
  Block &entry = kernel.getBody().front();
  b.setInsertionPointToStart(&entry);

  KernelValues values;
  // Operand `v`: its parameter, or its global as a flat buffer.
  auto valueOf = [&](Value operand) -> Value {
    if (!operand)
      return Value();
    unsigned i = operandIndex(operand);
    if (paramOf[i] >= 0)
      return entry.getArgument(lead + paramOf[i]);
    Value global = memref::GetGlobalOp::create(b, loc, globals[i].getType(),
                                               globals[i].getSymName());
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
  if (tensorMaps) {
    values.keyMap = entry.getArgument(0);
    values.valueMap = entry.getArgument(1);
  }
  unsigned next = lead + hostArgs.size();
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
  if (options.positionedKeys) {
    values.keyOffset = entry.getArgument(next++);
    values.maskKvLen = entry.getArgument(next++);
  }
  if (options.suffixLengths) {
    values.suffixLengths = valueOf(options.suffixLengths);
    values.raggedOffset = entry.getArgument(next++);
  }
  values.slot = options.slot;
  values.sharedKv = options.sharedKv;
  values.stackRows = options.stackRows;
  if (rowsTable)
    values.kvBatchTable = memref::GetGlobalOp::create(
        b, loc, rowsTable.getType(), rowsTable.getSymName());
  emitAttentionKernel(b, loc, op, *sem, kernelTiling, values);
  // Warp specialization: the producer warpgroup after the consumers.
  int64_t threads = tiling.warps * 32 + (kernelTiling.warpSpecialize ? 128 : 0),
          rows = tiling.warps * kWarpRows;
  gpu::ReturnOp::create(b, loc);

  kernel.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
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
  kernel->setAttr(GPUKernelAttrs::mergeKernel,
                  b.getStringAttr(options.mergeName));
  if (options.withMerge) {
    b.setInsertionPointAfter(kernel);
    buildMergeKernel(b, loc, op, options.mergeName);
  }
  kernel->setAttr(GPUKernelAttrs::blockRows, b.getI64IntegerAttr(rows));
  kernel->setAttr(GPUKernelAttrs::threads, b.getI64IntegerAttr(threads));
  kernel->setAttr(GPUKernelAttrs::sharedBytes,
                  b.getI64IntegerAttr(sharedBytesFor(op, kernelTiling)));
  kernel->setAttr(GPUKernelAttrs::queryHeads,
                  b.getI64IntegerAttr(op.getNumQueryHeads()));
  kernel->setAttr(GPUKernelAttrs::headsPerBlock,
                  b.getI64IntegerAttr(sem->groupSize()));
  if (options.stackRows)
    kernel->setAttr(GPUKernelAttrs::stackedRows, b.getUnitAttr());
  if (options.positionedKeys)
    kernel->setAttr(GPUKernelAttrs::positionedKeys, b.getUnitAttr());
  if (options.suffixLengths)
    kernel->setAttr(GPUKernelAttrs::raggedConcatenation, b.getUnitAttr());
  if (tensorMaps)
    kernel->setAttr(GPUKernelAttrs::tensorMapRows,
                    b.getI64IntegerAttr(tiling.kvTile));
  return success();
}

//===- RuntimeCallPatterns.cpp - operations as emulator runtime calls -----===//
//
// The patterns of attune-convert-gpu-to-emulator: every operation that reads
// another thread's state or the launch (ids, barriers, shuffles, ldmatrix,
// mma.sync, wgmma and its fences, cp.async, shared memory) becomes a call
// that the emulator's runtime answers for the calling thread (see
// GPUToEmulator.h), and the runtime's declarations.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"

#include "attune/Conversion/AttnToGPU/WgmmaRegisterA.h"
#include "attune/Conversion/GPUToEmulator/GPUToEmulator.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

LLVM::CallOp attune::detail::callRuntime(OpBuilder &b, Operation *at,
                                         StringRef name, ValueRange args) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<LLVM::LLVMFuncOp>(
      at, StringAttr::get(b.getContext(), name));
  assert(callee && "declareEmulatorRuntime runs first");
  return LLVM::CallOp::create(b, at->getLoc(), callee, args);
}

bool attune::detail::isEmulatedMma(NVVM::MmaOp op) {
  NVVM::MMAShapeAttr shape = op.getShapeAttr();
  std::optional<NVVM::MMATypes> a = op.getMultiplicandAPtxType();
  return shape.getM() == 16 && shape.getN() == 8 && shape.getK() == 16 && a &&
         (*a == NVVM::MMATypes::f16 || *a == NVVM::MMATypes::bf16) &&
         op.getLayoutA() == NVVM::MMALayout::row &&
         op.getLayoutB() == NVVM::MMALayout::col &&
         op.getOperandA().size() == 4 && op.getOperandB().size() == 2 &&
         op.getOperandC().size() == 4 &&
         llvm::all_of(op.getOperandC().getTypes(),
                      [](Type c) { return c.isF32(); });
}

bool attune::detail::isEmulatedWgmma(NVVM::WgmmaMmaAsyncOp op) {
  NVVM::MMAShapeAttr shape = op.getShapeAttr();
  NVVM::WGMMATypes a = op.getTypeA();
  auto body = cast<LLVM::LLVMStructType>(op.getInouts().getType()).getBody();
  return shape.getM() == 64 && shape.getK() == 16 && shape.getN() % 8 == 0 &&
         shape.getN() <= 256 &&
         (a == NVVM::WGMMATypes::f16 || a == NVVM::WGMMATypes::bf16) &&
         op.getTypeB() == a && op.getTypeD() == NVVM::WGMMATypes::f32 &&
         op.getLayoutA() == NVVM::MMALayout::row &&
         op.getScaleA() == NVVM::WGMMAScaleIn::one &&
         op.getScaleB() == NVVM::WGMMAScaleIn::one &&
         static_cast<int64_t>(body.size()) == shape.getN() / 2 &&
         llvm::all_of(body, [](Type t) { return t.isF32(); });
}

bool attune::detail::isEmulatedTmaLoad(
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp op) {
  return op.getMode() == NVVM::TMALoadMode::TILE &&
         op.getIm2colOffsets().empty() && !op.getMulticastMask() &&
         !op.getL2CacheHint() && !op.getGroup() && !op.getPredicate() &&
         !op.getCoordinates().empty() && op.getCoordinates().size() <= 5;
}

//===----------------------------------------------------------------------===//
// The runtime's entry points
//===----------------------------------------------------------------------===//

void attune::declareEmulatorRuntime(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
  Type f32 = Float32Type::get(ctx), ptr = LLVM::LLVMPointerType::get(ctx);
  Type none = LLVM::LLVMVoidType::get(ctx);
  auto declare = [&](StringRef name, Type result, ArrayRef<Type> params) {
    if (module.lookupSymbol(name))
      return;
    LLVM::LLVMFuncOp::create(b, module.getLoc(), name,
                             LLVM::LLVMFunctionType::get(result, params));
  };
  declare(emulator::kId, i64, {i32});
  declare(emulator::kBarrier, none, {});
  declare(emulator::kNamedBarrier, none, {i32, i32});
  declare(emulator::kSetMaxRegisters, none, {i32, i32});
  declare(emulator::kNamedArrive, none, {i32, i32});
  declare(emulator::kShuffle, i64, {i32, i32, i32, i32});
  declare(emulator::kLdMatrix, none, {ptr, i32, i32, ptr});
  declare(emulator::kMma, none,
          {i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, ptr});
  declare(emulator::kCopy, none, {ptr, ptr, i32, i32});
  declare(emulator::kCommit, none, {});
  declare(emulator::kWait, none, {i32});
  declare(emulator::kShared, ptr, {});
  declare(emulator::kWgmma, none, {ptr, i64, i64, i32, i32, i32, i32});
  declare(emulator::kWgmmaRegisterA, none, {ptr, ptr, i64, i32, i32, i32, i32});
  declare(emulator::kWgmmaFence, none, {});
  declare(emulator::kWgmmaCommit, none, {});
  declare(emulator::kWgmmaWait, none, {i32});
  declare(emulator::kProxyFence, none, {});
  declare(emulator::kSharedStore, none, {});
  declare(emulator::kMbarrierInit, none, {ptr, i32});
  declare(emulator::kMbarrierExpectTx, none, {ptr, i32});
  declare(emulator::kMbarrierWait, none, {ptr, i32});
  declare(emulator::kTmaLoad, none,
          {ptr, ptr, ptr, i32, i32, i32, i32, i32, i32});
}

namespace {
Value i32Constant(OpBuilder &b, Location loc, int64_t value) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(value));
}

/// A 32-bit register: a vector<2xf16> (or bf16) pair or an i32, as bits.
Value asRegister(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isInteger(32))
    return value;
  return LLVM::BitcastOp::create(b, loc, b.getI32Type(), value);
}

/// `n` elements of `element` on the stack for the duration of one runtime
/// call (stacksave / stackrestore, so that a call in a loop does not grow
/// the thread's stack).
struct Scratch {
  Value saved, memory;
  Type element;
  Scratch(OpBuilder &b, Location loc, Type element, int64_t n)
      : element(element) {
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    saved = LLVM::StackSaveOp::create(b, loc, ptr);
    Value count = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                           b.getI64IntegerAttr(n));
    memory = LLVM::AllocaOp::create(b, loc, ptr, element, count, 16);
  }
  /// The address of element `i`.
  Value at(OpBuilder &b, Location loc, int64_t i) {
    return LLVM::GEPOp::create(b, loc, memory.getType(), element, memory,
                               ArrayRef<LLVM::GEPArg>{i});
  }
  /// Elements 0.. of the array as the literal struct `type`.
  Value load(OpBuilder &b, Location loc, Type type) {
    Value result = LLVM::PoisonOp::create(b, loc, type);
    int64_t n = cast<LLVM::LLVMStructType>(type).getBody().size();
    for (int64_t i = 0; i < n; ++i)
      result = LLVM::InsertValueOp::create(
          b, loc, result, LLVM::LoadOp::create(b, loc, element, at(b, loc, i)),
          ArrayRef<int64_t>{i});
    return result;
  }
  void release(OpBuilder &b, Location loc) {
    LLVM::StackRestoreOp::create(b, loc, saved);
  }
};

//===----------------------------------------------------------------------===//
// gpu
//===----------------------------------------------------------------------===//

template <typename IdOp, int32_t kBase>
struct IdLowering : ConvertOpToLLVMPattern<IdOp> {
  using ConvertOpToLLVMPattern<IdOp>::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(IdOp op, typename IdOp::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value which = i32Constant(rewriter, loc,
                              kBase + static_cast<int32_t>(op.getDimension()));
    rewriter.replaceOp(
        op, callRuntime(rewriter, op, emulator::kId, which).getResult());
    return success();
  }
};

struct BarrierLowering : ConvertOpToLLVMPattern<gpu::BarrierOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(gpu::BarrierOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    callRuntime(rewriter, op, emulator::kBarrier, {});
    rewriter.eraseOp(op);
    return success();
  }
};

/// nvvm.barrier: the block's barrier without operands, else named barrier
/// `id` over `number_of_threads` threads (all of the block's without).
struct NamedBarrierLowering : ConvertOpToLLVMPattern<NVVM::BarrierOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::BarrierOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getReductionOp() || op->getNumResults())
      return rewriter.notifyMatchFailure(op, "barrier reductions");
    Location loc = op.getLoc();
    if (!adaptor.getBarrierId()) {
      callRuntime(rewriter, op, emulator::kBarrier, {});
    } else {
      Value threads = adaptor.getNumberOfThreads()
                          ? adaptor.getNumberOfThreads()
                          : i32Constant(rewriter, loc, -1);
      callRuntime(rewriter, op, emulator::kNamedBarrier,
                  {adaptor.getBarrierId(), threads});
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// nvvm.barrier.arrive: arrival at named barrier `id` (0 without) over
/// `number_of_threads` threads, not waiting.
struct BarrierArriveLowering : ConvertOpToLLVMPattern<NVVM::BarrierArriveOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::BarrierArriveOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value id = adaptor.getBarrierId() ? adaptor.getBarrierId()
                                      : i32Constant(rewriter, op.getLoc(), 0);
    callRuntime(rewriter, op, emulator::kNamedArrive,
                {id, adaptor.getNumberOfThreads()});
    rewriter.eraseOp(op);
    return success();
  }
};

/// The runtime returns the value's bits in the low word and `valid` in bit
/// 32.
struct ShuffleLowering : ConvertOpToLLVMPattern<gpu::ShuffleOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(gpu::ShuffleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = op.getShuffleResult().getType();
    if (!type.isF32() && !type.isInteger(32))
      return rewriter.notifyMatchFailure(op, "only 32-bit shuffles");
    Location loc = op.getLoc();
    Value bits = asRegister(rewriter, loc, adaptor.getValue());
    Value mode = i32Constant(rewriter, loc, static_cast<int32_t>(op.getMode()));
    Value packed =
        callRuntime(rewriter, op, emulator::kShuffle,
                    {bits, adaptor.getOffset(), adaptor.getWidth(), mode})
            .getResult();
    Value low =
        LLVM::TruncOp::create(rewriter, loc, rewriter.getI32Type(), packed);
    Value value =
        type.isF32() ? LLVM::BitcastOp::create(rewriter, loc, type, low) : low;
    Value high = LLVM::LShrOp::create(
        rewriter, loc, packed,
        LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                 rewriter.getI64IntegerAttr(32)));
    Value valid =
        LLVM::TruncOp::create(rewriter, loc, rewriter.getI1Type(), high);
    rewriter.replaceOp(op, {value, valid});
    return success();
  }
};

struct DynamicSharedMemoryLowering
    : ConvertOpToLLVMPattern<gpu::DynamicSharedMemoryOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(gpu::DynamicSharedMemoryOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MemRefType type = op.getType();
    Type llvmType = getTypeConverter()->convertType(type);
    if (!llvmType || type.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "expected a 1-D memref");
    Value base = callRuntime(rewriter, op, emulator::kShared, {}).getResult();
    Value bytes =
        callRuntime(rewriter, op, emulator::kId,
                    i32Constant(rewriter, loc, emulator::kSharedBytes))
            .getResult();
    auto desc = MemRefDescriptor::poison(rewriter, loc, llvmType);
    desc.setAllocatedPtr(rewriter, loc, base);
    desc.setAlignedPtr(rewriter, loc, base);
    desc.setOffset(rewriter, loc,
                   createIndexAttrConstant(rewriter, loc, getIndexType(), 0));
    desc.setSize(rewriter, loc, 0, bytes);
    desc.setStride(rewriter, loc, 0,
                   createIndexAttrConstant(rewriter, loc, getIndexType(), 1));
    rewriter.replaceOp(op, {desc});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// nvgpu
//===----------------------------------------------------------------------===//

struct LdMatrixLowering : ConvertOpToLLVMPattern<nvgpu::LdMatrixOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(nvgpu::LdMatrixOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VectorType type = op.getRes().getType();
    if (type.getRank() != 2 ||
        type.getDimSize(1) * type.getElementType().getIntOrFloatBitWidth() !=
            32)
      return rewriter.notifyMatchFailure(op, "expected 32-bit registers");
    Type llvmType = getTypeConverter()->convertType(type);
    Value row =
        getStridedElementPtr(rewriter, loc, op.getSrcMemref().getType(),
                             adaptor.getSrcMemref(), adaptor.getIndices());
    Scratch out(rewriter, loc, rewriter.getI32Type(), op.getNumTiles());
    callRuntime(rewriter, op, emulator::kLdMatrix,
                {row, i32Constant(rewriter, loc, op.getNumTiles()),
                 i32Constant(rewriter, loc, op.getTranspose()), out.memory});
    Value result = LLVM::LoadOp::create(rewriter, loc, llvmType, out.memory);
    out.release(rewriter, loc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Elements of a memref as bytes.
int64_t elementBytes(MemRefType type) {
  return type.getElementType().getIntOrFloatBitWidth() / 8;
}

struct AsyncCopyLowering : ConvertOpToLLVMPattern<nvgpu::DeviceAsyncCopyOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(nvgpu::DeviceAsyncCopyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MemRefType dstType = op.getDst().getType();
    Value dst = getStridedElementPtr(rewriter, loc, dstType, adaptor.getDst(),
                                     adaptor.getDstIndices());
    Value src = getStridedElementPtr(rewriter, loc, op.getSrc().getType(),
                                     adaptor.getSrc(), adaptor.getSrcIndices());
    Value bytes =
        i32Constant(rewriter, loc,
                    op.getDstElements().getZExtValue() * elementBytes(dstType));
    Value srcBytes = bytes;
    if (Value elements = adaptor.getSrcElements()) {
      Value count =
          LLVM::TruncOp::create(rewriter, loc, rewriter.getI32Type(), elements);
      srcBytes = LLVM::MulOp::create(
          rewriter, loc, count,
          i32Constant(rewriter, loc, elementBytes(dstType)));
    }
    callRuntime(rewriter, op, emulator::kCopy, {dst, src, bytes, srcBytes});
    rewriter.replaceOp(op, i32Constant(rewriter, loc, 0));
    return success();
  }
};

struct CreateGroupLowering
    : ConvertOpToLLVMPattern<nvgpu::DeviceAsyncCreateGroupOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(nvgpu::DeviceAsyncCreateGroupOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    callRuntime(rewriter, op, emulator::kCommit, {});
    rewriter.replaceOp(op, i32Constant(rewriter, op.getLoc(), 0));
    return success();
  }
};

struct WaitLowering : ConvertOpToLLVMPattern<nvgpu::DeviceAsyncWaitOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(nvgpu::DeviceAsyncWaitOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t groups = op.getNumGroups() ? *op.getNumGroups() : 0;
    callRuntime(rewriter, op, emulator::kWait,
                i32Constant(rewriter, op.getLoc(), groups));
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// nvvm.mma.sync
//===----------------------------------------------------------------------===//

struct MmaLowering : ConvertOpToLLVMPattern<NVVM::MmaOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::MmaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isEmulatedMma(op))
      return rewriter.notifyMatchFailure(op, kMmaForms);
    ValueRange aRegs = adaptor.getOperandA(), bRegs = adaptor.getOperandB(),
               cRegs = adaptor.getOperandC();
    Location loc = op.getLoc();
    SmallVector<Value> args = {i32Constant(
        rewriter, loc, *op.getMultiplicandAPtxType() == NVVM::MMATypes::bf16)};
    for (Value reg : llvm::concat<Value>(aRegs, bRegs))
      args.push_back(asRegister(rewriter, loc, reg));
    llvm::append_range(args, cRegs);
    Type f32 = rewriter.getF32Type();
    Scratch d(rewriter, loc, f32, 4);
    args.push_back(d.memory);
    callRuntime(rewriter, op, emulator::kMma, args);
    Value result = d.load(rewriter, loc, op.getRes().getType());
    d.release(rewriter, loc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// nvvm.wgmma and the async-proxy fence
//===----------------------------------------------------------------------===//

/// The accumulators go through a stack array: the runtime reads them (when
/// scale-d is one) and writes the results once the warpgroup's 128 threads
/// have arrived.
struct WgmmaLowering : ConvertOpToLLVMPattern<NVVM::WgmmaMmaAsyncOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::WgmmaMmaAsyncOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isEmulatedWgmma(op))
      return rewriter.notifyMatchFailure(op, kWgmmaForms);
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    int64_t n = op.getShapeAttr().getN(), count = n / 2;
    Scratch acc(rewriter, loc, f32, count);
    bool accumulate = op.getScaleD() == NVVM::WGMMAScaleOut::one;
    for (int64_t i = 0; accumulate && i < count; ++i)
      LLVM::StoreOp::create(rewriter, loc,
                            LLVM::ExtractValueOp::create(rewriter, loc,
                                                         adaptor.getInouts(),
                                                         ArrayRef<int64_t>{i}),
                            acc.at(rewriter, loc, i));
    callRuntime(
        rewriter, op, emulator::kWgmma,
        {acc.memory, adaptor.getDescriptorA(), adaptor.getDescriptorB(),
         i32Constant(rewriter, loc, n),
         i32Constant(rewriter, loc, op.getTypeA() == NVVM::WGMMATypes::bf16),
         i32Constant(rewriter, loc, accumulate),
         i32Constant(rewriter, loc, op.getLayoutB() == NVVM::MMALayout::row)});
    Value result = acc.load(rewriter, loc, op.getResults().getType());
    acc.release(rewriter, loc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// wgmma with A in registers (WgmmaRegisterA's inline PTX): the
/// accumulators and the four A registers through stack arrays, scale-d as
/// the runtime's accumulate flag.
struct WgmmaRegisterALowering : ConvertOpToLLVMPattern<LLVM::InlineAsmOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(LLVM::InlineAsmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<WgmmaRegisterA> form = WgmmaRegisterA::match(op);
    if (!form)
      return rewriter.notifyMatchFailure(op, kInlineAsmForms);
    Location loc = op.getLoc();
    ValueRange operands = adaptor.getOperands();
    Scratch acc(rewriter, loc, rewriter.getF32Type(), form->n / 2);
    for (auto [i, value] : llvm::enumerate(operands.drop_front(6)))
      LLVM::StoreOp::create(rewriter, loc, value,
                            acc.at(rewriter, loc, static_cast<int64_t>(i)));
    Scratch a(rewriter, loc, rewriter.getI32Type(), 4);
    for (int64_t i = 0; i < 4; ++i)
      LLVM::StoreOp::create(rewriter, loc, operands[i], a.at(rewriter, loc, i));
    callRuntime(rewriter, op, emulator::kWgmmaRegisterA,
                {acc.memory, a.memory, operands[4],
                 i32Constant(rewriter, loc, form->n),
                 i32Constant(rewriter, loc, form->bf16), operands[5],
                 i32Constant(rewriter, loc, form->transposeB)});
    Value result = acc.load(rewriter, loc, op.getResult(0).getType());
    acc.release(rewriter, loc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A shared-memory pointer (NVVM's address spaces 3 and 7) as a host
/// pointer: the emulator's shared memory is ordinary memory.
Value hostPointer(OpBuilder &b, Location loc, Value pointer) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  if (pointer.getType() == ptr)
    return pointer;
  Value address = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), pointer);
  return LLVM::IntToPtrOp::create(b, loc, ptr, address);
}

/// mbarrier.init (count), arrive.expect_tx (bytes), arrive (as expect_tx of
/// 0 bytes) and try_wait.parity (parity) as calls of `kName` on the
/// barrier's host address and that i32 operand; not predicated, the
/// arrival's state unused, arrivals one at a time.
template <typename OpTy, const llvm::StringLiteral &kName>
struct MbarrierLowering : ConvertOpToLLVMPattern<OpTy> {
  using ConvertOpToLLVMPattern<OpTy>::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value operand;
    if constexpr (std::is_same_v<OpTy, NVVM::MBarrierInitOp>)
      operand = adaptor.getCount();
    else if constexpr (std::is_same_v<OpTy, NVVM::MBarrierArriveExpectTxOp>)
      operand = adaptor.getTxcount();
    else if constexpr (std::is_same_v<OpTy, NVVM::MBarrierArriveOp>)
      operand = i32Constant(rewriter, op.getLoc(), 0);
    else
      operand = adaptor.getPhase();
    if constexpr (std::is_same_v<OpTy, NVVM::MBarrierArriveOp>) {
      if (op.getCount() || !op->use_empty())
        return rewriter.notifyMatchFailure(op, "a count or state used");
    } else if constexpr (!std::is_same_v<OpTy, NVVM::MBarrierTryWaitParityOp>) {
      if (op.getPredicate() || !op->use_empty())
        return rewriter.notifyMatchFailure(op, "predicated or state used");
    }
    callRuntime(
        rewriter, op, kName,
        {hostPointer(rewriter, op.getLoc(), adaptor.getAddr()), operand});
    rewriter.eraseOp(op);
    return success();
  }
};

/// cp.async.bulk.tensor in tile mode, without multicast or cache hints: the
/// runtime copies the box when the mbarrier's phase completes.
struct TmaLoadLowering
    : ConvertOpToLLVMPattern<NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp op,
                  OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isEmulatedTmaLoad(op))
      return rewriter.notifyMatchFailure(op, kTmaLoadForms);
    Location loc = op.getLoc();
    SmallVector<Value> args = {
        hostPointer(rewriter, loc, adaptor.getTmaDescriptor()),
        hostPointer(rewriter, loc, adaptor.getDstMem()),
        hostPointer(rewriter, loc, adaptor.getMbar()),
        i32Constant(rewriter, loc, adaptor.getCoordinates().size())};
    for (int64_t d = 0; d < 5; ++d)
      args.push_back(d < static_cast<int64_t>(adaptor.getCoordinates().size())
                         ? adaptor.getCoordinates()[d]
                         : i32Constant(rewriter, loc, 0));
    callRuntime(rewriter, op, emulator::kTmaLoad, args);
    rewriter.eraseOp(op);
    return success();
  }
};

/// fence.mbarrier_init: the emulator's mbarriers are visible to every
/// thread and to its TMA once initialized.
struct FenceMbarrierInitLowering
    : ConvertOpToLLVMPattern<NVVM::FenceMbarrierInitOp> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(NVVM::FenceMbarrierInitOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op);
    return success();
  }
};

/// An operation without operands or results as a call of `kName`, with its
/// attributes as i32 arguments (wgmma.wait_group's group, setmaxnreg's
/// increase and count).
template <typename OpTy, const llvm::StringLiteral &kName>
struct RuntimeCallLowering : ConvertOpToLLVMPattern<OpTy> {
  using ConvertOpToLLVMPattern<OpTy>::ConvertOpToLLVMPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value, 2> args;
    if constexpr (std::is_same_v<OpTy, NVVM::WgmmaWaitGroupSyncOp>)
      args.push_back(i32Constant(rewriter, op.getLoc(), op.getGroup()));
    if constexpr (std::is_same_v<OpTy, NVVM::SetMaxRegisterOp>)
      args = {
          i32Constant(rewriter, op.getLoc(),
                      op.getAction() == NVVM::SetMaxRegisterAction::increase),
          i32Constant(rewriter, op.getLoc(), op.getRegCount())};
    if constexpr (std::is_same_v<OpTy, NVVM::FenceProxyOp>) {
      if (op.getKind() != NVVM::ProxyKind::async_shared)
        return rewriter.notifyMatchFailure(op, "only fence.proxy.async.shared");
    }
    callRuntime(rewriter, op, kName, args);
    rewriter.eraseOp(op);
    return success();
  }
};
} // namespace

void attune::populateGPUToEmulatorConversionPatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns) {
  converter.addConversion([](nvgpu::DeviceAsyncTokenType type) -> Type {
    return IntegerType::get(type.getContext(), 32);
  });
  patterns.add<
      IdLowering<gpu::ThreadIdOp, emulator::kThreadId>,
      IdLowering<gpu::BlockIdOp, emulator::kBlockId>,
      IdLowering<gpu::BlockDimOp, emulator::kBlockDim>,
      IdLowering<gpu::GridDimOp, emulator::kGridDim>, BarrierLowering,
      NamedBarrierLowering, BarrierArriveLowering, ShuffleLowering,
      DynamicSharedMemoryLowering, LdMatrixLowering, AsyncCopyLowering,
      CreateGroupLowering, WaitLowering, MmaLowering, WgmmaLowering,
      WgmmaRegisterALowering,
      RuntimeCallLowering<NVVM::WgmmaFenceAlignedOp, emulator::kWgmmaFence>,
      RuntimeCallLowering<NVVM::WgmmaGroupSyncAlignedOp,
                          emulator::kWgmmaCommit>,
      RuntimeCallLowering<NVVM::WgmmaWaitGroupSyncOp, emulator::kWgmmaWait>,
      RuntimeCallLowering<NVVM::FenceProxyOp, emulator::kProxyFence>,
      RuntimeCallLowering<NVVM::SetMaxRegisterOp, emulator::kSetMaxRegisters>,
      MbarrierLowering<NVVM::MBarrierInitOp, emulator::kMbarrierInit>,
      MbarrierLowering<NVVM::MBarrierArriveExpectTxOp,
                       emulator::kMbarrierExpectTx>,
      MbarrierLowering<NVVM::MBarrierTryWaitParityOp, emulator::kMbarrierWait>,
      MbarrierLowering<NVVM::MBarrierArriveOp, emulator::kMbarrierExpectTx>,
      TmaLoadLowering>(converter);
  patterns.add<FenceMbarrierInitLowering>(converter);
}

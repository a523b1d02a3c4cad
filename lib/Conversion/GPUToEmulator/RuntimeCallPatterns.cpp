//===- RuntimeCallPatterns.cpp - operations as emulator runtime calls -----===//
//
// The patterns of attune-convert-gpu-to-emulator: every operation that reads
// another thread's state or the launch (ids, barriers, shuffles, ldmatrix,
// mma.sync, cp.async, shared memory; the sm_90 operations in
// Sm90CallPatterns.cpp) becomes a call that the emulator's runtime answers
// for the calling thread (see GPUToEmulator.h), and the runtime's
// declarations.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"

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

} // namespace

void attune::populateGPUToEmulatorConversionPatterns(
    LLVMTypeConverter &converter, RewritePatternSet &patterns) {
  converter.addConversion([](nvgpu::DeviceAsyncTokenType type) -> Type {
    return IntegerType::get(type.getContext(), 32);
  });
  patterns.add<IdLowering<gpu::ThreadIdOp, emulator::kThreadId>,
               IdLowering<gpu::BlockIdOp, emulator::kBlockId>,
               IdLowering<gpu::BlockDimOp, emulator::kBlockDim>,
               IdLowering<gpu::GridDimOp, emulator::kGridDim>, BarrierLowering,
               NamedBarrierLowering, BarrierArriveLowering, ShuffleLowering,
               DynamicSharedMemoryLowering, LdMatrixLowering, AsyncCopyLowering,
               CreateGroupLowering, WaitLowering, MmaLowering>(converter);
  populateSm90CallPatterns(converter, patterns);
}

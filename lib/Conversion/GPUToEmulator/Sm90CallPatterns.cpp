//===- Sm90CallPatterns.cpp - sm_90 operations as emulator runtime calls --===//
//
// The sm_90 half of attune-convert-gpu-to-emulator's patterns: wgmma (A
// from shared memory or from registers, WgmmaRegisterA's inline PTX), its
// fences, commits and waits, the async-proxy fence, mbarriers, TMA loads
// and setmaxnreg become calls of the emulator's runtime (see
// GPUToEmulator.h).
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"

#include "attune/Conversion/AttnToGPU/WgmmaRegisterA.h"
#include "attune/Conversion/GPUToEmulator/GPUToEmulator.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::attune;
using namespace mlir::attune::detail;

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

namespace {
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

void attune::detail::populateSm90CallPatterns(LLVMTypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<
      WgmmaLowering, WgmmaRegisterALowering,
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
      TmaLoadLowering, FenceMbarrierInitLowering>(converter);
}

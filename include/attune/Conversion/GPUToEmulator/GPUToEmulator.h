//===- GPUToEmulator.h - GPU kernels as CPU code ---------------*- C++ -*-===//
//
// The GPU kernels Attune builds (gpu.func with gpu, nvgpu and nvvm ops) as
// CPU functions: each thread of a block is one call of the function on its
// own stack, and what a thread shares with its warp, warpgroup or block
// (thread ids, barriers, shuffles, ldmatrix, mma.sync, wgmma, cp.async,
// dynamic shared memory)
// becomes a call into the CUDA emulator's runtime (lib/Target/GPU/Emulator),
// which schedules the threads. Checks the kernels' numerics on machines
// without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_CONVERSION_GPUTOEMULATOR_GPUTOEMULATOR_H
#define ATTUNE_CONVERSION_GPUTOEMULATOR_GPUTOEMULATOR_H

#include "mlir/IR/PatternMatch.h"

namespace mlir {
class LLVMTypeConverter;
class ModuleOp;

namespace attune {

/// The emulator runtime's entry points (declared in `module` as llvm.func by
/// declareEmulatorRuntime; lib/Target/GPU/Emulator/*.c define them).
namespace emulator {
inline constexpr llvm::StringLiteral kId = "__attune_emu_id";
inline constexpr llvm::StringLiteral kBarrier = "__attune_emu_barrier";
/// bar.sync id, count: named barrier `id` over `count` threads.
inline constexpr llvm::StringLiteral kNamedBarrier =
    "__attune_emu_named_barrier";
/// bar.arrive id, count: arrival at named barrier `id` over `count`
/// threads, without waiting.
inline constexpr llvm::StringLiteral kNamedArrive = "__attune_emu_named_arrive";
/// setmaxnreg: increase (1) or decrease (0), the count.
inline constexpr llvm::StringLiteral kSetMaxRegisters =
    "__attune_emu_setmaxnreg";
inline constexpr llvm::StringLiteral kShuffle = "__attune_emu_shuffle";
inline constexpr llvm::StringLiteral kLdMatrix = "__attune_emu_ldmatrix";
inline constexpr llvm::StringLiteral kMma = "__attune_emu_mma";
inline constexpr llvm::StringLiteral kCopy = "__attune_emu_cp_async";
inline constexpr llvm::StringLiteral kCommit = "__attune_emu_commit";
inline constexpr llvm::StringLiteral kWait = "__attune_emu_wait";
inline constexpr llvm::StringLiteral kShared = "__attune_emu_shared";
inline constexpr llvm::StringLiteral kWgmma = "__attune_emu_wgmma";
/// wgmma with A in registers: (accumulators, the 4 A registers, B's
/// descriptor, N, bf16, scale-d, B transposed).
inline constexpr llvm::StringLiteral kWgmmaRegisterA =
    "__attune_emu_wgmma_register_a";
inline constexpr llvm::StringLiteral kWgmmaFence = "__attune_emu_wgmma_fence";
inline constexpr llvm::StringLiteral kWgmmaCommit = "__attune_emu_wgmma_commit";
inline constexpr llvm::StringLiteral kWgmmaWait = "__attune_emu_wgmma_wait";
inline constexpr llvm::StringLiteral kProxyFence = "__attune_emu_proxy_fence";
/// Called after every memref.store / vector.store into shared memory (the
/// wgmma protocol's checks).
inline constexpr llvm::StringLiteral kSharedStore =
    "__attune_emu_shared_store";
/// mbarriers (shared pointers): init(bar, count), arrive.expect_tx(bar,
/// bytes), try_wait.parity(bar, parity) as a blocking wait.
inline constexpr llvm::StringLiteral kMbarrierInit =
    "__attune_emu_mbarrier_init";
inline constexpr llvm::StringLiteral kMbarrierExpectTx =
    "__attune_emu_mbarrier_expect_tx";
inline constexpr llvm::StringLiteral kMbarrierWait =
    "__attune_emu_mbarrier_wait";
/// cp.async.bulk.tensor (tile mode): (tensor map, shared destination,
/// mbarrier, rank, coordinates 0-4).
inline constexpr llvm::StringLiteral kTmaLoad = "__attune_emu_tma_load";

/// `__attune_emu_id(which)`: thread id x, y, z (0-2), block id (3-5), block
/// dim (6-8), grid dim (9-11), dynamic shared memory bytes (12).
enum IdKind : int32_t {
  kThreadId = 0,
  kBlockId = 3,
  kBlockDim = 6,
  kGridDim = 9,
  kSharedBytes = 12
};
} // namespace emulator

/// Declares the runtime's entry points in `module`.
void declareEmulatorRuntime(ModuleOp module);

/// Patterns lowering gpu (ids, barrier, shuffle, dynamic shared memory),
/// nvvm.barrier (named, with a thread count),
/// nvgpu (ldmatrix, cp.async and its groups), nvvm.mma.sync, and
/// nvvm.wgmma.mma_async with its fence, commit and wait and the async-proxy
/// fence to calls of the emulator runtime. The workgroup address space must map
/// to 0 in `converter`.
void populateGPUToEmulatorConversionPatterns(LLVMTypeConverter &converter,
                                             RewritePatternSet &patterns);

} // namespace attune
} // namespace mlir

#endif // ATTUNE_CONVERSION_GPUTOEMULATOR_GPUTOEMULATOR_H

//===- Pipelines.h - Attune's named pass pipelines --------------*- C++ -*-===//
//
// Pipelines are library functions with option structs; they are registered
// for attune-opt (`attune-<target>-pipeline`) and reused by the other tools.
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_PIPELINES_PIPELINES_H
#define ATTUNE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir {
class OpPassManager;

namespace attune {

/// Options of the reference CPU pipeline.
struct ReferenceCPUPipelineOptions
    : public PassPipelineOptions<ReferenceCPUPipelineOptions> {};

/// Lowers a module holding attn ops (on tensors, in functions) through the
/// reference lowering (convert-attn-to-linalg), bufferization and loops to the
/// LLVM dialect: slow, obviously right, the oracle for every fast path.
void buildReferenceCPUPipeline(OpPassManager &pm,
                               const ReferenceCPUPipelineOptions &options = {});

/// Options of the fused CPU pipeline.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run query tiles on OpenMP threads (libomp at run time)"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> lanes{
      *this, "lanes", llvm::cl::desc("f32 lanes per vector (16: AVX-512)"),
      llvm::cl::init(16)};
  PassOptions::Option<int64_t> queryVectors{
      *this, "query-vectors",
      llvm::cl::desc("Vectors of query rows per tile"), llvm::cl::init(4)};
  PassOptions::Option<int64_t> kvTile{
      *this, "kv-tile", llvm::cl::desc("Keys per key tile"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> rowBlock{
      *this, "row-block",
      llvm::cl::desc("Keys or value columns per micro-kernel pass"),
      llvm::cl::init(4)};
  PassOptions::Option<int64_t> decodeRows{
      *this, "decode-rows",
      llvm::cl::desc("KV groups with at most this many query rows take the "
                     "decode kernel (0: never)"),
      llvm::cl::init(8)};
  PassOptions::Option<int64_t> kvSplits{
      *this, "kv-splits",
      llvm::cl::desc("Split-KV chunks of the decode kernel (0: run-time "
                     "choice, 1: never)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> bf16Dot{
      *this, "bf16-dot",
      llvm::cl::desc("bf16 through AVX-512 BF16 dot products (vdpbf16ps)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> amx{
      *this, "amx",
      llvm::cl::desc("With bf16-dot, the query-tile kernel's products on AMX "
                     "tiles (tdpbf16ps)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> raiseAttention{
      *this, "raise-attention",
      llvm::cl::desc("Find attention written out in linalg (as exporters "
                     "write it) and compile it as attn.attention "
                     "(attn-raise-attention)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> cacheBuffers{
      *this, "cache-buffers",
      llvm::cl::desc("Keep large freed heap buffers in a per-thread cache "
                     "for the next call (attune-buffer-cache)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> sharedPrefix{
      *this, "shared-prefix",
      llvm::cl::desc("Find shared prefixes (attn-raise-shared-prefix) and "
                     "decompose attn.prefix_attention Hydragen-style: each "
                     "shared KV segment attended once by the stacked queries "
                     "of its rows (false: over each row's concatenated KV)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fallback{
      *this, "fallback",
      llvm::cl::desc("Lower ops the fused path cannot take through the "
                     "reference form (false: error)"),
      llvm::cl::init(true)};
};

/// Raises attention written out in linalg (attn-raise-attention), raises
/// and decomposes shared-prefix attention (attn-raise-shared-prefix,
/// attn-decompose-shared-prefix), then
/// lowers attn ops through convert-attn-to-cpu (the fused tiled loop nest;
/// the reference lowering for what it does not take), bufferization, OpenMP
/// and the vector dialect to the LLVM dialect.
void buildCPUPipeline(OpPassManager &pm,
                      const CPUPipelineOptions &options = {});

/// Options of the GPU pipeline.
struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA architecture (sm_80 and later: mma.sync, "
                     "cp.async, ldmatrix)"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX version feature, e.g. +ptx87 (default: the lowest "
                     "version the chip needs)"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> warps{
      *this, "warps",
      llvm::cl::desc("Warps per thread block (16 query rows each)"),
      llvm::cl::init(4)};
  PassOptions::Option<int64_t> kvTile{
      *this, "kv-tile",
      llvm::cl::desc("Keys per shared-memory tile (a multiple of 16 * warps)"),
      llvm::cl::init(64)};
  PassOptions::Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("Tensor-core instructions: sync (mma.sync, sm_80 and "
                     "later) or wgmma (wgmma.mma_async, sm_90a)"),
      llvm::cl::init("sync")};
  PassOptions::Option<bool> tma{
      *this, "tma",
      llvm::cl::desc("With mma=wgmma: K and V tiles through the TMA (tensor "
                     "maps the launcher encodes, mbarriers)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> stages{
      *this, "stages",
      llvm::cl::desc("With tma=true: K and V buffers in flight (2 to 8)"),
      llvm::cl::init(2)};
  PassOptions::Option<bool> overlap{
      *this, "overlap",
      llvm::cl::desc("With tma=true and stages of 3 or more: each step's "
                     "softmax overlaps the previous step's P V "
                     "(FlashAttention-3's intra-warpgroup pipelining)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> warpSpecialize{
      *this, "warp-specialize",
      llvm::cl::desc("With tma=true: a producer warpgroup issues the TMA "
                     "loads, the consumer warpgroups only compute "
                     "(FlashAttention-3's warp specialization)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> pingPong{
      *this, "ping-pong",
      llvm::cl::desc("With overlap=true: the consumer warpgroups take turns "
                     "issuing their products (FlashAttention-3's ping-pong)"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary embeds: isa (PTX, needs no "
                     "CUDA toolkit), bin (cubin: ptxas from the toolkit), "
                     "or none (stop at the NVVM dialect)"),
      llvm::cl::init("isa")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit prefix for format=bin (default: "
                     "CUDA_ROOT / the build's CUDA path)"),
      llvm::cl::init("")};
};

/// Lowers attn.attention to NVIDIA GPU kernels: convert-attn-to-gpu (the
/// FlashAttention-2 form on tensor cores), the special-function-unit math,
/// nvgpu / vector / gpu to the NVVM dialect, then the PTX (or cubin) of
/// gpu.module @attune_kernels as a gpu.binary.
void buildGPUPipeline(OpPassManager &pm,
                      const GPUPipelineOptions &options = {});
/// Its two halves: the kernels (convert-attn-to-gpu, which records each
/// kernel's launch on its gpu.func), then everything down to the binary.
void buildGPUKernels(OpPassManager &pm, const GPUPipelineOptions &options);
void buildGPUBinary(OpPassManager &pm, const GPUPipelineOptions &options);
/// Instead of the binary: the kernels as CPU code (LLVM dialect) for the CUDA
/// emulator (attune-convert-gpu-to-emulator), after the same fast math.
void buildGPUEmulation(OpPassManager &pm);
/// buildGPUKernels, then buildGPUEmulation.
void buildGPUEmulationPipeline(OpPassManager &pm,
                               const GPUPipelineOptions &options = {});

/// Registers `attune-reference-cpu-pipeline`, `attune-cpu-pipeline`,
/// `attune-gpu-pipeline` and `attune-gpu-emulation-pipeline`.
void registerPipelines();

} // namespace attune
} // namespace mlir

#endif // ATTUNE_PIPELINES_PIPELINES_H

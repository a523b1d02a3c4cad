//===- Models.cpp - whole-model scenarios of attune-bench -----------------===//
//
// The Llama-style decoder block exported by torch-mlir (bench/models/: hidden
// 64, 4 query heads on 2 KV heads of 16, causal SDPA, SwiGLU MLP, weights
// embedded), compiled by attune-compile with attention raised to
// attn.attention (the fused kernel) and without (the exporter's linalg: the
// [Lq, Lk] scores materialized, softmax in separate loops). PyTorch eager on
// the same block is timed by bench/torch_block.py (it needs torch).
// `attune_dynamic`: the block exported with a symbolic length (one object
// for every L, the length an argument), raised. `llama_decode`: one decode
// step of the GQA block over a KV cache of P positions (models/
// llama_decode_gqa_dynP), raised and not.
//
//===----------------------------------------------------------------------===//

#include "Models.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#define ATTUNE_BENCH_MODEL(L)                                                  \
  int32_t llama_L##L##_raised(const float *, float *);                         \
  int32_t llama_L##L##_unraised(const float *, float *);
ATTUNE_BENCH_MODEL(512)
ATTUNE_BENCH_MODEL(2048)
ATTUNE_BENCH_MODEL(8192)
#undef ATTUNE_BENCH_MODEL
int32_t llama_dynL_raised(const float *, float *, int64_t);
int32_t llama_decode_raised(const float *, const float *, float *, float *,
                            float *, int64_t);
int32_t llama_decode_unraised(const float *, const float *, float *, float *,
                              float *, int64_t);
}

namespace {
constexpr int64_t kHidden = 64;
using Block = int32_t (*)(const float *, float *);

/// Times `block` on the exporter's input x[i] = sin(0.37 i), [1, len, 64].
template <typename Call>
void registerBlock(int64_t len, const char *impl, Call block) {
  auto *bench = benchmark::RegisterBenchmark(
      ("llama_block/L=" + std::to_string(len) + "/" + impl).c_str(),
      [len, block](benchmark::State &state) {
        std::vector<float> x(len * kHidden), out(len * kHidden);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = std::sin(0.37f * static_cast<float>(i));
        for (auto _ : state) {
          if (block(x.data(), out.data()) != 0)
            state.SkipWithError("kernel returned an error status");
          benchmark::ClobberMemory();
        }
      });
  bench->Unit(benchmark::kMillisecond)->UseRealTime();
  if (len >= 8192 && std::string(impl) == "attune_unraised")
    bench->Iterations(1);
}
} // namespace

using Decode = int32_t (*)(const float *, const float *, float *, float *,
                           float *, int64_t);

/// Times one decode step at cache length `len` on the exporter's inputs.
static void registerDecode(int64_t len, const char *impl, Decode step) {
  constexpr int64_t kKvHeads = 2, kHeadDim = 16;
  auto *bench = benchmark::RegisterBenchmark(
      ("llama_decode/P=" + std::to_string(len) + "/" + impl).c_str(),
      [len, step](benchmark::State &state) {
        std::vector<float> x(kHidden), past(2 * kKvHeads * len * kHeadDim);
        std::vector<float> out(kHidden), k(kKvHeads * kHeadDim),
            v(kKvHeads * kHeadDim);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = std::sin(0.37f * static_cast<float>(i));
        for (size_t i = 0; i < past.size(); ++i)
          past[i] = std::cos(0.11f * static_cast<float>(i));
        for (auto _ : state) {
          if (step(x.data(), past.data(), out.data(), k.data(), v.data(),
                   len) != 0)
            state.SkipWithError("kernel returned an error status");
          benchmark::ClobberMemory();
        }
      });
  bench->Unit(benchmark::kMillisecond)->UseRealTime();
}

void attune::bench::registerModels() {
  struct Entry {
    int64_t len;
    Block raised, unraised;
  } entries[] = {{512, llama_L512_raised, llama_L512_unraised},
                 {2048, llama_L2048_raised, llama_L2048_unraised},
                 {8192, llama_L8192_raised, llama_L8192_unraised}};
  for (const Entry &e : entries) {
    registerBlock(e.len, "attune_raised", e.raised);
    registerBlock(e.len, "attune_unraised", e.unraised);
    int64_t len = e.len;
    registerBlock(len, "attune_dynamic", [len](const float *x, float *out) {
      return llama_dynL_raised(x, out, len);
    });
  }
  for (int64_t len : {4096, 16384}) {
    registerDecode(len, "attune_raised", llama_decode_raised);
    registerDecode(len, "attune_unraised", llama_decode_unraised);
  }
}

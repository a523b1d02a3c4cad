//===- Hydragen.cpp - shared-prefix decode scenarios of attune-bench ------===//
//
// B sequences share a prompt of P keys and each has S = 128 keys of its own;
// one decode step (one query per row), Hq = 32, D = 128, Hkv = 32 or 8, f32
// or bf16. Three impls on the same data:
//   attune_hydragen   attn.prefix_attention, decomposed (the prefix attended
//                     once by the stacked queries of all rows, exact merge);
//   attune_per_row    the fused decode kernel run per sequence over its full
//                     KV (prefix + suffix contiguous, as a cache without
//                     sharing holds it);
//   openblas_unfused  the same per sequence, unfused on OpenBLAS (B in 1, 8,
//                     64 and P <= 4096 only: it is slow to run).
// The per-sequence KV copies are distinct buffers while they fit in 2 GiB,
// then reused round-robin (each copy is larger than the last-level cache by
// then, so reuse does not help the per-row impls).
//
// Counters: speedup-relevant time, and roofline_fraction: the bound of the
// decomposed problem, max(flops / peak, bytes / bandwidth) with the measured
// peaks (bf16: the vdpbf16ps peak), over the measured time. flops =
// 4 B Hq (P + S) D; bytes = the prefix KV once, each suffix KV, Q and O.
//
//===----------------------------------------------------------------------===//

#include "Hydragen.h"

#include "Problem.h"
#include "hydragen_kernels.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <tuple>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace attune::bench;

namespace {

constexpr int64_t kQHeads = 32, kDim = 128, kSuffix = 128;

struct Config {
  int64_t batch, prefix, kvHeads;
  bool bf16;

  int64_t elementBytes() const { return bf16 ? 2 : 4; }
  double flops() const {
    return 4.0 * batch * kQHeads * (prefix + kSuffix) * kDim;
  }
  double bytes() const {
    double kv = 2.0 * kvHeads * kDim * (prefix + double(batch) * kSuffix);
    return (kv + 2.0 * batch * kQHeads * kDim) * elementBytes();
  }
  /// max(flops / peak, bytes / bandwidth), in seconds; bf16's peak is the
  /// fastest of the machine's units that take it (AMX tiles, vdpbf16ps, or
  /// f32 FMA after widening).
  double roofline(const Machine &m) const {
    double peak = bf16 ? std::max({m.fmaGflops, m.bf16DotGflops, m.amxGflops})
                       : m.fmaGflops;
    return std::max(flops() / (peak * 1e9), bytes() / (m.readGbps * 1e9));
  }
  bool operator==(const Config &o) const {
    return batch == o.batch && prefix == o.prefix && kvHeads == o.kvHeads &&
           bf16 == o.bf16;
  }
};

/// Raw storage of one dtype (f32 words or bf16 bits), seeded uniform(-1, 1).
struct Buffer {
  std::vector<uint32_t> words; // 4-byte aligned storage of either dtype
  size_t elements = 0;
  bool bf16 = false;

  Buffer(size_t n, bool isBf16) : elements(n), bf16(isBf16) {
    words.resize(isBf16 ? (n + 1) / 2 : n);
  }
  void *data() { return words.data(); }
  size_t bytes() const { return elements * (bf16 ? 2 : 4); }
  void fill(std::mt19937 &rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    if (bf16) {
      auto *h = reinterpret_cast<uint16_t *>(words.data());
      for (size_t i = 0; i < elements; ++i)
        h[i] = toBf16(dist(rng));
    } else {
      auto *f = reinterpret_cast<float *>(words.data());
      for (size_t i = 0; i < elements; ++i)
        f[i] = dist(rng);
    }
  }
};

/// The inputs of one configuration, and the per-sequence full KV copies.
struct SharedPrefixProblem {
  Config config;
  Buffer q, prefixK, prefixV, suffixK, suffixV, out;
  std::vector<Buffer> fullK, fullV; // [1, Hkv, P + S, D] per copy

  explicit SharedPrefixProblem(const Config &c)
      : config(c), q(c.batch * kQHeads * kDim, c.bf16),
        prefixK(c.kvHeads * c.prefix * kDim, c.bf16),
        prefixV(c.kvHeads * c.prefix * kDim, c.bf16),
        suffixK(c.batch * c.kvHeads * kSuffix * kDim, c.bf16),
        suffixV(c.batch * c.kvHeads * kSuffix * kDim, c.bf16),
        out(c.batch * kQHeads * kDim, c.bf16) {
    std::mt19937 rng(99);
    for (Buffer *b : {&q, &prefixK, &prefixV, &suffixK, &suffixV})
      b->fill(rng);
  }

  /// Copies of each sequence's concatenated KV, made on first use.
  void makeFullKv() {
    if (!fullK.empty())
      return;
    const Config &c = config;
    size_t perCopy = c.kvHeads * (c.prefix + kSuffix) * kDim;
    size_t copyBytes = 2 * perCopy * c.elementBytes();
    size_t copies = std::clamp<size_t>((size_t(2) << 30) / copyBytes, 1,
                                       static_cast<size_t>(c.batch));
    size_t e = c.elementBytes(), row = kDim * e;
    for (size_t n = 0; n < copies; ++n) {
      for (auto [full, prefix, suffix] :
           {std::tuple{&fullK, &prefixK, &suffixK},
            std::tuple{&fullV, &prefixV, &suffixV}}) {
        full->emplace_back(perCopy, c.bf16);
        auto *dst = static_cast<char *>(full->back().data());
        auto *p = static_cast<const char *>(prefix->data());
        auto *s = static_cast<const char *>(suffix->data());
        for (int64_t h = 0; h < c.kvHeads; ++h) {
          char *head = dst + h * (c.prefix + kSuffix) * row;
          std::memcpy(head, p + h * c.prefix * row, c.prefix * row);
          std::memcpy(head + c.prefix * row,
                      s + ((n * c.kvHeads + h) * kSuffix) * row,
                      kSuffix * row);
        }
      }
    }
  }
};

SharedPrefixProblem &problemFor(const Config &c) {
  static std::unique_ptr<SharedPrefixProblem> current;
  if (!current || !(current->config == c)) {
    current.reset();
    current = std::make_unique<SharedPrefixProblem>(c);
  }
  return *current;
}

using HydragenKernel = int32_t (*)(const void *, const void *, const void *,
                                   const void *, const void *, void *, int64_t,
                                   int64_t, int64_t);
using PerRowKernel = int32_t (*)(const void *, const void *, const void *,
                                 void *, int64_t, int64_t);

struct Kernels {
  HydragenKernel hydragen;
  PerRowKernel perRow;
};

Kernels kernelsFor(int64_t kvHeads, bool bf16) {
  if (bf16)
    return kvHeads == 32
               ? Kernels{reinterpret_cast<HydragenKernel>(hydragen_bf16_hkv32),
                         reinterpret_cast<PerRowKernel>(per_row_bf16_hkv32)}
               : Kernels{reinterpret_cast<HydragenKernel>(hydragen_bf16_hkv8),
                         reinterpret_cast<PerRowKernel>(per_row_bf16_hkv8)};
  return kvHeads == 32
             ? Kernels{reinterpret_cast<HydragenKernel>(hydragen_f32_hkv32),
                       reinterpret_cast<PerRowKernel>(per_row_f32_hkv32)}
             : Kernels{reinterpret_cast<HydragenKernel>(hydragen_f32_hkv8),
                       reinterpret_cast<PerRowKernel>(per_row_f32_hkv8)};
}

/// Sequence b of the batch: its query, its output, its full KV copy.
struct Row {
  const void *q, *k, *v;
  void *out;
};

Row rowOf(SharedPrefixProblem &p, int64_t b) {
  size_t e = p.config.elementBytes(), qRow = kQHeads * kDim * e;
  size_t copy = b % p.fullK.size();
  return {static_cast<const char *>(p.q.data()) + b * qRow,
          p.fullK[copy].data(), p.fullV[copy].data(),
          static_cast<char *>(p.out.data()) + b * qRow};
}

} // namespace

void attune::bench::registerHydragen(const Machine &machine) {
  for (bool bf16 : {false, true})
    for (int64_t kvHeads : {32, 8})
      for (int64_t prefix : {1024, 4096, 16384})
        for (int64_t batch : {1, 8, 32, 64, 128}) {
          Config c{batch, prefix, kvHeads, bf16};
          Kernels kernels = kernelsFor(kvHeads, bf16);
          std::string scenario = std::string("hydragen_") +
                                 (bf16 ? "bf16" : "f32") + "_hkv" +
                                 std::to_string(kvHeads) +
                                 "/B=" + std::to_string(batch) +
                                 ",P=" + std::to_string(prefix);
          // The per-row impls stream B full KV caches: one iteration once
          // that is above 4 GB.
          double perRowBytes = 2.0 * batch * kvHeads * (prefix + kSuffix) *
                               kDim * c.elementBytes();
          bool once = perRowBytes > 4e9;
          auto add = [&](const char *impl, bool perRow,
                         std::function<int32_t(SharedPrefixProblem &)> run) {
            auto *bench = benchmark::RegisterBenchmark(
                (scenario + "/" + impl).c_str(),
                [=, &machine](benchmark::State &state) {
                  SharedPrefixProblem &p = problemFor(c);
                  if (perRow)
                    p.makeFullKv();
                  for (auto _ : state) {
                    if (run(p) != 0)
                      state.SkipWithError("kernel returned an error status");
                    benchmark::ClobberMemory();
                  }
                  using benchmark::Counter;
                  state.counters["gflops"] = Counter(
                      c.flops() * 1e-9, Counter::kIsIterationInvariantRate);
                  state.counters["roofline_fraction"] =
                      Counter(c.roofline(machine),
                              Counter::kIsIterationInvariantRate);
                  state.counters["roofline_ms"] = c.roofline(machine) * 1e3;
                });
            bench->Unit(benchmark::kMillisecond)->UseRealTime();
            if (perRow && once)
              bench->Iterations(1);
          };
          add("attune_hydragen", false, [kernels](SharedPrefixProblem &p) {
            const Config &c = p.config;
            return kernels.hydragen(p.q.data(), p.prefixK.data(),
                                    p.suffixK.data(), p.prefixV.data(),
                                    p.suffixV.data(), p.out.data(), c.batch,
                                    c.prefix, kSuffix);
          });
          add("attune_per_row", true, [kernels](SharedPrefixProblem &p) {
            for (int64_t b = 0; b < p.config.batch; ++b) {
              Row r = rowOf(p, b);
              if (int32_t status = kernels.perRow(r.q, r.k, r.v, r.out, 1,
                                                  p.config.prefix + kSuffix))
                return status;
            }
            return int32_t(0);
          });
          // The unfused baseline (B x Hkv GEMM pairs) is slow to run: on a
          // subset of the matrix only.
          bool withOpenblas =
              (batch == 1 || batch == 8 || batch == 64) && prefix <= 4096;
          if (!withOpenblas)
            continue;
          add("openblas_unfused", true, [](SharedPrefixProblem &p) {
            Shape s;
            s.qHeads = kQHeads;
            s.kvHeads = p.config.kvHeads;
            s.qLen = 1;
            s.kvLen = p.config.prefix + kSuffix;
            s.headDim = kDim;
            s.bf16 = p.config.bf16;
            for (int64_t b = 0; b < p.config.batch; ++b) {
              Row r = rowOf(p, b);
              openblasUnfused(s, r.q, r.k, r.v, r.out);
            }
            return int32_t(0);
          });
        }
}

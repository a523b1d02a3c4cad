//===- attune-bench.cpp - Attune against the baselines, same process ------===//
//
// Each case is named <scenario>/<impl>, impl one of attune, openblas_unfused,
// naive, all run on the same inputs. Counters: gflops (useful FLOPs / s),
// gbps (Q, K, V, O bytes / s; decode: K and V bytes / s) and peak_fraction
// (gflops / measured FMA peak for prefill, gbps / measured read bandwidth for
// decode), the peaks measured at start on the same threads.
//
//   OMP_NUM_THREADS / ATTUNE_BENCH_THREADS: threads (default 2)
//
//===----------------------------------------------------------------------===//

#include "Hydragen.h"
#include "Machine.h"
#include "Models.h"
#include "Problem.h"
#include "Variants.h"
#include "attention_kernels.h"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

using namespace attune::bench;

namespace {

using Kernel = int32_t (*)(const void *, const void *, const void *, void *,
                           int64_t, int64_t, int64_t);

/// The emitted kernels take typed pointers; all have this argument order.
template <typename T, typename F> Kernel erase(F *fn) {
  return reinterpret_cast<Kernel>(fn);
}

Machine machine;

void addCounters(benchmark::State &state, const Shape &shape, bool decode) {
  using benchmark::Counter;
  double bytes = decode ? shape.kvBytes() : shape.bytes();
  state.counters["gflops"] = Counter(shape.flops() * 1e-9,
                                     Counter::kIsIterationInvariantRate);
  state.counters["gbps"] =
      Counter(bytes * 1e-9, Counter::kIsIterationInvariantRate);
  state.counters["peak_fraction"] =
      decode ? Counter(bytes * 1e-9 / machine.readGbps,
                       Counter::kIsIterationInvariantRate)
             : Counter(shape.flops() * 1e-9 / machine.fmaGflops,
                       Counter::kIsIterationInvariantRate);
}

/// Registers `<scenario>/<impl>`: `run` once per iteration on the shared
/// problem, then the counters.
void registerImpl(const std::string &name, const Shape &shape, bool decode,
                  std::function<void(Problem &, benchmark::State &)> run,
                  bool once = false) {
  auto *bench = benchmark::RegisterBenchmark(
      name.c_str(), [=](benchmark::State &state) {
        Problem &p = problemFor(shape);
        for (auto _ : state) {
          run(p, state);
          benchmark::ClobberMemory();
        }
        addCounters(state, shape, decode);
      });
  bench->Unit(benchmark::kMillisecond)->UseRealTime();
  if (once)
    bench->Iterations(1);
}

void registerCase(const std::string &scenario, const Shape &shape,
                  Kernel kernel, bool decode, bool withNaive) {
  registerImpl(scenario + "/attune", shape, decode,
               [=](Problem &p, benchmark::State &state) {
                 if (kernel(p.qData(), p.kData(), p.vData(), p.outData(),
                            shape.batch, shape.qLen, shape.kvLen) != 0)
                   state.SkipWithError("kernel returned an error status");
               });
  registerImpl(scenario + "/openblas_unfused", shape, decode,
               [](Problem &p, benchmark::State &) { openblasUnfused(p); });
  if (withNaive)
    registerImpl(scenario + "/naive", shape, decode,
                 [](Problem &p, benchmark::State &) { naive(p); },
                 /*once=*/true);
}

void registerAll() {
  struct Prefill {
    const char *dtype;
    bool causal;
    Kernel kernel;
  } prefills[] = {
      {"f32", false, erase<float>(prefill_f32)},
      {"f32", true, erase<float>(prefill_f32_causal)},
      {"bf16", false, erase<uint16_t>(prefill_bf16)},
      {"bf16", true, erase<uint16_t>(prefill_bf16_causal)},
  };
  for (const Prefill &p : prefills)
    for (int64_t len : {512, 1024, 2048, 4096, 8192}) {
      Shape s;
      s.qHeads = s.kvHeads = 8;
      s.qLen = s.kvLen = len;
      s.causal = p.causal;
      s.bf16 = std::string(p.dtype) == "bf16";
      std::string name = std::string("prefill_") + p.dtype +
                         (p.causal ? "_causal" : "") + "/L=" +
                         std::to_string(len);
      registerCase(name, s, p.kernel, /*decode=*/false, len <= 1024);
    }
  struct Decode {
    const char *dtype;
    Kernel kernel;
  } decodes[] = {{"f32", erase<float>(decode_f32)},
                 {"bf16", erase<uint16_t>(decode_bf16)}};
  for (const Decode &d : decodes)
    for (int64_t len : {4096, 16384, 65536}) {
      Shape s;
      s.qHeads = 32;
      s.kvHeads = 8;
      s.qLen = 1;
      s.kvLen = len;
      s.bf16 = std::string(d.dtype) == "bf16";
      std::string name = std::string("decode_") + d.dtype +
                         "/Lk=" + std::to_string(len);
      registerCase(name, s, d.kernel, /*decode=*/true, len <= 16384);
    }
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  int threads = 2;
  if (const char *env = std::getenv("ATTUNE_BENCH_THREADS"))
    threads = std::atoi(env);
  else if (const char *env = std::getenv("OMP_NUM_THREADS"))
    threads = std::atoi(env);
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  machine = measureMachine(threads);
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::AddCustomContext("isa", machine.isa);
  benchmark::AddCustomContext("fma_peak_gflops",
                              std::to_string(machine.fmaGflops));
  benchmark::AddCustomContext("bf16_dot_peak_gflops",
                              std::to_string(machine.bf16DotGflops));
  benchmark::AddCustomContext("cpu_model", machine.model);
  benchmark::AddCustomContext("amx_bf16_peak_gflops",
                              std::to_string(machine.amxGflops));
  benchmark::AddCustomContext("read_bw_gbps", std::to_string(machine.readGbps));
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  registerAll();
  registerVariants([](const std::string &name, const Shape &shape,
                      std::function<int32_t(Problem &)> run) {
    registerImpl(name + "/attune", shape, /*decode=*/false,
                 [run](Problem &p, benchmark::State &state) {
                   if (run(p) != 0)
                     state.SkipWithError("kernel returned an error status");
                 });
  });
  registerHydragen(machine);
  registerModels();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

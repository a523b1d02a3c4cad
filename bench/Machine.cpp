//===- Machine.cpp - calibrated FMA, bf16 dot and read-bandwidth loops ----===//
//
// Each figure is the best of a few timed runs on all threads at once: the
// ceiling the benchmark's peak_fraction counters divide by.
//
//===----------------------------------------------------------------------===//

#include "Machine.h"

#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

using namespace attune::bench;

namespace {

constexpr int64_t kSteps = 20'000'000;

/// Runs `work(thread)` on `threads` threads; returns the wall time in s.
template <typename Fn> double timeOnThreads(int threads, Fn work) {
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(work, t);
  for (std::thread &thread : pool)
    thread.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

volatile float sink;

/// 16 independent FMA chains (enough to cover latency x pipes), 16 lanes.
__attribute__((target("avx512f"))) void fmaLoop512(int64_t steps) {
  __m512 acc[16];
  for (__m512 &a : acc)
    a = _mm512_set1_ps(1.0f);
  __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < steps; ++i) {
    for (__m512 &a : acc)
      a = _mm512_fmadd_ps(a, x, y);
    __asm__ volatile("" : "+v"(x));
  }
  float s = 0;
  for (__m512 &a : acc)
    s += _mm512_reduce_add_ps(a);
  sink = s;
}

__attribute__((target("avx2,fma"))) void fmaLoop256(int64_t steps) {
  __m256 acc[12];
  for (__m256 &a : acc)
    a = _mm256_set1_ps(1.0f);
  __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < steps; ++i) {
    for (__m256 &a : acc)
      a = _mm256_fmadd_ps(a, x, y);
    __asm__ volatile("" : "+v"(x));
  }
  float s = 0;
  for (__m256 &a : acc) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, a);
    for (float l : lanes)
      s += l;
  }
  sink = s;
}

/// vdpbf16ps: 16 lanes x 2 products x 2 FLOP per instruction.
__attribute__((target("avx512f,avx512bf16"))) void bf16Loop(int64_t steps) {
  __m512 acc[16];
  for (__m512 &a : acc)
    a = _mm512_setzero_ps();
  __m512bh x = (__m512bh)_mm512_set1_epi16(0x3f80);
  __m512bh y = (__m512bh)_mm512_set1_epi16(0x3380);
  for (int64_t i = 0; i < steps; ++i) {
    for (__m512 &a : acc)
      a = _mm512_dpbf16_ps(a, x, y);
    __asm__ volatile("" : "+v"(x));
  }
  float s = 0;
  for (__m512 &a : acc)
    s += _mm512_reduce_add_ps(a);
  sink = s;
}

/// tdpbf16ps: a 16x16 f32 tile += 16x32 bf16 x 32x16 bf16 (16384 FLOP),
/// four independent accumulators in registers.
__attribute__((target("amx-tile,amx-bf16"))) void amxLoop(int64_t steps) {
  struct alignas(64) {
    uint8_t palette = 1, startRow = 0, reserved[14] = {};
    uint16_t bytesPerRow[16] = {};
    uint8_t rows[16] = {};
  } config;
  for (int t = 0; t < 8; ++t) {
    config.rows[t] = 16;
    config.bytesPerRow[t] = 64;
  }
  _tile_loadconfig(&config);
  alignas(64) static const uint16_t ones[16 * 32] = {};
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, ones, 64);
  _tile_loadd(5, ones, 64);
  _tile_loadd(6, ones, 64);
  _tile_loadd(7, ones, 64);
  for (int64_t i = 0; i < steps; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_release();
}

/// Whether this process may use AMX tiles (asks Linux for the tile state).
bool amxUsable() {
  if (!__builtin_cpu_supports("amx-tile") ||
      !__builtin_cpu_supports("amx-bf16"))
    return false;
  constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
}

__attribute__((target("avx2"))) double sumRange(const float *data,
                                                size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(data + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(data + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(data + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(data + i + 24));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1),
                                       _mm256_add_ps(a2, a3)));
  double s = 0;
  for (float l : lanes)
    s += l;
  return s;
}

template <typename Fn> double best(int runs, Fn fn) {
  double result = 0;
  for (int r = 0; r < runs; ++r)
    result = std::max(result, fn());
  return result;
}

} // namespace

Machine attune::bench::measureMachine(int threads) {
  Machine m;
  m.threads = threads;
  bool avx512 = __builtin_cpu_supports("avx512f");
  m.isa = avx512 ? "avx512" : "avx2";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      m.model = line.substr(line.find(':') + 2);
      break;
    }
  m.fmaGflops = best(3, [&] {
    double seconds = timeOnThreads(threads, [&](int) {
      avx512 ? fmaLoop512(kSteps) : fmaLoop256(kSteps);
    });
    double flops = avx512 ? 16.0 * 16 * 2 : 12.0 * 8 * 2;
    return flops * kSteps * threads / seconds * 1e-9;
  });
  if (avx512 && __builtin_cpu_supports("avx512bf16"))
    m.bf16DotGflops = best(3, [&] {
      double seconds = timeOnThreads(threads, [](int) { bf16Loop(kSteps); });
      return 16.0 * 16 * 4 * kSteps * threads / seconds * 1e-9;
    });
  if (amxUsable()) {
    constexpr int64_t kTileSteps = kSteps / 8;
    m.amxGflops = best(3, [&] {
      double seconds = timeOnThreads(threads, [](int) { amxLoop(kTileSteps); });
      return 4.0 * 16 * 16 * 32 * 2 * kTileSteps * threads / seconds * 1e-9;
    });
  }
  // 1 GiB of floats, read by every thread in its own slice.
  size_t n = size_t(1) << 28;
  float *data = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  std::fill(data, data + n, 1.0f);
  m.readGbps = best(3, [&] {
    double seconds = timeOnThreads(threads, [&](int t) {
      size_t slice = n / threads;
      sink = static_cast<float>(sumRange(data + t * slice, slice));
    });
    return n * sizeof(float) / seconds * 1e-9;
  });
  std::free(data);
  return m;
}

//===- Problem.h - one attention problem, inputs shared by all impls -*- C++ -*-===//

#ifndef ATTUNE_BENCH_PROBLEM_H
#define ATTUNE_BENCH_PROBLEM_H

#include <cstdint>
#include <string>
#include <vector>

namespace attune::bench {

/// Layout [B, H, L, D], row-major, one dtype for Q, K, V and O.
struct Shape {
  int64_t batch = 1, qHeads = 8, kvHeads = 8, qLen = 1, kvLen = 1;
  int64_t headDim = 128;
  bool causal = false;
  bool bf16 = false;

  bool operator==(const Shape &o) const;
  /// 4 * B * Hq * Lq * Lk * D, halved for causal (the useful FLOPs).
  double flops() const;
  /// Q, K, V read once and O written once.
  double bytes() const;
  /// K and V bytes (what a decode step must stream).
  double kvBytes() const;
};

/// Seeded random inputs and an output buffer for `shape`; every impl of a
/// scenario runs on the same instance.
struct Problem {
  Shape shape;
  std::vector<float> q, k, v, out;            // f32 problems
  std::vector<uint16_t> qb, kb, vb, outb;     // bf16 problems (raw bits)

  const void *qData() const;
  const void *kData() const;
  const void *vData() const;
  void *outData();
};

/// The problem for `shape`, built on first use (the last one is kept).
Problem &problemFor(const Shape &shape);

uint16_t toBf16(float x);
float fromBf16(uint16_t h);

/// Unfused attention with OpenBLAS: S = scale Q K^T (sgemm), a vectorized
/// masked softmax over each row of S (OpenMP threads), O = P V (sgemm); bf16
/// operands are widened to f32 first (Debian's OpenBLAS has no sbgemm). Query heads of one KV head are stacked into one
/// GEMM when Lq = 1 (decode), so K and V are read once per group.
void openblasUnfused(Problem &problem);
/// The same on caller-owned data laid out as `shape` says (bf16 as raw bits).
void openblasUnfused(const Shape &shape, const void *q, const void *k,
                     const void *v, void *out);

/// The textbook loop nest, one query row at a time, scalar, one thread.
void naive(Problem &problem);

} // namespace attune::bench

#endif // ATTUNE_BENCH_PROBLEM_H

//===- Reference.h - float64 reference semantics of attention ---*- C++ -*-===//
//
// An independent, scalar implementation of the attn dialect's semantics, with
// no MLIR dependency. It is the oracle that integration tests and benchmarks
// compare compiled code against. It is written for clarity, not speed: every
// score is materialized, every mask predicate evaluated element by element.
//
// The element type T is the precision of the whole computation: `double` is the
// float64 reference, `float` the same-precision reference that FlashAttention's
// accuracy rule compares against (error of the kernel <= 2x error of a
// same-precision reference, both measured against float64).
//
// Layouts are dense, row-major:
//   Q [B, Hq, Lq, D], K [B, Hkv, Lk, D], V [B, Hkv, Lk, Dv],
//   O [B, Hq, Lq, Dv], LSE [B, Hq, Lq] (natural log).
//
//===----------------------------------------------------------------------===//

#ifndef ATTUNE_REFERENCE_REFERENCE_H
#define ATTUNE_REFERENCE_REFERENCE_H

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace attune::reference {

enum class Normalization { Softmax, Sigmoid };

/// A banded mask in FlashAttention's convention. With diag = i + (Lk - Lq),
/// key j is visible to query i iff
///   (left < 0 || j >= diag - left) && (right < 0 || j <= diag + right),
/// or j is a sink: j < sinks && (right < 0 || j <= diag + right).
/// left = right = -1 is no mask; left = -1, right = 0 is causal.
struct Mask {
  int64_t left = -1;
  int64_t right = -1;
  int64_t sinks = 0;
};

/// Whether key `j` is visible to query `i` under `mask`.
bool isVisible(const Mask &mask, int64_t i, int64_t j, int64_t qLen,
               int64_t kvLen);

/// FlexAttention-style block mask. For query block qb of (batch b, head h):
/// the KV blocks listed in `kvIndices[b,h,qb, 0..kvNumBlocks[b,h,qb])` are
/// "partial" (the mask predicate applies), those in the `full*` lists are fully
/// visible (no predicate). Blocks in neither list are invisible. The batch and
/// head extents of the tensors are either 1 (broadcast) or B / Hq. Indices out
/// of range are ignored.
struct BlockMask {
  int64_t qBlockSize = 0, kvBlockSize = 0;
  int64_t batch = 1, heads = 1, numQBlocks = 0, maxKvBlocks = 0;
  std::vector<int32_t> kvNumBlocks;   // [batch, heads, numQBlocks]
  std::vector<int32_t> kvIndices;     // [batch, heads, numQBlocks, maxKvBlocks]
  bool hasFull = false;
  int64_t maxFullBlocks = 0;
  std::vector<int32_t> fullKvNumBlocks; // [batch, heads, numQBlocks]
  std::vector<int32_t> fullKvIndices;   // [batch, heads, numQBlocks, maxFull]
};

/// A broadcastable dense tensor operand: extents `batch` and `heads` are 1 or
/// the full size; the trailing dims are implied by its role.
struct Broadcast {
  std::vector<double> data;
  int64_t batch = 1, heads = 1;
};

/// Everything that defines one attention problem. The score of (b, h, i, j) is
///   s = scale * <q_i, k_j>
///   s = s * temperature[b, h, i]                  (if temperature)
///   s = softcap * tanh(s / softcap)               (if softcap)
///   s = s - alibiSlopes[h] * |diag - j|           (if alibi)
///   s = s + bias[b, h, i, j]                      (if bias)
///   s = scoreMod(s, b, h, i, j)                   (if scoreMod)
/// and key j is visible iff headMask(h) and maskMod (if any) allow it and the
/// block mask (if any) lists its block. Softmax normalizes over visible keys;
/// sigmoid uses sigmoid(s + sigmoidBias) (default -log(Lk)) with no row
/// normalization. Rows with no visible key output 0 and LSE -inf.
struct Config {
  int64_t batch = 1, qHeads = 1, kvHeads = 1, qLen = 1, kvLen = 1;
  int64_t headDim = 1, valueDim = 1;
  std::optional<double> scale;                 // default 1/sqrt(headDim)
  Normalization normalization = Normalization::Softmax;
  std::optional<double> sigmoidBias;           // default -log(kvLen)
  std::vector<int64_t> headMap;                // empty: h / (Hq / Hkv)
  std::vector<Mask> headMasks;                 // empty: no mask; 1: all heads
  std::optional<double> softcap;
  std::vector<double> alibiSlopes;             // empty or [Hq]
  std::optional<Broadcast> bias;               // [b, h, Lq, Lk]
  std::optional<Broadcast> temperature;        // [b, h, Lq]
  std::optional<BlockMask> blockMask;
  /// Empty, or [batch]: row b has only its first clamp(kvLengths[b], 0,
  /// kvLen) keys, and that length is its Lk everywhere (mask alignment,
  /// ALiBi, the default sigmoid bias).
  std::vector<int64_t> kvLengths;
  std::function<double(double, int64_t, int64_t, int64_t, int64_t)> scoreMod;
  std::function<bool(int64_t, int64_t, int64_t, int64_t)> maskMod;

  double resolvedScale() const;
  /// The number of keys batch row `b` has.
  int64_t rowKvLen(int64_t b) const;
  int64_t kvHeadFor(int64_t qHead) const;
  const Mask &maskFor(int64_t qHead) const;
  /// Full visibility predicate of (b, h, i, j): head mask, mask_mod, blocks.
  bool visible(int64_t b, int64_t h, int64_t i, int64_t j) const;
};

/// Computes O (and LSE if `lse` is non-null) in precision T.
template <typename T>
void attention(const Config &config, const T *q, const T *k, const T *v, T *o,
               T *lse);

/// Merges partial results over disjoint key sets: softmax through LSE weights
/// (lses[i] may not be null; `lseOut` optional), sigmoid by plain sum.
/// `rows` = B*H*L, `valueDim` = Dv.
template <typename T>
void merge(Normalization normalization, const std::vector<const T *> &outs,
           const std::vector<const T *> &lses, int64_t rows, int64_t valueDim,
           T *out, T *lseOut);

} // namespace attune::reference

#endif // ATTUNE_REFERENCE_REFERENCE_H

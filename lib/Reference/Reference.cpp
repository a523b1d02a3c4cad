//===- Reference.cpp - float64 reference semantics of attention -*- C++ -*-===//
//
// Scalar loops that follow the definitions in Reference.h literally. Every
// score is materialized and every visibility predicate evaluated per element,
// so that a reader can check this file against the spec line by line. The
// compiled kernels are judged against it; it must not share code with them.
//
//===----------------------------------------------------------------------===//

#include "attune/Reference/Reference.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace attune::reference {

//===----------------------------------------------------------------------===//
// Visibility
//===----------------------------------------------------------------------===//

bool isVisible(const Mask &mask, int64_t i, int64_t j, int64_t qLen,
               int64_t kvLen) {
  if (i < 0 || i >= qLen || j < 0 || j >= kvLen)
    return false;
  // Bottom-right alignment: the last query sees the last key when causal.
  int64_t diag = i + (kvLen - qLen);
  // The right bound holds for sinks too: a sink never leaks the future.
  bool withinRight = mask.right < 0 || j <= diag + mask.right;
  if (!withinRight)
    return false;
  bool withinLeft = mask.left < 0 || j >= diag - mask.left;
  return withinLeft || j < mask.sinks;
}

double Config::resolvedScale() const {
  return scale ? *scale : 1.0 / std::sqrt(static_cast<double>(headDim));
}

int64_t Config::kvHeadFor(int64_t qHead) const {
  if (!headMap.empty()) {
    assert(static_cast<int64_t>(headMap.size()) == qHeads &&
           "head map needs one entry per query head");
    return headMap[qHead];
  }
  assert(kvHeads > 0 && qHeads % kvHeads == 0 &&
         "uniform GQA needs Hq to be a multiple of Hkv");
  return qHead / (qHeads / kvHeads);
}

const Mask &Config::maskFor(int64_t qHead) const {
  static const Mask noMask;
  if (headMasks.empty())
    return noMask;
  if (headMasks.size() == 1)
    return headMasks.front();
  assert(static_cast<int64_t>(headMasks.size()) == qHeads &&
         "head masks: none, one for all heads, or one per query head");
  return headMasks[qHead];
}

/// Whether `value` occurs among the first `count` entries of `list`.
static bool listContains(const int32_t *list, int32_t count, int64_t maxCount,
                         int64_t value) {
  int64_t n = std::min<int64_t>(std::max<int32_t>(count, 0), maxCount);
  return std::find(list, list + n, value) != list + n;
}

int64_t Config::rowKvLen(int64_t b) const {
  if (kvLengths.empty())
    return kvLen;
  return std::clamp<int64_t>(kvLengths[b], 0, kvLen);
}

bool Config::visible(int64_t b, int64_t h, int64_t i, int64_t j) const {
  int64_t rowLen = rowKvLen(b);
  if (i < 0 || i >= qLen || j < 0 || j >= rowLen)
    return false;
  bool predicate = isVisible(maskFor(h), i, j, qLen, rowLen) &&
                   (!maskMod || maskMod(b, h, i, j));
  if (!blockMask)
    return predicate;

  const BlockMask &bm = *blockMask;
  assert(bm.qBlockSize > 0 && bm.kvBlockSize > 0 && "empty block size");
  int64_t qb = i / bm.qBlockSize, kb = j / bm.kvBlockSize;
  if (qb >= bm.numQBlocks)
    return false;
  // Extents of 1 broadcast over batch / heads.
  int64_t row = ((bm.batch == 1 ? 0 : b) * bm.heads + (bm.heads == 1 ? 0 : h)) *
                    bm.numQBlocks +
                qb;
  // A full block is visible as a whole (up to the row's length):
  // FlexAttention skips the predicate
  // there, which is the point of listing it apart from the partial blocks.
  if (bm.hasFull && listContains(&bm.fullKvIndices[row * bm.maxFullBlocks],
                                 bm.fullKvNumBlocks[row], bm.maxFullBlocks, kb))
    return true;
  if (listContains(&bm.kvIndices[row * bm.maxKvBlocks], bm.kvNumBlocks[row],
                   bm.maxKvBlocks, kb))
    return predicate;
  return false;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Reads element (b, h, rest) of a broadcast operand whose trailing extent is
/// `inner` elements per (b, h).
static double broadcastAt(const Broadcast &t, int64_t b, int64_t h,
                          int64_t inner, int64_t offset) {
  int64_t bb = t.batch == 1 ? 0 : b;
  int64_t hh = t.heads == 1 ? 0 : h;
  return t.data[(bb * t.heads + hh) * inner + offset];
}

/// The modified score of (b, h, i, j) in precision T, in the order the header
/// documents. Visibility is decided elsewhere.
template <typename T>
static T score(const Config &c, const T *q, const T *k, int64_t b, int64_t h,
               int64_t i, int64_t j) {
  int64_t kvh = c.kvHeadFor(h);
  const T *qRow = q + ((b * c.qHeads + h) * c.qLen + i) * c.headDim;
  const T *kRow = k + ((b * c.kvHeads + kvh) * c.kvLen + j) * c.headDim;
  T dot = 0;
  for (int64_t d = 0; d < c.headDim; ++d)
    dot += qRow[d] * kRow[d];
  T s = static_cast<T>(c.resolvedScale()) * dot;

  if (c.temperature)
    s *= static_cast<T>(broadcastAt(*c.temperature, b, h, c.qLen, i));
  if (c.softcap) {
    T cap = static_cast<T>(*c.softcap);
    s = cap * std::tanh(s / cap);
  }
  if (!c.alibiSlopes.empty()) {
    int64_t diag = i + (c.rowKvLen(b) - c.qLen);
    T distance = static_cast<T>(std::abs(diag - j));
    s -= static_cast<T>(c.alibiSlopes[h]) * distance;
  }
  if (c.bias)
    s += static_cast<T>(
        broadcastAt(*c.bias, b, h, c.qLen * c.kvLen, i * c.kvLen + j));
  if (c.scoreMod)
    s = static_cast<T>(c.scoreMod(static_cast<double>(s), b, h, i, j));
  return s;
}

template <typename T>
void attention(const Config &c, const T *q, const T *k, const T *v, T *o,
               T *lse) {
  const T negInf = -std::numeric_limits<T>::infinity();
  bool isSoftmax = c.normalization == Normalization::Softmax;

  std::vector<T> scores(c.kvLen);
  std::vector<char> visible(c.kvLen);
  for (int64_t b = 0; b < c.batch; ++b) {
    T sigmoidBias = static_cast<T>(
        c.sigmoidBias ? *c.sigmoidBias
                      : -std::log(static_cast<double>(c.rowKvLen(b))));
    for (int64_t h = 0; h < c.qHeads; ++h) {
      int64_t kvh = c.kvHeadFor(h);
      const T *vHead = v + (b * c.kvHeads + kvh) * c.kvLen * c.valueDim;
      for (int64_t i = 0; i < c.qLen; ++i) {
        int64_t row = (b * c.qHeads + h) * c.qLen + i;
        T *oRow = o + row * c.valueDim;
        std::fill(oRow, oRow + c.valueDim, T(0));

        // Row max over visible keys only; a masked key never contributes.
        T rowMax = negInf;
        for (int64_t j = 0; j < c.kvLen; ++j) {
          visible[j] = c.visible(b, h, i, j);
          if (!visible[j])
            continue;
          scores[j] = score(c, q, k, b, h, i, j);
          rowMax = std::max(rowMax, scores[j]);
        }

        if (!isSoftmax) {
          // sigmoid(s + bias) per key, no normalization across the row; a row
          // without visible keys stays 0 by construction.
          for (int64_t j = 0; j < c.kvLen; ++j) {
            if (!visible[j])
              continue;
            T p = T(1) / (T(1) + std::exp(-(scores[j] + sigmoidBias)));
            for (int64_t d = 0; d < c.valueDim; ++d)
              oRow[d] += p * vHead[j * c.valueDim + d];
          }
          continue;
        }

        // No visible key (or every visible score is -inf): the row is empty.
        // Subtracting -inf from -inf would give NaN, hence the early exit.
        if (rowMax == negInf) {
          if (lse)
            lse[row] = negInf;
          continue;
        }
        // O = sum_j exp(s_j - m) v_j / sum_j exp(s_j - m),
        // LSE = m + log(sum_j exp(s_j - m)).
        T sum = 0;
        for (int64_t j = 0; j < c.kvLen; ++j) {
          if (!visible[j])
            continue;
          T p = std::exp(scores[j] - rowMax);
          sum += p;
          for (int64_t d = 0; d < c.valueDim; ++d)
            oRow[d] += p * vHead[j * c.valueDim + d];
        }
        for (int64_t d = 0; d < c.valueDim; ++d)
          oRow[d] /= sum;
        if (lse)
          lse[row] = rowMax + std::log(sum);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Merge
//===----------------------------------------------------------------------===//

template <typename T>
void merge(Normalization normalization, const std::vector<const T *> &outs,
           const std::vector<const T *> &lses, int64_t rows, int64_t valueDim,
           T *out, T *lseOut) {
  const T negInf = -std::numeric_limits<T>::infinity();
  std::fill(out, out + rows * valueDim, T(0));

  if (normalization == Normalization::Sigmoid) {
    // Sigmoid has no row normalization, so partial sums simply add up.
    for (const T *part : outs)
      for (int64_t e = 0; e < rows * valueDim; ++e)
        out[e] += part[e];
    return;
  }

  assert(lses.size() == outs.size() && "softmax merge needs every LSE");
  for (int64_t r = 0; r < rows; ++r) {
    // Each part is normalized by its own sum exp(lse_p); reweighting by
    // exp(lse_p - m) restores the common denominator. m guards the exps.
    T m = negInf;
    for (const T *lse : lses)
      m = std::max(m, lse[r]);
    if (m == negInf) {
      if (lseOut)
        lseOut[r] = negInf;
      continue;
    }
    T sumW = 0;
    for (size_t p = 0; p < outs.size(); ++p) {
      T w = std::exp(lses[p][r] - m);
      sumW += w;
      for (int64_t d = 0; d < valueDim; ++d)
        out[r * valueDim + d] += w * outs[p][r * valueDim + d];
    }
    for (int64_t d = 0; d < valueDim; ++d)
      out[r * valueDim + d] /= sumW;
    if (lseOut)
      lseOut[r] = m + std::log(sumW);
  }
}

template void attention<float>(const Config &, const float *, const float *,
                               const float *, float *, float *);
template void attention<double>(const Config &, const double *, const double *,
                                const double *, double *, double *);
template void merge<float>(Normalization, const std::vector<const float *> &,
                           const std::vector<const float *> &, int64_t, int64_t,
                           float *, float *);
template void merge<double>(Normalization, const std::vector<const double *> &,
                            const std::vector<const double *> &, int64_t,
                            int64_t, double *, double *);

} // namespace attune::reference

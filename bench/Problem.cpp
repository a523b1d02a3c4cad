//===- Problem.cpp - inputs and the two baselines --------------------------===//
//
// Compiled with -O3 -march=native and libmvec (see CMakeLists.txt) so that
// the softmax of the unfused baseline vectorizes, exp included: the strongest
// unfused CPU path we can build from a BLAS.
//
//===----------------------------------------------------------------------===//

#include "Problem.h"

#include <cblas.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>

using namespace attune::bench;

bool Shape::operator==(const Shape &o) const {
  return batch == o.batch && qHeads == o.qHeads && kvHeads == o.kvHeads &&
         qLen == o.qLen && kvLen == o.kvLen && headDim == o.headDim &&
         causal == o.causal && bf16 == o.bf16;
}

double Shape::flops() const {
  double f = 4.0 * batch * qHeads * qLen * kvLen * headDim;
  return causal ? f / 2 : f;
}

double Shape::kvBytes() const {
  return 2.0 * batch * kvHeads * kvLen * headDim * (bf16 ? 2 : 4);
}

double Shape::bytes() const {
  return kvBytes() + 2.0 * batch * qHeads * qLen * headDim * (bf16 ? 2 : 4);
}

uint16_t attune::bench::toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

float attune::bench::fromBf16(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &bits, 4);
  return x;
}

const void *Problem::qData() const {
  return shape.bf16 ? static_cast<const void *>(qb.data()) : q.data();
}
const void *Problem::kData() const {
  return shape.bf16 ? static_cast<const void *>(kb.data()) : k.data();
}
const void *Problem::vData() const {
  return shape.bf16 ? static_cast<const void *>(vb.data()) : v.data();
}
void *Problem::outData() {
  return shape.bf16 ? static_cast<void *>(outb.data()) : out.data();
}

Problem &attune::bench::problemFor(const Shape &shape) {
  static std::unique_ptr<Problem> current;
  if (current && current->shape == shape)
    return *current;
  current.reset();
  current = std::make_unique<Problem>();
  Problem &p = *current;
  p.shape = shape;
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  size_t nq = shape.batch * shape.qHeads * shape.qLen * shape.headDim;
  size_t nkv = shape.batch * shape.kvHeads * shape.kvLen * shape.headDim;
  auto fill = [&](std::vector<float> &f, std::vector<uint16_t> &b, size_t n) {
    if (shape.bf16) {
      b.resize(n);
      for (uint16_t &x : b)
        x = toBf16(dist(rng));
    } else {
      f.resize(n);
      for (float &x : f)
        x = dist(rng);
    }
  };
  fill(p.q, p.qb, nq);
  fill(p.k, p.kb, nkv);
  fill(p.v, p.vb, nkv);
  if (shape.bf16)
    p.outb.assign(nq, 0);
  else
    p.out.assign(nq, 0.0f);
  return p;
}

namespace {
/// p[j] = exp(s[j] - max) / sum for j < visible, 0 beyond.
void softmaxRow(float *s, int64_t n, int64_t visible) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < visible; ++j)
    m = std::max(m, s[j]);
  float sum = 0;
  for (int64_t j = 0; j < visible; ++j) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  float inv = sum > 0 ? 1.0f / sum : 0.0f;
  for (int64_t j = 0; j < visible; ++j)
    s[j] *= inv;
  for (int64_t j = visible; j < n; ++j)
    s[j] = 0;
}
} // namespace

void attune::bench::openblasUnfused(Problem &p) {
  openblasUnfused(p.shape, p.qData(), p.kData(), p.vData(), p.outData());
}

void attune::bench::openblasUnfused(const Shape &s, const void *qData,
                                    const void *kData, const void *vData,
                                    void *outData) {
  const float *qf = static_cast<const float *>(qData);
  const float *kf = static_cast<const float *>(kData);
  const float *vf = static_cast<const float *>(vData);
  const uint16_t *qb = static_cast<const uint16_t *>(qData);
  const uint16_t *kb = static_cast<const uint16_t *>(kData);
  const uint16_t *vb = static_cast<const uint16_t *>(vData);
  int64_t group = s.qHeads / s.kvHeads, d = s.headDim;
  // Decode stacks the group's heads as rows of one GEMM.
  bool stack = s.qLen == 1;
  int64_t rows = stack ? group : s.qLen;
  int64_t gemms = stack ? s.kvHeads : s.qHeads;
  float scale = 1.0f / std::sqrt(static_cast<float>(d));
  // Debian's OpenBLAS has no bf16 GEMM (sbgemm): bf16 operands are widened
  // to f32 scratch first, inside the timed region.
  static std::vector<float> scores, outF, qF, kF, vF;
  scores.resize(rows * s.kvLen);
  if (s.bf16) {
    outF.resize(rows * d);
    qF.resize(rows * d);
    kF.resize(s.kvLen * d);
    vF.resize(s.kvLen * d);
  }
  auto widen = [](const uint16_t *src, float *dst, int64_t n) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      dst[i] = fromBf16(src[i]);
  };
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t g = 0; g < gemms; ++g) {
      int64_t kvHead = stack ? g : g / group;
      int64_t qHead = stack ? g * group : g;
      size_t qOff = ((b * s.qHeads + qHead) * s.qLen) * d;
      size_t kvOff = ((b * s.kvHeads + kvHead) * s.kvLen) * d;
      const float *q = qf + qOff, *k = kf + kvOff, *v = vf + kvOff;
      float *out = s.bf16 ? outF.data() : static_cast<float *>(outData) + qOff;
      if (s.bf16) {
        widen(qb + qOff, qF.data(), rows * d);
        // K and V of a KV head are widened once for all heads that read it.
        if (stack || qHead % group == 0) {
          widen(kb + kvOff, kF.data(), s.kvLen * d);
          widen(vb + kvOff, vF.data(), s.kvLen * d);
        }
        q = qF.data(), k = kF.data(), v = vF.data();
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, s.kvLen, d,
                  scale, q, d, k, d, 0.0f, scores.data(), s.kvLen);
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < rows; ++i) {
        int64_t pos = stack ? 0 : i;
        int64_t visible =
            s.causal ? std::min(s.kvLen, pos + s.kvLen - s.qLen + 1) : s.kvLen;
        float *row = scores.data() + i * s.kvLen;
        softmaxRow(row, s.kvLen, std::max<int64_t>(visible, 0));
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, s.kvLen,
                  1.0f, scores.data(), s.kvLen, v, d, 0.0f, out, d);
      if (s.bf16)
        for (int64_t i = 0; i < rows * d; ++i)
          static_cast<uint16_t *>(outData)[qOff + i] = toBf16(outF[i]);
    }
}

void attune::bench::naive(Problem &p) {
  const Shape &s = p.shape;
  int64_t group = s.qHeads / s.kvHeads, d = s.headDim;
  double scale = 1.0 / std::sqrt(static_cast<double>(d));
  auto at = [&](const std::vector<float> &f, const std::vector<uint16_t> &bb,
                size_t i) { return s.bf16 ? fromBf16(bb[i]) : f[i]; };
  std::vector<float> row(s.kvLen), acc(d);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.qHeads; ++h)
      for (int64_t i = 0; i < s.qLen; ++i) {
        size_t qOff = ((b * s.qHeads + h) * s.qLen + i) * d;
        size_t kvBase = (b * s.kvHeads + h / group) * s.kvLen;
        int64_t visible =
            s.causal ? std::min(s.kvLen, i + s.kvLen - s.qLen + 1) : s.kvLen;
        float m = -std::numeric_limits<float>::infinity(), l = 0;
        for (int64_t j = 0; j < visible; ++j) {
          float dot = 0;
          for (int64_t e = 0; e < d; ++e)
            dot += at(p.q, p.qb, qOff + e) * at(p.k, p.kb, (kvBase + j) * d + e);
          row[j] = dot * static_cast<float>(scale);
          m = std::max(m, row[j]);
        }
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t j = 0; j < visible; ++j) {
          float w = std::exp(row[j] - m);
          l += w;
          for (int64_t e = 0; e < d; ++e)
            acc[e] += w * at(p.v, p.vb, (kvBase + j) * d + e);
        }
        for (int64_t e = 0; e < d; ++e) {
          float o = l > 0 ? acc[e] / l : 0.0f;
          if (s.bf16)
            p.outb[qOff + e] = toBf16(o);
          else
            p.out[qOff + e] = o;
        }
      }
}

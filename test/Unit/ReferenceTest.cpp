//===- ReferenceTest.cpp - unit tests of the attention oracle ---*- C++ -*-===//
//
// The reference is the yardstick of every compiled kernel, so its own mistakes
// would go unnoticed downstream. These tests pin it to hand-computed values and
// to algebraic identities (merging partial results, GQA as expanded MHA) that a
// wrong mask alignment or normalization would break.
//
//===----------------------------------------------------------------------===//

#include "attune/Reference/Reference.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>

using namespace attune::reference;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

std::vector<double> randomVector(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> data(n);
  for (double &x : data)
    x = dist(gen);
  return data;
}

/// Random Q, K, V and output buffers for `c`.
struct Problem {
  std::vector<double> q, k, v, o, lse;
  explicit Problem(const Config &c, unsigned seed = 0)
      : q(randomVector(c.batch * c.qHeads * c.qLen * c.headDim, seed)),
        k(randomVector(c.batch * c.kvHeads * c.kvLen * c.headDim, seed + 1)),
        v(randomVector(c.batch * c.kvHeads * c.kvLen * c.valueDim, seed + 2)),
        o(c.batch * c.qHeads * c.qLen * c.valueDim),
        lse(c.batch * c.qHeads * c.qLen) {
    // Sharper scores, so that a wrong weight is visible in the output.
    for (double &x : q)
      x *= 2;
  }
  void run(const Config &c) {
    attention<double>(c, q.data(), k.data(), v.data(), o.data(), lse.data());
  }
};

/// Visibility of one (b = 0, h = 0) head as rows of '1' / '.'.
std::vector<std::string> pattern(const Config &c) {
  std::vector<std::string> rows;
  for (int64_t i = 0; i < c.qLen; ++i) {
    std::string row;
    for (int64_t j = 0; j < c.kvLen; ++j)
      row += c.visible(0, 0, i, j) ? '1' : '.';
    rows.push_back(row);
  }
  return rows;
}

/// With V the identity (Dv = Lk), output row i is the attention distribution
/// of query i; this checks that the computed weights follow the visibility.
void expectWeightsFollowPattern(const Config &c) {
  ASSERT_EQ(c.valueDim, c.kvLen);
  Problem p(c);
  std::fill(p.v.begin(), p.v.end(), 0.0);
  for (int64_t j = 0; j < c.kvLen; ++j)
    p.v[j * c.kvLen + j] = 1.0;
  p.run(c);
  for (int64_t i = 0; i < c.qLen; ++i) {
    double total = 0;
    bool any = false;
    for (int64_t j = 0; j < c.kvLen; ++j) {
      double w = p.o[i * c.kvLen + j];
      EXPECT_EQ(w > 0, c.visible(0, 0, i, j)) << "i=" << i << " j=" << j;
      total += w;
      any |= c.visible(0, 0, i, j);
    }
    EXPECT_NEAR(total, any ? 1.0 : 0.0, 1e-12) << "row " << i;
    if (!any) {
      EXPECT_EQ(p.lse[i], -kInf);
    }
  }
}

Config singleHead(int64_t qLen, int64_t kvLen) {
  Config c;
  c.qLen = qLen;
  c.kvLen = kvLen;
  c.headDim = 4;
  c.valueDim = kvLen;
  return c;
}

} // namespace

TEST(Reference, HandComputedSoftmax) {
  // s = [1, 0]: O = (e v0 + v1) / (e + 1), LSE = log(e + 1).
  Config c;
  c.kvLen = 2;
  c.headDim = 2;
  c.valueDim = 1;
  c.scale = 1.0;
  std::vector<double> q = {1, 0}, k = {1, 0, 0, 1}, v = {3, -1};
  double o = 0, lse = 0;
  attention<double>(c, q.data(), k.data(), v.data(), &o, &lse);
  double e = std::exp(1.0);
  EXPECT_NEAR(o, (3 * e - 1) / (e + 1), 1e-15);
  EXPECT_NEAR(lse, std::log(e + 1), 1e-15);
}

TEST(Reference, HandComputedAlibiAndSigmoid) {
  // q = 0, so s_j = -slope * |diag - j| with diag = 0 + 2 - 1 = 1: [-0.5, 0].
  Config c;
  c.kvLen = 2;
  c.headDim = 1;
  c.valueDim = 1;
  c.alibiSlopes = {0.5};
  std::vector<double> q = {0}, k = {1, 1}, v = {1, 2};
  double o = 0, lse = 0;
  attention<double>(c, q.data(), k.data(), v.data(), &o, &lse);
  double w0 = std::exp(-0.5);
  EXPECT_NEAR(lse, std::log(w0 + 1), 1e-15);
  EXPECT_NEAR(o, (w0 * 1 + 2) / (w0 + 1), 1e-15);

  // Sigmoid with the default bias -log(2): sum_j sigmoid(s_j - log 2) v_j.
  c.normalization = Normalization::Sigmoid;
  attention<double>(c, q.data(), k.data(), v.data(), &o, nullptr);
  auto sig = [](double x) { return 1 / (1 + std::exp(-x)); };
  EXPECT_NEAR(o, sig(-0.5 - std::log(2.0)) + 2 * sig(-std::log(2.0)), 1e-15);
}

TEST(Reference, CausalAlignsBottomRight) {
  // More keys than queries: the last query sees every key.
  Config c = singleHead(2, 5);
  c.headMasks = {Mask{-1, 0, 0}};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{"1111.", "11111"}));
  expectWeightsFollowPattern(c);

  // More queries than keys: the first Lq - Lk queries see nothing.
  c = singleHead(4, 2);
  c.headMasks = {Mask{-1, 0, 0}};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{"..", "..", "1.", "11"}));
  expectWeightsFollowPattern(c);
}

TEST(Reference, RaggedRowsAlignToTheirOwnLength) {
  // Row 0 of the batch has 3 of its 5 keys: the causal band ends at key 2
  // for the last query, and keys 3, 4 are hidden whatever the mask says.
  Config c = singleHead(2, 5);
  c.headMasks = {Mask{-1, 0, 0}};
  c.kvLengths = {3};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{"11...", "111.."}));
  expectWeightsFollowPattern(c);
  // Lengths are clamped into [0, Lk]: past the end is all keys, below 0 none.
  c.kvLengths = {9};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{"1111.", "11111"}));
  c.kvLengths = {-2};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{".....", "....."}));

  // The same as attention over the truncated KV, ALiBi and sigmoid's default
  // bias (-log of the row's length) included.
  for (Normalization n : {Normalization::Softmax, Normalization::Sigmoid}) {
    Config ragged = singleHead(2, 5);
    ragged.normalization = n;
    ragged.headMasks = {Mask{-1, 0, 0}};
    ragged.alibiSlopes = {0.5};
    ragged.kvLengths = {3};
    Problem p(ragged, 7);
    attention(ragged, p.q.data(), p.k.data(), p.v.data(), p.o.data(),
              p.lse.data());
    Config cut = ragged;
    cut.kvLen = 3;
    cut.valueDim = 5; // V rows keep their width
    cut.kvLengths.clear();
    std::vector<double> o(p.o.size()), lse(p.lse.size());
    attention(cut, p.q.data(), p.k.data(), p.v.data(), o.data(), lse.data());
    for (size_t i = 0; i < o.size(); ++i)
      EXPECT_NEAR(p.o[i], o[i], 1e-12) << "element " << i;
  }
}

TEST(Reference, WindowAndSinks) {
  // Causal window of one key to the left plus one sink.
  Config c = singleHead(6, 6);
  c.headMasks = {Mask{1, 0, 1}};
  EXPECT_EQ(pattern(c),
            (std::vector<std::string>{"1.....", "11....", "111...", "1.11..",
                                      "1..11.", "1...11"}));
  expectWeightsFollowPattern(c);

  // A two-sided window: sinks never look past the right bound (row 0 sees
  // sink 1 only because j = 1 <= diag + right).
  c.headMasks = {Mask{1, 1, 2}};
  EXPECT_EQ(pattern(c),
            (std::vector<std::string>{"11....", "111...", "1111..", "11111.",
                                      "11.111", "11..11"}));
  expectWeightsFollowPattern(c);

  // Lq != Lk shifts the window with the diagonal (diag = i + 2).
  c = singleHead(2, 4);
  c.headMasks = {Mask{0, 0, 1}};
  EXPECT_EQ(pattern(c), (std::vector<std::string>{"1.1.", "1..1"}));
}

TEST(Reference, BlockMask) {
  // Query block 0: partial block 0 (predicate j even applies), full block 1
  // (no predicate). Query block 1 lists nothing, so its rows are empty.
  Config c = singleHead(4, 4);
  c.maskMod = [](int64_t, int64_t, int64_t, int64_t j) { return j % 2 == 0; };
  BlockMask bm;
  bm.qBlockSize = bm.kvBlockSize = 2;
  bm.numQBlocks = 2;
  bm.maxKvBlocks = bm.maxFullBlocks = 2;
  bm.kvNumBlocks = {1, 0};
  bm.kvIndices = {0, 0, 0, 0};
  bm.hasFull = true;
  bm.fullKvNumBlocks = {1, 0};
  bm.fullKvIndices = {1, 0, 0, 0};
  c.blockMask = bm;
  EXPECT_EQ(pattern(c),
            (std::vector<std::string>{"1.11", "1.11", "....", "...."}));
  expectWeightsFollowPattern(c);
}

TEST(Reference, FullyMaskedRowIsZeroNotNaN) {
  Config c;
  c.batch = 2;
  c.qHeads = 2;
  c.qLen = 3;
  c.kvLen = 5;
  c.headDim = c.valueDim = 4;
  c.maskMod = [](int64_t b, int64_t h, int64_t i, int64_t) {
    return !(b == 1 && h == 0 && i == 1);
  };
  for (Normalization n : {Normalization::Softmax, Normalization::Sigmoid}) {
    c.normalization = n;
    Problem p(c);
    p.run(c);
    for (double x : p.o)
      EXPECT_FALSE(std::isnan(x));
    int64_t row = (1 * c.qHeads + 0) * c.qLen + 1;
    for (int64_t d = 0; d < c.valueDim; ++d)
      EXPECT_EQ(p.o[row * c.valueDim + d], 0.0);
    if (n == Normalization::Softmax) {
      EXPECT_EQ(p.lse[row], -kInf);
      EXPECT_TRUE(std::isfinite(p.lse[row - 1]));
    }
    EXPECT_NE(p.o[(row - 1) * c.valueDim], 0.0);
  }

  // Merging two empty partials must stay empty, not 0/0.
  double o1[2] = {0, 0}, o2[2] = {0, 0}, l1 = -kInf, l2 = -kInf;
  double out[2] = {7, 7}, lse = 7;
  merge<double>(Normalization::Softmax, {o1, o2}, {&l1, &l2}, 1, 2, out, &lse);
  EXPECT_EQ(out[0], 0.0);
  EXPECT_EQ(out[1], 0.0);
  EXPECT_EQ(lse, -kInf);
}

namespace {

/// Keys [begin, end) of every (b, kv head) of a [B, Hkv, Lk, dim] tensor.
std::vector<double> sliceKeys(const std::vector<double> &t, const Config &c,
                              int64_t dim, int64_t begin, int64_t end) {
  std::vector<double> out;
  for (int64_t bh = 0; bh < c.batch * c.kvHeads; ++bh)
    for (int64_t j = begin; j < end; ++j)
      for (int64_t d = 0; d < dim; ++d)
        out.push_back(t[(bh * c.kvLen + j) * dim + d]);
  return out;
}

} // namespace

TEST(Reference, MergeOfKeyHalvesEqualsWhole) {
  // A causal mask with diag = i + 4: for query 0 the second half (keys 5..7)
  // is entirely masked, so the merge also sees an LSE of -inf.
  Config full;
  full.batch = 2;
  full.qHeads = 4;
  full.kvHeads = 2;
  full.qLen = 4;
  full.kvLen = 8;
  full.headDim = 8;
  full.valueDim = 6;
  full.headMasks = {Mask{-1, 0, 0}};
  // Sigmoid's default bias depends on Lk: pin it so the halves agree.
  full.sigmoidBias = -std::log(8.0);
  const int64_t split = 5;

  for (Normalization n : {Normalization::Softmax, Normalization::Sigmoid}) {
    full.normalization = n;
    Problem whole(full);
    whole.run(full);

    // Each half expresses the global causal bound through mask_mod.
    std::vector<std::vector<double>> outs, lses;
    for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, split},
                              std::pair<int64_t, int64_t>{split, 8}}) {
      Config part = full;
      part.kvLen = end - begin;
      part.headMasks.clear();
      int64_t offset = begin;
      part.maskMod = [offset](int64_t, int64_t, int64_t i, int64_t j) {
        return j + offset <= i + 4;
      };
      std::vector<double> k =
          sliceKeys(whole.k, full, full.headDim, begin, end);
      std::vector<double> v =
          sliceKeys(whole.v, full, full.valueDim, begin, end);
      outs.emplace_back(whole.o.size());
      lses.emplace_back(whole.lse.size());
      attention<double>(part, whole.q.data(), k.data(), v.data(),
                        outs.back().data(), lses.back().data());
    }
    // Query 0 of (b 0, h 0) sees no key of the second half.
    if (n == Normalization::Softmax) {
      EXPECT_EQ(lses[1][0], -kInf);
    }

    std::vector<double> merged(whole.o.size()), mergedLse(whole.lse.size());
    int64_t rows = full.batch * full.qHeads * full.qLen;
    merge<double>(n, {outs[0].data(), outs[1].data()},
                  {lses[0].data(), lses[1].data()}, rows, full.valueDim,
                  merged.data(), mergedLse.data());
    for (size_t e = 0; e < merged.size(); ++e)
      EXPECT_NEAR(merged[e], whole.o[e], 1e-12) << "element " << e;
    if (n == Normalization::Softmax) {
      for (int64_t r = 0; r < rows; ++r)
        EXPECT_NEAR(mergedLse[r], whole.lse[r], 1e-12) << "row " << r;
    }
  }
}

TEST(Reference, FloatAgreesWithDouble) {
  Config c;
  c.batch = 2;
  c.qHeads = 4;
  c.kvHeads = 2;
  c.qLen = 7;
  c.kvLen = 11;
  c.headDim = 16;
  c.valueDim = 8;
  c.softcap = 5.0;
  c.alibiSlopes = {0.5, 0.25, 0.125, 0.0625};
  c.headMasks = {Mask{3, 0, 2}};
  c.temperature = Broadcast{randomVector(1 * 4 * 7, 9), 1, 4};
  c.bias = Broadcast{randomVector(2 * 1 * 7 * 11, 10), 2, 1};
  c.scoreMod = [](double s, int64_t, int64_t h, int64_t i, int64_t j) {
    return s + 0.05 * static_cast<double>(i - j) * static_cast<double>(h + 1);
  };
  for (Normalization n : {Normalization::Softmax, Normalization::Sigmoid}) {
    c.normalization = n;
    Problem p(c);
    p.run(c);
    std::vector<float> q(p.q.begin(), p.q.end()), k(p.k.begin(), p.k.end()),
        v(p.v.begin(), p.v.end()), o(p.o.size()), lse(p.lse.size());
    attention<float>(c, q.data(), k.data(), v.data(), o.data(), lse.data());
    for (size_t e = 0; e < o.size(); ++e)
      EXPECT_NEAR(o[e], p.o[e], 1e-5) << "element " << e;
    if (n == Normalization::Softmax) {
      for (size_t r = 0; r < lse.size(); ++r)
        EXPECT_NEAR(lse[r], p.lse[r], 1e-5) << "row " << r;
    }
  }
}

TEST(Reference, HeadMapMatchesUniformGQAAndExpandedMHA) {
  Config gqa;
  gqa.qHeads = 4;
  gqa.kvHeads = 2;
  gqa.qLen = 3;
  gqa.kvLen = 5;
  gqa.headDim = gqa.valueDim = 4;
  Problem p(gqa);
  p.run(gqa);

  // The explicit map {0, 0, 1, 1} is the uniform grouping.
  Config mapped = gqa;
  mapped.headMap = {0, 0, 1, 1};
  Problem m(mapped);
  m.run(mapped);
  EXPECT_EQ(m.o, p.o);
  EXPECT_EQ(m.lse, p.lse);

  // A non-uniform map equals MHA on K/V copied per query head.
  mapped.headMap = {1, 0, 0, 1};
  m.run(mapped);
  Config mha = gqa;
  mha.kvHeads = 4;
  Problem e(mha);
  e.q = m.q;
  int64_t perHead = gqa.kvLen * gqa.headDim;
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t x = 0; x < perHead; ++x) {
      e.k[h * perHead + x] = m.k[mapped.headMap[h] * perHead + x];
      e.v[h * perHead + x] = m.v[mapped.headMap[h] * perHead + x];
    }
  e.run(mha);
  EXPECT_EQ(e.o, m.o);
  EXPECT_EQ(e.lse, m.lse);
  // And it really differs from the uniform grouping for head 0.
  EXPECT_NE(m.o[0], p.o[0]);
}

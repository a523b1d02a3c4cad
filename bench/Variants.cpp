//===- Variants.cpp - variant scenarios of attune-bench -------------------===//
//
// The fused kernel on one variant against itself on plain softmax, same
// inputs, same process: block-sparse at densities k/16, a 512-key sliding
// window against dense causal at L = 16K, sigmoid against softmax, and the
// overhead of softcap and ALiBi. Only `attune` runs here (the unfused
// baseline has none of these variants); RESULTS.md reports the ratios.
//
//===----------------------------------------------------------------------===//

#include "Variants.h"

#include "attention_kernels.h"
#include "decode_mqa_kernels.h"
#include "decode_mqa_nosplit_kernels.h"
#include "variants_kernels.h"

#include <cmath>
#include <memory>
#include <random>

using namespace attune::bench;

namespace {

/// Block lists for L = 8192 with 128 x 128 blocks: every query block lists
/// `k` of each 16 key blocks as full (no partial blocks), spread evenly
/// with a random phase.
struct BlockLists {
  static constexpr int kBlocks = 64;
  std::vector<int32_t> counts, indices, fullCounts, fullIndices;

  explicit BlockLists(int k) {
    std::mt19937 rng(7);
    counts.assign(kBlocks, 0);
    indices.assign(kBlocks * kBlocks, 0);
    fullCounts.assign(kBlocks, 0);
    fullIndices.assign(kBlocks * kBlocks, 0);
    for (int qb = 0; qb < kBlocks; ++qb) {
      int phase = static_cast<int>(rng() % 16);
      for (int kb = 0; kb < kBlocks; ++kb)
        if ((kb + phase) % 16 < k)
          fullIndices[qb * kBlocks + fullCounts[qb]++] = kb;
    }
  }
};

} // namespace

void attune::bench::registerVariants(const RegisterFn &registerAttune) {
  auto prefill = [](int64_t len) {
    Shape s;
    s.qHeads = s.kvHeads = 8;
    s.qLen = s.kvLen = len;
    return s;
  };
  for (int k : {1, 2, 4, 8, 16}) {
    auto lists = std::make_shared<BlockLists>(k);
    registerAttune("blocksparse_f32/k16ths=" + std::to_string(k),
                   prefill(8192), [lists](Problem &p) {
                     const Shape &s = p.shape;
                     return variant_blocksparse(
                         p.q.data(), p.k.data(), p.v.data(),
                         lists->counts.data(), lists->indices.data(),
                         lists->fullCounts.data(), lists->fullIndices.data(),
                         p.out.data(), s.batch, s.qLen, s.kvLen);
                   });
  }
  Shape longCausal = prefill(16384);
  longCausal.causal = true;
  registerAttune("causal_f32/L=16384", longCausal, [](Problem &p) {
    const Shape &s = p.shape;
    return prefill_f32_causal(p.q.data(), p.k.data(), p.v.data(), p.out.data(),
                              s.batch, s.qLen, s.kvLen);
  });
  registerAttune("window512_f32/L=16384", longCausal, [](Problem &p) {
    const Shape &s = p.shape;
    return variant_window512(p.q.data(), p.k.data(), p.v.data(), p.out.data(),
                             s.batch, s.qLen, s.kvLen);
  });
  auto plain = [](auto kernel) {
    return [kernel](Problem &p) {
      const Shape &s = p.shape;
      return kernel(p.q.data(), p.k.data(), p.v.data(), p.out.data(), s.batch,
                    s.qLen, s.kvLen);
    };
  };
  // Split-KV: MQA decode at batch 1, one unit of work.
  Shape mqa;
  mqa.qHeads = 8;
  mqa.kvHeads = 1;
  mqa.qLen = 1;
  mqa.kvLen = 65536;
  registerAttune("decode_mqa_split/Lk=65536", mqa, plain(decode_mqa));
  registerAttune("decode_mqa_nosplit/Lk=65536", mqa, plain(decode_mqa_nosplit));
  registerAttune("sigmoid_f32/L=4096", prefill(4096), plain(variant_sigmoid));
  registerAttune("softcap_f32/L=4096", prefill(4096), plain(variant_softcap));
  auto slopes = std::make_shared<std::vector<float>>();
  for (int h = 0; h < 8; ++h)
    slopes->push_back(std::pow(2.0f, -(h + 1.0f)));
  registerAttune("alibi_f32/L=4096", prefill(4096), [slopes](Problem &p) {
    const Shape &s = p.shape;
    return variant_alibi(p.q.data(), p.k.data(), p.v.data(), slopes->data(),
                         p.out.data(), s.batch, s.qLen, s.kvLen);
  });
}

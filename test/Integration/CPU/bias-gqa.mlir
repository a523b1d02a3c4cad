// Fused CPU path: an additive bias tensor [B, Hq, Lq, Lk] on GQA 4:2 (the heads of a KV
// group share a tile, so each lane gathers from its own head's bias), causal, LSE; and a
// bias broadcast over batch and heads ([1, 1, Lq, Lk]) on bf16 sigmoid attention.
// RUN: attune-runner %s --entry=full --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --mask=causal --bias=2x4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=full --pipeline=fused --batch=2 --q-heads=4 --kv-heads=2 --q-len=5 --kv-len=7 --head-dim=64 --value-dim=64 --mask=causal --bias=2x4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=full --pipeline=fused --batch=1 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=300 --head-dim=64 --value-dim=64 --mask=causal --bias=1x4 --lse | FileCheck %s
// RUN: attune-runner %s --entry=broadcast --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=77 --kv-len=77 --head-dim=64 --value-dim=64 --norm=sigmoid --bias=1x1 | FileCheck %s
// RUN: attune-runner %s --entry=broadcast --pipeline=fused --dtype=bf16 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=77 --head-dim=64 --value-dim=64 --norm=sigmoid --bias=1x1 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @full(%q: tensor<?x4x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %bias: tensor<?x4x?x?xf32>, %o: memref<?x4x?x64xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) bias(%bias) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x4x?x?xf32>) -> (tensor<?x4x?x64xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

func.func @broadcast(%q: tensor<?x4x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %bias: tensor<1x1x?x?xf32>, %o: memref<?x4x?x64xbf16>) {
  %out = attn.attention(%q, %k, %v) bias(%bias) {normalization = #attn.normalization<sigmoid>}
      : (tensor<?x4x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x1x?x?xf32>) -> tensor<?x4x?x64xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xbf16>, memref<?x4x?x64xbf16>) -> ()
  return
}

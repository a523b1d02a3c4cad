// The row kernel (decode) with score modifiers and sigmoid: ALiBi + softcap +
// per-query temperature on a causal GQA 8:2 f16 problem, and sigmoid attention.
// RUN: attune-runner %s --entry=mods --pipeline=fused --dtype=f16 --batch=2 --q-heads=8 --kv-heads=2 --q-len=1 --kv-len=517 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x8 | FileCheck %s
// RUN: attune-runner %s --entry=mods --pipeline=fused --dtype=f16 --batch=2 --q-heads=8 --kv-heads=2 --q-len=2 --kv-len=3 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x8 | FileCheck %s
// RUN: attune-runner %s --entry=sigmoid --pipeline=fused --dtype=f32 --batch=1 --q-heads=8 --kv-heads=2 --q-len=1 --kv-len=1000 --head-dim=64 --value-dim=32 --norm=sigmoid | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @mods(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %slopes: tensor<8xf32>, %temp: tensor<?x8x?xf32>, %o: memref<?x8x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) alibi(%slopes) temperature(%temp) {mask = #attn.mask<causal>, softcap = 20.0 : f32}
      : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<8xf32>, tensor<?x8x?xf32>) -> tensor<?x8x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x64xf16>, memref<?x8x?x64xf16>) -> ()
  return
}

func.func @sigmoid(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x32xf32>, %o: memref<?x8x?x32xf32>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>}
      : (tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x32xf32>) -> tensor<?x8x?x32xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x32xf32>, memref<?x8x?x32xf32>) -> ()
  return
}

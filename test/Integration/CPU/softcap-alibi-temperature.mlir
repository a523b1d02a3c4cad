// Fused CPU path: score modifiers in the inner loop: per-query temperature (folded into the
// packed Q), softcap (tanh), ALiBi slopes, on GQA 4:2 with a causal mask, f32.
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x4 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x4 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x4 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=64 --value-dim=64 --mask=causal --softcap=20.0 --alibi --temperature=2x4 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %slopes: tensor<4xf32>, %temp: tensor<?x4x?xf32>, %o: memref<?x4x?x64xf32>) {
  %out = attn.attention(%q, %k, %v) alibi(%slopes) temperature(%temp) {mask = #attn.mask<causal>, softcap = 20.0 : f32}
      : (tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<4xf32>, tensor<?x4x?xf32>) -> tensor<?x4x?x64xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  return
}

// Fused CPU path: per-head masks (DuoAttention: streaming heads with sinks + window, full
// causal heads) in one kernel; heads of a KV group disagree, so they are not packed.
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=64 --value-dim=64 '--head-masks=window:64,0,4;causal;causal;window:100,0,2' | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=64 --value-dim=64 '--head-masks=window:64,0,4;causal;causal;window:100,0,2' | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 '--head-masks=window:64,0,4;causal;causal;window:100,0,2' | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=4 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=64 --value-dim=64 '--head-masks=window:64,0,4;causal;causal;window:100,0,2' | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %o: memref<?x4x?x64xf32>) {
  %out = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 64, right = 0, sinks = 4>, #attn.mask<causal>, #attn.mask<causal>, #attn.mask<window left = 100, right = 0, sinks = 2>]}
      : (tensor<?x4x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x4x?x64xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf32>, memref<?x4x?x64xf32>) -> ()
  return
}

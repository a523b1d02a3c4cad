// Fused CPU path: f32, GQA 3:1, D = 256 with Dv = 64, StreamingLLM mask (4 sink tokens
// plus a causal window of 70 keys), LSE.
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=1 --kv-len=1 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=239 --kv-len=1 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=799 --kv-len=3 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=113 --kv-len=203 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=1023 --kv-len=1024 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=1 --q-heads=3 --kv-heads=1 --q-len=1024 --kv-len=1023 --head-dim=256 --value-dim=64 --mask=window:70,0,4 --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x3x?x256xf32>, %k: tensor<?x1x?x256xf32>, %v: tensor<?x1x?x64xf32>, %o: memref<?x3x?x64xf32>, %l: memref<?x3x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 70, right = 0, sinks = 4>}
      : (tensor<?x3x?x256xf32>, tensor<?x1x?x256xf32>, tensor<?x1x?x64xf32>) -> (tensor<?x3x?x64xf32>, tensor<?x3x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x3x?x64xf32>, memref<?x3x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x3x?xf32>, memref<?x3x?xf32>) -> ()
  return
}

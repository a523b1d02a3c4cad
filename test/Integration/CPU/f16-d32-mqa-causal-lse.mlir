// Fused CPU path: f16, MQA 4:1, D = 32, causal, LSE.
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=1 --kv-len=1 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=239 --kv-len=1 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=799 --kv-len=3 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=113 --kv-len=203 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=1023 --kv-len=1024 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=1 --q-len=1024 --kv-len=1023 --head-dim=32 --value-dim=32 --mask=causal --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x32xf16>, %k: tensor<?x1x?x32xf16>, %v: tensor<?x1x?x32xf16>, %o: memref<?x4x?x32xf16>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x32xf16>, tensor<?x1x?x32xf16>, tensor<?x1x?x32xf16>) -> (tensor<?x4x?x32xf16>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf16>, memref<?x4x?x32xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

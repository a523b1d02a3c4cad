// Fused CPU path: a non-uniform query-to-KV-head map (Key-Driven GQA), f16, scale given.
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=3 --q-len=1 --kv-len=1 --head-dim=64 --value-dim=64 --head-map=0,0,1,2 --scale=0.1 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=3 --q-len=239 --kv-len=1 --head-dim=64 --value-dim=64 --head-map=0,0,1,2 --scale=0.1 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=3 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --head-map=0,0,1,2 --scale=0.1 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f16 --batch=2 --q-heads=4 --kv-heads=3 --q-len=1024 --kv-len=1023 --head-dim=64 --value-dim=64 --head-map=0,0,1,2 --scale=0.1 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x64xf16>, %k: tensor<?x3x?x64xf16>, %v: tensor<?x3x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  %out = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>, scale = 0.1 : f32}
      : (tensor<?x4x?x64xf16>, tensor<?x3x?x64xf16>, tensor<?x3x?x64xf16>) -> tensor<?x4x?x64xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x64xf16>, memref<?x4x?x64xf16>) -> ()
  return
}

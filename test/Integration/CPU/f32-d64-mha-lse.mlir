// Fused CPU path over the shape matrix: f32, MHA (GQA ratio 1), D = 64, no mask, LSE.
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1 --kv-len=1 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=239 --kv-len=1 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=799 --kv-len=3 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1023 --kv-len=1024 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=1024 --kv-len=1023 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// 17..32 rows per group take the 32-row tile:
// RUN: attune-runner %s --pipeline=fused --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=27 --kv-len=300 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// The AVX2 tile shape (8 lanes, 16-row tiles, 32-key tiles, no decode kernel):
// RUN: attune-runner %s --pipeline=fused --fused-options="lanes=8 query-vectors=2 kv-tile=32 row-block=2 decode-rows=0" --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=799 --kv-len=3 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --fused-options="lanes=8 query-vectors=2 kv-tile=32 row-block=2 decode-rows=0" --dtype=f32 --batch=2 --q-heads=2 --kv-heads=2 --q-len=113 --kv-len=203 --head-dim=64 --value-dim=64 --mask=none --lse | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %o: memref<?x2x?x64xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>) -> (tensor<?x2x?x64xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x64xf32>, memref<?x2x?x64xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

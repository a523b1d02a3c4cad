// The decode kernel at D = 192 (12 chunks of 16: passes of 6, none past D) and Dv = 192.
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=8 --kv-heads=2 --head-dim=192 --value-dim=192 --q-len=1 --kv-len=100 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --batch=2 --q-heads=8 --kv-heads=2 --head-dim=192 --value-dim=192 --q-len=2 --kv-len=33 | FileCheck %s
// RUN: attune-runner %s --pipeline=fused --batch=1 --q-heads=8 --kv-heads=2 --head-dim=192 --value-dim=192 --q-len=100 --kv-len=90 | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @kernel(%q: tensor<?x8x?x192xf32>, %k: tensor<?x2x?x192xf32>, %v: tensor<?x2x?x192xf32>, %o: memref<?x8x?x192xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x192xf32>, tensor<?x2x?x192xf32>, tensor<?x2x?x192xf32>) -> tensor<?x8x?x192xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x192xf32>, memref<?x8x?x192xf32>) -> ()
  return
}

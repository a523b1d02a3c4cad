// A two-sided window (2 left, 1 right) with Lq != Lk.
// RUN: attune-runner %s --batch=1 --q-heads=2 --kv-heads=1 --q-len=6 --kv-len=14 --head-dim=16 --mask=window:2,1 | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 2, right = 1>}
      : (tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}

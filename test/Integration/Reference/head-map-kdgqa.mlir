// Key-Driven GQA: a non-uniform query-head -> KV-head map (groups of 2, 1, 1).
// RUN: attune-runner %s --batch=2 --q-heads=4 --kv-heads=3 --q-len=6 --kv-len=10 --head-dim=16 --head-map=0,0,1,2 --lse | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x16xf32>, %k: tensor<?x3x?x16xf32>, %v: tensor<?x3x?x16xf32>, %o: memref<?x4x?x16xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>}
      : (tensor<?x4x?x16xf32>, tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>) -> (tensor<?x4x?x16xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xf32>, memref<?x4x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

// An additive bias tensor broadcast over the batch ([1, Hq, Lq, Lk]).
// RUN: attune-runner %s --batch=2 --q-heads=2 --kv-heads=2 --q-len=6 --kv-len=7 --head-dim=16 --bias=1x2 --lse | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %bias: tensor<1x2x?x?xf32>, %o: memref<?x2x?x16xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) bias(%bias)
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<1x2x?x?xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

// Causal sliding window of 3 keys to the left (FlashAttention window_size (3, 0)).
// RUN: attune-runner %s --batch=1 --q-heads=2 --kv-heads=2 --q-len=11 --kv-len=11 --head-dim=16 --mask=window:3,0 --lse | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %o: memref<?x2x?x16xf32>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 3, right = 0>}
      : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

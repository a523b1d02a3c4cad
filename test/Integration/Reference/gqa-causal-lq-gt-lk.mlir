// GQA 4:2, causal with Lq > Lk (bottom-right: the first Lq - Lk rows see no key), Dv != D, LSE.
// RUN: attune-runner %s --batch=2 --q-heads=4 --kv-heads=2 --q-len=7 --kv-len=5 --head-dim=16 --value-dim=8 --mask=causal --lse | FileCheck %s
// CHECK: fully-masked rows: 16
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x8xf32>, %o: memref<?x4x?x8xf32>, %l: memref<?x4x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x8xf32>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x8xf32>, memref<?x4x?x8xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

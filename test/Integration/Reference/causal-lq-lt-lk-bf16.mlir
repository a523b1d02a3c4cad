// bf16 inputs (f32 accumulation), causal with Lq < Lk, dynamic batch and lengths, LSE.
// RUN: attune-runner %s --dtype=bf16 --batch=2 --q-heads=2 --kv-heads=2 --q-len=5 --kv-len=19 --head-dim=32 --mask=causal --lse | FileCheck %s
// CHECK: fully-masked rows: 0
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x32xbf16>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>, %o: memref<?x2x?x32xbf16>, %l: memref<?x2x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>) -> (tensor<?x2x?x32xbf16>, tensor<?x2x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x32xbf16>, memref<?x2x?x32xbf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x2x?xf32>, memref<?x2x?xf32>) -> ()
  return
}

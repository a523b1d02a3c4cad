// Sigmoid with an explicit bias, causal with Lq > Lk (masked rows output 0), f16.
// RUN: attune-runner %s --dtype=f16 --batch=1 --q-heads=2 --kv-heads=2 --q-len=9 --kv-len=6 --head-dim=16 --norm=sigmoid --sigmoid-bias=-1.5 --mask=causal | FileCheck %s
// CHECK: fully-masked rows: 6
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf16>, %k: tensor<?x2x?x16xf16>, %v: tensor<?x2x?x16xf16>, %o: memref<?x2x?x16xf16>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = -1.5 : f32, mask = #attn.mask<causal>}
      : (tensor<?x2x?x16xf16>, tensor<?x2x?x16xf16>, tensor<?x2x?x16xf16>) -> tensor<?x2x?x16xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf16>, memref<?x2x?x16xf16>) -> ()
  return
}

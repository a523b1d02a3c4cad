// ALiBi: s - slope[h] * |i + Lk - Lq - j|, slopes passed as an operand.
// RUN: attune-runner %s --batch=1 --q-heads=4 --kv-heads=2 --q-len=5 --kv-len=9 --head-dim=16 --alibi --mask=causal | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %slopes: tensor<4xf32>, %o: memref<?x4x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) alibi(%slopes) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<4xf32>) -> tensor<?x4x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xf32>, memref<?x4x?x16xf32>) -> ()
  return
}

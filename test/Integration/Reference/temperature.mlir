// Selective Attention: a per-query temperature [B, 1, Lq] broadcast over heads.
// RUN: attune-runner %s --batch=2 --q-heads=2 --kv-heads=1 --q-len=6 --kv-len=8 --head-dim=16 --temperature=2x1 | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %temp: tensor<?x1x?xf32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) temperature(%temp)
      : (tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?xf32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}

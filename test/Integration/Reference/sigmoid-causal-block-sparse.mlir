// Sigmoid + causal + block-sparse (partial lists only).
// RUN: attune-runner %s --batch=1 --q-heads=2 --kv-heads=1 --q-len=16 --kv-len=16 --head-dim=16 --norm=sigmoid --mask=causal --block-mask=4,4 | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 4, 4>, mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}

// FlashSigmoid: sigmoid(scale * qk - log(Lk)), no row normalization.
// RUN: attune-runner %s --batch=2 --q-heads=2 --kv-heads=1 --q-len=7 --kv-len=9 --head-dim=16 --norm=sigmoid | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x2x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %o: memref<?x2x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>}
      : (tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>) -> tensor<?x2x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x2x?x16xf32>, memref<?x2x?x16xf32>) -> ()
  return
}

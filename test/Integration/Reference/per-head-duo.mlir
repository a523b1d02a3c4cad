// DuoAttention: streaming heads (sinks + window) and full causal heads in one op, with GQA.
// RUN: attune-runner %s --batch=1 --q-heads=4 --kv-heads=2 --q-len=10 --kv-len=16 --head-dim=16 '--head-masks=window:2,0,1;causal;causal;window:3,0,2' | FileCheck %s
// CHECK: PASS

func.func @kernel(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %o: memref<?x4x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 2, right = 0, sinks = 1>, #attn.mask<causal>, #attn.mask<causal>, #attn.mask<window left = 3, right = 0, sinks = 2>]}
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x16xf32>, memref<?x4x?x16xf32>) -> ()
  return
}

// Attention over concat(prompt broadcast over the batch, per-row keys), as a
// model writes it: the fused pipeline raises it to attn.prefix_attention and
// decomposes it (the prompt attended once by all rows' stacked queries); the
// reference pipeline runs it as written. Both against float64.
// RUN: attune-runner %s --batch=3 --q-heads=4 --kv-heads=2 --q-len=2 --head-dim=32 --mask=causal --lse '--segments=shared:40;per_row:9' --pipeline=fused | FileCheck %s
// RUN: attune-runner %s --batch=3 --q-heads=4 --kv-heads=2 --q-len=2 --head-dim=32 --mask=causal --lse '--segments=shared:40;per_row:9' --pipeline=reference | FileCheck %s
// The raising did happen:
// RUN: attune-opt %s --attn-raise-shared-prefix | FileCheck %s --check-prefix=RAISED
// CHECK: PASS
// RAISED: attn.prefix_attention(%arg0) keys(%arg1, %arg2) values(%arg3, %arg4)

#row0 = affine_map<(b, h, l, d) -> (0, h, l, d)>
#id = affine_map<(b, h, l, d) -> (b, h, l, d)>
func.func @kernel(%q: tensor<?x4x?x32xf32>, %kp: tensor<1x2x?x32xf32>, %ks: tensor<?x2x?x32xf32>,
                  %vp: tensor<1x2x?x32xf32>, %vs: tensor<?x2x?x32xf32>,
                  %o: memref<?x4x?x32xf32>, %l: memref<?x4x?xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %b = tensor.dim %q, %c0 : tensor<?x4x?x32xf32>
  %p = tensor.dim %kp, %c2 : tensor<1x2x?x32xf32>
  %e = tensor.empty(%b, %p) : tensor<?x2x?x32xf32>
  %kb = linalg.generic {indexing_maps = [#row0, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%kp : tensor<1x2x?x32xf32>) outs(%e : tensor<?x2x?x32xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<?x2x?x32xf32>
  %vb = linalg.generic {indexing_maps = [#row0, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%vp : tensor<1x2x?x32xf32>) outs(%e : tensor<?x2x?x32xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<?x2x?x32xf32>
  %k = tensor.concat dim(2) %kb, %ks : (tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %v = tensor.concat dim(2) %vb, %vs : (tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>)
      -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x?x32xf32>, memref<?x4x?x32xf32>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x4x?xf32>, memref<?x4x?xf32>) -> ()
  return
}

// RUN: attune-opt %s --attn-raise-attention --split-input-file | FileCheck %s

// Negative cases: attention-like chains the raising must leave alone. Each is
// the exporter's form (see models/) with one thing changed.

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#row3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#col = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>
#col3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// Softmax over the wrong dimension (queries, not keys).
// CHECK-LABEL: func @softmax_wrong_axis
// CHECK-NOT:   attn.attention
func.func @softmax_wrong_axis(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<1x2x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x8x16xf32>) outs(%e0 : tensor<1x2x16x8xf32>) permutation = [0, 1, 3, 2]
  %cq = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %ck = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
  %e1 = tensor.empty() : tensor<2x8x8xf32>
  %z1 = linalg.fill ins(%cst : f32) outs(%e1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul ins(%cq, %ck : tensor<2x8x16xf32>, tensor<2x16x8xf32>) outs(%z1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %x = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 8, 8] : tensor<2x8x8xf32> into tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  // max over dim 2 (queries)
  %m = linalg.generic {indexing_maps = [#id, #col3], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x : tensor<1x2x8x8xf32>) outs(%m0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %e3 = tensor.empty() : tensor<1x2x8x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #col3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %m : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x2x8x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #col3], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%p0 : tensor<1x2x8x8xf32>) outs(%s0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #col3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0, %sum : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %cp = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x2x8x8xf32> into tensor<2x8x8xf32>
  %cv = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %e4 = tensor.empty() : tensor<2x8x16xf32>
  %z4 = linalg.fill ins(%cst : f32) outs(%e4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%cp, %cv : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%z4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %out = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 8, 16] : tensor<2x8x16xf32> into tensor<1x2x8x16xf32>
  return %out : tensor<1x2x8x16xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// The same chain over the right dimension (keys) is raised: the control
// for the negatives in this file.
// CHECK-LABEL: func @raised
// CHECK:       attn.attention(%arg0, %arg1, %arg2) {scale = 1.000000e+00 : f32}
// CHECK-NOT:   linalg.batch_matmul
func.func @raised(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<1x2x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x8x16xf32>) outs(%e0 : tensor<1x2x16x8xf32>) permutation = [0, 1, 3, 2]
  %cq = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %ck = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
  %e1 = tensor.empty() : tensor<2x8x8xf32>
  %z1 = linalg.fill ins(%cst : f32) outs(%e1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul ins(%cq, %ck : tensor<2x8x16xf32>, tensor<2x16x8xf32>) outs(%z1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %x = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 8, 8] : tensor<2x8x8xf32> into tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x : tensor<1x2x8x8xf32>) outs(%m0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %e3 = tensor.empty() : tensor<1x2x8x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %m : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x2x8x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p0 : tensor<1x2x8x8xf32>) outs(%s0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0, %sum : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %cp = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x2x8x8xf32> into tensor<2x8x8xf32>
  %cv = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %e4 = tensor.empty() : tensor<2x8x16xf32>
  %z4 = linalg.fill ins(%cst : f32) outs(%e4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%cp, %cv : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%z4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %out = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 8, 16] : tensor<2x8x16xf32> into tensor<1x2x8x16xf32>
  return %out : tensor<1x2x8x16xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// The scores have another use (returned): raising would compute them twice.
// CHECK-LABEL: func @extra_use
// CHECK-NOT:   attn.attention
func.func @extra_use(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>) {
  %cst = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<1x2x16x8xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x8x16xf32>) outs(%e0 : tensor<1x2x16x8xf32>) permutation = [0, 1, 3, 2]
  %cq = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %ck = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x16x8xf32> into tensor<2x16x8xf32>
  %e1 = tensor.empty() : tensor<2x8x8xf32>
  %z1 = linalg.fill ins(%cst : f32) outs(%e1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul ins(%cq, %ck : tensor<2x8x16xf32>, tensor<2x16x8xf32>) outs(%z1 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %x = tensor.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 8, 8] : tensor<2x8x8xf32> into tensor<1x2x8x8xf32>
  %e2 = tensor.empty() : tensor<1x2x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x : tensor<1x2x8x8xf32>) outs(%m0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %e3 = tensor.empty() : tensor<1x2x8x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %m : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %p0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x2x8x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %s0 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p0 : tensor<1x2x8x8xf32>) outs(%s0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0, %sum : tensor<1x2x8x8xf32>, tensor<1x2x8xf32>) outs(%e3 : tensor<1x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %cp = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x2x8x8xf32> into tensor<2x8x8xf32>
  %cv = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x8x16xf32> into tensor<2x8x16xf32>
  %e4 = tensor.empty() : tensor<2x8x16xf32>
  %z4 = linalg.fill ins(%cst : f32) outs(%e4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%cp, %cv : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%z4 : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %out = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 8, 16] : tensor<2x8x16xf32> into tensor<1x2x8x16xf32>
  return %out, %x : tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>
}

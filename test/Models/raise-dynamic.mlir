// RUN: attune-opt %s --attn-raise-attention --split-input-file | FileCheck %s

// The shape plumbing of dynamic-length exports (torch-mlir with a symbolic
// sequence length, after canonicalize and int-range-optimizations), stated
// plainly where the extents are provably equal and left alone where not;
// then attention over a dynamic length, raised or not.

// A broadcast written as a gather (`dim == 1 ? 0 : i`) along an extent the
// output shares: an identity, replaced by its source.
// CHECK-LABEL: func @gather_identity
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4x?x16xf32>)
// CHECK-NOT:     tensor.extract
// CHECK:         return %[[X]]
func.func @gather_identity(%x: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %l = tensor.dim %x, %c2 : tensor<1x4x?x16xf32>
  %e = tensor.empty(%l) : tensor<1x4x?x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x?x16xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i2 : index
    %v = tensor.extract %x[%c0, %i1, %j, %i3] : tensor<1x4x?x16xf32>
    linalg.yield %v : f32
  } -> tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// repeat_interleave of KV heads as a gather from [1, 2, 1, L, 16]: a
// broadcast along the group dim, a read with a constant index there.
// CHECK-DAG:   #[[GROUP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>
// CHECK-LABEL: func @gather_broadcast
// CHECK:         linalg.generic {indexing_maps = [#[[GROUP]], #{{.*}}]
// CHECK-SAME:      ins(%{{.*}} : tensor<1x2x1x?x16xf32>)
// CHECK-NOT:     tensor.extract
func.func @gather_broadcast(%x: tensor<1x2x1x?x16xf32>) -> tensor<1x2x2x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %l = tensor.dim %x, %c3 : tensor<1x2x1x?x16xf32>
  %e = tensor.empty(%l) : tensor<1x2x2x?x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x2x2x?x16xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i3 = linalg.index 3 : index
    %i4 = linalg.index 4 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i3 : index
    %v = tensor.extract %x[%c0, %i1, %c0, %j, %i4] : tensor<1x2x1x?x16xf32>
    linalg.yield %v : f32
  } -> tensor<1x2x2x?x16xf32>
  return %r : tensor<1x2x2x?x16xf32>
}

// -----

// Extents computed in i64 (as the exporter writes a concatenation's size)
// and in index arithmetic: the same, so the gather is a plain read.
// CHECK-LABEL: func @gather_i64_extent
// CHECK-NOT:     tensor.extract
func.func @gather_i64_extent(%x: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1_i64 = arith.constant 1 : i64
  %zero = arith.constant 0.0 : f32
  %p = tensor.dim %x, %c2 : tensor<1x4x?x16xf32>
  %p2 = affine.apply affine_map<()[s0] -> (s0 * 2)>()[%p]
  %e0 = tensor.empty(%p2) : tensor<1x4x?x16xf32>
  %y = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  %pi = arith.index_cast %p : index to i64
  %twice = arith.addi %pi, %pi : i64
  %n = arith.index_cast %twice : i64 to index
  %e = tensor.empty(%n) : tensor<1x4x?x16xf32>
  %l = tensor.dim %y, %c2 : tensor<1x4x?x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x?x16xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i2 : index
    %v = tensor.extract %y[%c0, %i1, %j, %i3] : tensor<1x4x?x16xf32>
    linalg.yield %v : f32
  } -> tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// The output's extent is another tensor's: where x's is 1 this broadcasts,
// so it is no plain read; left alone.
// CHECK-LABEL: func @gather_other_extent
// CHECK:         tensor.extract
func.func @gather_other_extent(%x: tensor<1x4x?x16xf32>, %n: index) -> tensor<1x4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %l = tensor.dim %x, %c2 : tensor<1x4x?x16xf32>
  %e = tensor.empty(%n) : tensor<1x4x?x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x?x16xf32>) {
  ^bb0(%out: f32):
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %one = arith.cmpi eq, %l, %c1 : index
    %j = arith.select %one, %c0, %i2 : index
    %v = tensor.extract %x[%c0, %i1, %j, %i3] : tensor<1x4x?x16xf32>
    linalg.yield %v : f32
  } -> tensor<1x4x?x16xf32>
  return %r : tensor<1x4x?x16xf32>
}

// -----

// tensor.reshape by from_elements shapes that add or drop a unit dim, the
// dynamic extents the source's own: an expand and a collapse.
// CHECK-LABEL: func @reshape_unit_dims
// CHECK-SAME:    (%[[S:.*]]: tensor<4x?x?xf32>, %[[T:.*]]: tensor<1x4x?x?xf32>)
// CHECK:         tensor.expand_shape %[[S]] {{\[}}[0, 1], [2], [3]] output_shape [1, 4, %{{.*}}, %{{.*}}] : tensor<4x?x?xf32> into tensor<1x4x?x?xf32>
// CHECK:         tensor.collapse_shape %[[T]] {{\[}}[0, 1], [2], [3]] : tensor<1x4x?x?xf32> into tensor<4x?x?xf32>
// CHECK-NOT:     tensor.reshape
func.func @reshape_unit_dims(%s: tensor<4x?x?xf32>, %t: tensor<1x4x?x?xf32>) -> (tensor<1x4x?x?xf32>, tensor<4x?x?xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1_i64 = arith.constant 1 : i64
  %c4_i64 = arith.constant 4 : i64
  %a = tensor.dim %s, %c1 : tensor<4x?x?xf32>
  %b = tensor.dim %s, %c2 : tensor<4x?x?xf32>
  %ai = arith.index_cast %a : index to i64
  %bi = arith.index_cast %b : index to i64
  %shape = tensor.from_elements %c1_i64, %c4_i64, %ai, %bi : tensor<4xi64>
  %r = tensor.reshape %s(%shape) : (tensor<4x?x?xf32>, tensor<4xi64>) -> tensor<1x4x?x?xf32>
  %ta = tensor.dim %t, %c2 : tensor<1x4x?x?xf32>
  %c3 = arith.constant 3 : index
  %tb = tensor.dim %t, %c3 : tensor<1x4x?x?xf32>
  %tai = arith.index_cast %ta : index to i64
  %tbi = arith.index_cast %tb : index to i64
  %shape3 = tensor.from_elements %c4_i64, %tai, %tbi : tensor<3xi64>
  %back = tensor.reshape %t(%shape3) : (tensor<1x4x?x?xf32>, tensor<3xi64>) -> tensor<4x?x?xf32>
  return %r, %back : tensor<1x4x?x?xf32>, tensor<4x?x?xf32>
}

// -----

// Batch and heads merged, and split (the one group whose product is not
// proven, B * 4 against y's rows, holds by the equal element counts), the
// extents i64 products of the sizes: a collapse and an expand.
// CHECK-LABEL: func @reshape_batch_heads
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1], [2], [3]] : tensor<?x4x?x16xf32> into tensor<?x?x16xf32>
// CHECK:         tensor.expand_shape %arg1 {{\[}}[0, 1], [2], [3]] output_shape [%{{.*}}, 4, %{{.*}}, 16] : tensor<?x?x16xf32> into tensor<?x4x?x16xf32>
// CHECK-NOT:     tensor.reshape
func.func @reshape_batch_heads(%x: tensor<?x4x?x16xf32>, %y: tensor<?x?x16xf32>) -> (tensor<?x?x16xf32>, tensor<?x4x?x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4_i64 = arith.constant 4 : i64
  %c16_i64 = arith.constant 16 : i64
  %b = tensor.dim %x, %c0 : tensor<?x4x?x16xf32>
  %l = tensor.dim %x, %c2 : tensor<?x4x?x16xf32>
  %bi = arith.index_cast %b : index to i64
  %li = arith.index_cast %l : index to i64
  %bh = arith.muli %bi, %c4_i64 : i64
  %flat = tensor.from_elements %bh, %li, %c16_i64 : tensor<3xi64>
  %r = tensor.reshape %x(%flat) : (tensor<?x4x?x16xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  %ly = tensor.dim %y, %c1 : tensor<?x?x16xf32>
  %lyi = arith.index_cast %ly : index to i64
  %shape = tensor.from_elements %bi, %c4_i64, %lyi, %c16_i64 : tensor<4xi64>
  %split = tensor.reshape %y(%shape) : (tensor<?x?x16xf32>, tensor<4xi64>) -> tensor<?x4x?x16xf32>
  return %r, %split : tensor<?x?x16xf32>, tensor<?x4x?x16xf32>
}

// -----

// Two groups unproven (y's rows against B * 4, y's columns against x's
// length): left alone.
// CHECK-LABEL: func @reshape_two_unknowns
// CHECK:         tensor.reshape
func.func @reshape_two_unknowns(%x: tensor<?x4x?x16xf32>, %y: tensor<?x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c4_i64 = arith.constant 4 : i64
  %c16_i64 = arith.constant 16 : i64
  %b = tensor.dim %x, %c0 : tensor<?x4x?x16xf32>
  %l = tensor.dim %x, %c2 : tensor<?x4x?x16xf32>
  %bi = arith.index_cast %b : index to i64
  %li = arith.index_cast %l : index to i64
  %shape = tensor.from_elements %bi, %c4_i64, %li, %c16_i64 : tensor<4xi64>
  %split = tensor.reshape %y(%shape) : (tensor<?x?x16xf32>, tensor<4xi64>) -> tensor<?x4x?x16xf32>
  return %split : tensor<?x4x?x16xf32>
}

// -----

// Result extents typed dynamic whose sizes are constants: the expand takes
// the static type its sizes imply, cast back to the reshape's.
// CHECK-LABEL: func @reshape_constant_sizes
// CHECK:         %[[E:.*]] = tensor.expand_shape %arg0 {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 8, 8] : tensor<?x64xf32> into tensor<?x8x8xf32>
// CHECK:         tensor.cast %[[E]] : tensor<?x8x8xf32> to tensor<?x?x?xf32>
func.func @reshape_constant_sizes(%x: tensor<?x64xf32>) -> tensor<?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c8_i64 = arith.constant 8 : i64
  %l = tensor.dim %x, %c0 : tensor<?x64xf32>
  %li = arith.index_cast %l : index to i64
  %shape = tensor.from_elements %li, %c8_i64, %c8_i64 : tensor<3xi64>
  %r = tensor.reshape %x(%shape) : (tensor<?x64xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// A size multiplied, then divided by the same constant: the size again.
// CHECK-LABEL: func @exact_division
// CHECK-SAME:    (%[[N:.*]]: index)
// CHECK:         %[[Q:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK-NOT:     arith.divsi
// CHECK:         return %[[Q]]
func.func @exact_division(%n: index) -> index {
  %c16 = arith.constant 16 : index
  %m = affine.apply affine_map<()[s0] -> (s0 * 32)>()[%n]
  %q = arith.divsi %m, %c16 : index
  return %q : index
}

// -----

// Not a multiple: left alone.
// CHECK-LABEL: func @inexact_division
// CHECK:         arith.divsi
func.func @inexact_division(%n: index) -> index {
  %c16 = arith.constant 16 : index
  %m = affine.apply affine_map<()[s0] -> (s0 * 8)>()[%n]
  %q = arith.divsi %m, %c16 : index
  return %q : index
}

// -----

// Extents swapped (a square only if they happen to be equal): left alone.
// A reshape merging all dims (4 a b from the dims' own sizes): a collapse.
// CHECK-LABEL: func @reshape_not_unit_dims
// CHECK:         tensor.reshape %arg0
// CHECK:         tensor.collapse_shape %arg0 {{\[}}[0, 1, 2]] : tensor<4x?x?xf32> into tensor<?xf32>
// CHECK-NOT:     tensor.reshape
func.func @reshape_not_unit_dims(%s: tensor<4x?x?xf32>) -> (tensor<1x4x?x?xf32>, tensor<?xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1_i64 = arith.constant 1 : i64
  %c4_i64 = arith.constant 4 : i64
  %a = tensor.dim %s, %c1 : tensor<4x?x?xf32>
  %b = tensor.dim %s, %c2 : tensor<4x?x?xf32>
  %ai = arith.index_cast %a : index to i64
  %bi = arith.index_cast %b : index to i64
  %shape = tensor.from_elements %c1_i64, %c4_i64, %bi, %ai : tensor<4xi64>
  %r = tensor.reshape %s(%shape) : (tensor<4x?x?xf32>, tensor<4xi64>) -> tensor<1x4x?x?xf32>
  %n = arith.muli %ai, %bi : i64
  %n4 = arith.muli %n, %c4_i64 : i64
  %flat = tensor.from_elements %n4 : tensor<1xi64>
  %f = tensor.reshape %s(%flat) : (tensor<4x?x?xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %r, %f : tensor<1x4x?x?xf32>, tensor<?xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#last2 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>

// Causal self-attention over a dynamic length (the torch.triu mask built
// from L, the softmax unguarded): Lq = Lk provably, no row is fully masked,
// the mask is causal at any L: raised.
// CHECK-LABEL: func @self_attention_causal
// CHECK-SAME:    (%[[X:.*]]: tensor<1x2x?x16xf32>, %[[V:.*]]: tensor<1x2x?x16xf32>)
// CHECK:         attn.attention(%[[X]], %[[X]], %[[V]]) {mask = #attn.mask<causal>, scale = 1.000000e+00 : f32} : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32>
// CHECK-NOT:     linalg.batch_matmul
func.func @self_attention_causal(%x: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1_i64 = arith.constant 1 : i64
  %c2_i64 = arith.constant 2 : i64
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %zero0 = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf0 = arith.constant dense<0xFF800000> : tensor<f32>
  %lq = tensor.dim %x, %c2 : tensor<1x2x?x16xf32>
  %lk = tensor.dim %x, %c2 : tensor<1x2x?x16xf32>
  %lqi = arith.index_cast %lq : index to i64
  %lki = arith.index_cast %lk : index to i64
  // S = Q K^T, reshaped to [1, 2, Lq, Lk]
  %e0 = tensor.empty(%lk) : tensor<1x2x16x?xf32>
  %kt = linalg.transpose ins(%x : tensor<1x2x?x16xf32>) outs(%e0 : tensor<1x2x16x?xf32>) permutation = [0, 1, 3, 2]
  %cq = tensor.collapse_shape %x [[0, 1], [2], [3]] : tensor<1x2x?x16xf32> into tensor<2x?x16xf32>
  %ck = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x16x?xf32> into tensor<2x16x?xf32>
  %e1 = tensor.empty(%lq, %lk) : tensor<2x?x?xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  %s = linalg.batch_matmul ins(%cq, %ck : tensor<2x?x16xf32>, tensor<2x16x?xf32>) outs(%z1 : tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  %shape4 = tensor.from_elements %c1_i64, %c2_i64, %lqi, %lki : tensor<4xi64>
  %sx = tensor.reshape %s(%shape4) : (tensor<2x?x?xf32>, tensor<4xi64>) -> tensor<1x2x?x?xf32>
  // triu(full(-inf), 1): j - i >= 1 ? -inf : 0
  %ei = tensor.empty(%lq) : tensor<?xi64>
  %iota = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%ei : tensor<?xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    linalg.yield %ii : i64
  } -> tensor<?xi64>
  %row = tensor.expand_shape %iota [[0, 1]] output_shape [1, %lq] : tensor<?xi64> into tensor<1x?xi64>
  %col = tensor.expand_shape %iota [[0, 1]] output_shape [%lq, 1] : tensor<?xi64> into tensor<?x1xi64>
  %ed = tensor.empty(%lq, %lq) : tensor<?x?xi64>
  %diag = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%row, %col : tensor<1x?xi64>, tensor<?x1xi64>) outs(%ed : tensor<?x?xi64>) {
  ^bb0(%a: i64, %b: i64, %out: i64):
    %d = arith.subi %a, %b : i64
    linalg.yield %d : i64
  } -> tensor<?x?xi64>
  %em = tensor.empty(%lq, %lq) : tensor<?x?xf32>
  %mask = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%diag, %ninf0, %zero0 : tensor<?x?xi64>, tensor<f32>, tensor<f32>) outs(%em : tensor<?x?xf32>) {
  ^bb0(%d: i64, %a: f32, %b: f32, %out: f32):
    %above = arith.cmpi sge, %d, %c1_i64 : i64
    %m = arith.select %above, %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<?x?xf32>
  %e4 = tensor.empty(%lq, %lk) : tensor<1x2x?x?xf32>
  %xm = linalg.generic {indexing_maps = [#id, #last2, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sx, %mask : tensor<1x2x?x?xf32>, tensor<?x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  // softmax over keys
  %e2 = tensor.empty(%lq) : tensor<1x2x?xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x?xf32>) -> tensor<1x2x?xf32>
  %mx = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xm : tensor<1x2x?x?xf32>) outs(%m0 : tensor<1x2x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?xf32>
  %sub = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%xm, %mx : tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  %p0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sub : tensor<1x2x?x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x?xf32>) -> tensor<1x2x?xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p0 : tensor<1x2x?x?xf32>) outs(%s0 : tensor<1x2x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?xf32>
  %p = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0, %sum : tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  // O = P V
  %shape3 = tensor.from_elements %c2_i64, %lqi, %lki : tensor<3xi64>
  %cp = tensor.reshape %p(%shape3) : (tensor<1x2x?x?xf32>, tensor<3xi64>) -> tensor<2x?x?xf32>
  %cv = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x?x16xf32> into tensor<2x?x16xf32>
  %e5 = tensor.empty(%lq) : tensor<2x?x16xf32>
  %z5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %o = linalg.batch_matmul ins(%cp, %cv : tensor<2x?x?xf32>, tensor<2x?x16xf32>) outs(%z5 : tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %out = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, %lq, 16] : tensor<2x?x16xf32> into tensor<1x2x?x16xf32>
  return %out : tensor<1x2x?x16xf32>
}

// -----

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#last2 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>

// The same with Q and K of unrelated lengths: where Lq > Lk a row may be
// fully masked (NaN in this unguarded softmax, 0 in attn.attention): left
// alone.
// CHECK-LABEL: func @cross_lengths_causal
// CHECK-NOT:     attn.attention
// CHECK-COUNT-2: linalg.batch_matmul
func.func @cross_lengths_causal(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x?x16xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c1_i64 = arith.constant 1 : i64
  %c2_i64 = arith.constant 2 : i64
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %zero0 = arith.constant dense<0.000000e+00> : tensor<f32>
  %ninf0 = arith.constant dense<0xFF800000> : tensor<f32>
  %lq = tensor.dim %q, %c2 : tensor<1x2x?x16xf32>
  %lk = tensor.dim %k, %c2 : tensor<1x2x?x16xf32>
  %lqi = arith.index_cast %lq : index to i64
  %lki = arith.index_cast %lk : index to i64
  // S = Q K^T, reshaped to [1, 2, Lq, Lk]
  %e0 = tensor.empty(%lk) : tensor<1x2x16x?xf32>
  %kt = linalg.transpose ins(%k : tensor<1x2x?x16xf32>) outs(%e0 : tensor<1x2x16x?xf32>) permutation = [0, 1, 3, 2]
  %cq = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x?x16xf32> into tensor<2x?x16xf32>
  %ck = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x16x?xf32> into tensor<2x16x?xf32>
  %e1 = tensor.empty(%lq, %lk) : tensor<2x?x?xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  %s = linalg.batch_matmul ins(%cq, %ck : tensor<2x?x16xf32>, tensor<2x16x?xf32>) outs(%z1 : tensor<2x?x?xf32>) -> tensor<2x?x?xf32>
  %shape4 = tensor.from_elements %c1_i64, %c2_i64, %lqi, %lki : tensor<4xi64>
  %sx = tensor.reshape %s(%shape4) : (tensor<2x?x?xf32>, tensor<4xi64>) -> tensor<1x2x?x?xf32>
  // triu(full(-inf), 1): j - i >= 1 ? -inf : 0
  %ei = tensor.empty(%lq) : tensor<?xi64>
  %iota = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%ei : tensor<?xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    linalg.yield %ii : i64
  } -> tensor<?xi64>
  %row = tensor.expand_shape %iota [[0, 1]] output_shape [1, %lq] : tensor<?xi64> into tensor<1x?xi64>
  %col = tensor.expand_shape %iota [[0, 1]] output_shape [%lq, 1] : tensor<?xi64> into tensor<?x1xi64>
  %ed = tensor.empty(%lq, %lq) : tensor<?x?xi64>
  %diag = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%row, %col : tensor<1x?xi64>, tensor<?x1xi64>) outs(%ed : tensor<?x?xi64>) {
  ^bb0(%a: i64, %b: i64, %out: i64):
    %d = arith.subi %a, %b : i64
    linalg.yield %d : i64
  } -> tensor<?x?xi64>
  %em = tensor.empty(%lq, %lq) : tensor<?x?xf32>
  %mask = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%diag, %ninf0, %zero0 : tensor<?x?xi64>, tensor<f32>, tensor<f32>) outs(%em : tensor<?x?xf32>) {
  ^bb0(%d: i64, %a: f32, %b: f32, %out: f32):
    %above = arith.cmpi sge, %d, %c1_i64 : i64
    %m = arith.select %above, %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<?x?xf32>
  %e4 = tensor.empty(%lq, %lk) : tensor<1x2x?x?xf32>
  %xm = linalg.generic {indexing_maps = [#id, #last2, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sx, %mask : tensor<1x2x?x?xf32>, tensor<?x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  // softmax over keys
  %e2 = tensor.empty(%lq) : tensor<1x2x?xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<1x2x?xf32>) -> tensor<1x2x?xf32>
  %mx = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%xm : tensor<1x2x?x?xf32>) outs(%m0 : tensor<1x2x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?xf32>
  %sub = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%xm, %mx : tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  %p0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sub : tensor<1x2x?x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %out: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x?xf32>) -> tensor<1x2x?xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%p0 : tensor<1x2x?x?xf32>) outs(%s0 : tensor<1x2x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?xf32>
  %p = linalg.generic {indexing_maps = [#id, #row3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p0, %sum : tensor<1x2x?x?xf32>, tensor<1x2x?xf32>) outs(%e4 : tensor<1x2x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<1x2x?x?xf32>
  // O = P V
  %shape3 = tensor.from_elements %c2_i64, %lqi, %lki : tensor<3xi64>
  %cp = tensor.reshape %p(%shape3) : (tensor<1x2x?x?xf32>, tensor<3xi64>) -> tensor<2x?x?xf32>
  %cv = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x?x16xf32> into tensor<2x?x16xf32>
  %e5 = tensor.empty(%lq) : tensor<2x?x16xf32>
  %z5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %o = linalg.batch_matmul ins(%cp, %cv : tensor<2x?x?xf32>, tensor<2x?x16xf32>) outs(%z5 : tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %out = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, %lq, 16] : tensor<2x?x16xf32> into tensor<1x2x?x16xf32>
  return %out : tensor<1x2x?x16xf32>
}

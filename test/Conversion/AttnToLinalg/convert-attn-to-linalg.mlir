// RUN: attune-opt %s --convert-attn-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// Softmax, GQA 4:2, causal, softcap, LSE: every step of the reference form.
// CHECK-LABEL: func @causal_gqa
// CHECK-SAME: (%[[Q:.+]]: tensor<2x4x8x16xf32>, %[[K:.+]]: tensor<2x2x8x16xf32>, %[[V:.+]]: tensor<2x2x8x16xf32>)
// CHECK-DAG: %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[CAP:.+]] = arith.constant 2.000000e+01 : f32
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[MAP:.+]] = arith.constant dense<[0, 0, 1, 1]> : tensor<4xindex>
// kx[b,h,j,d] = k[b, map[h], j, d]
// CHECK: %[[KX:.+]] = linalg.generic
// CHECK:   tensor.extract %[[MAP]]
// CHECK:   tensor.extract %[[K]]
// CHECK: %[[VX:.+]] = linalg.generic
// CHECK:   tensor.extract %[[V]]
// s[b,h,i,j] = sum_d q[b,h,i,d] * kx[b,h,j,d]
// CHECK: %[[S:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[Q]], %[[KX]]
// CHECK:   arith.mulf
// CHECK:   arith.addf
// t = cap * tanh(scale * s / cap);  vis = j <= i + Lk - Lq
// CHECK: %[[TV:.+]]:2 = linalg.generic {{.*}} ins(%[[S]]
// CHECK:   arith.mulf %{{.*}}, %[[SCALE]]
// CHECK:   math.tanh
// CHECK:   arith.cmpi sle
// CHECK:   linalg.yield %{{.*}}, %{{.*}} : f32, i1
// m = max over visible j of t
// CHECK: %[[M:.+]] = linalg.generic {{.*}}"reduction"]{{.*}} ins(%[[TV]]#0, %[[TV]]#1
// CHECK:   arith.maximumf
// CHECK:   arith.select
// p = (vis && m > -inf) ? exp(t - m) : 0
// CHECK: %[[P:.+]] = linalg.generic {{.*}} ins(%[[TV]]#0, %[[TV]]#1, %[[M]]
// CHECK:   arith.subf
// CHECK:   math.exp
// CHECK:   arith.cmpf ogt, %{{.*}}, %[[NEG_INF]]
// l = sum_j p
// CHECK: %[[L:.+]] = linalg.generic {{.*}}"reduction"]{{.*}} ins(%[[P]]
// acc = p @ vx
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}}"reduction"]{{.*}} ins(%[[P]], %[[VX]]
// o = l > 0 ? acc / l : 0
// CHECK: %[[O:.+]] = linalg.generic {{.*}} ins(%[[ACC]], %[[L]]
// CHECK:   arith.divf
// CHECK:   arith.select
// lse = l > 0 ? m + log(l) : -inf
// CHECK: %[[LSE:.+]] = linalg.generic {{.*}} ins(%[[M]], %[[L]]
// CHECK:   math.log
// CHECK: return %[[O]], %[[LSE]]
func.func @causal_gqa(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8xf32>) {
  %o, %l = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, softcap = 20.0 : f32} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8xf32>)
  return %o, %l : tensor<2x4x8x16xf32>, tensor<2x4x8xf32>
}

// -----

// Sigmoid with dynamic lengths in bf16: no row max or sum; the default bias is
// -log(Lk); inputs widen to f32 and the output narrows back to bf16.
// CHECK-LABEL: func @sigmoid_bf16
// CHECK: tensor.dim %{{.*}}, %{{.*}} : tensor<1x2x?x16xbf16>
// CHECK: %[[LK:.+]] = tensor.dim %{{.*}}, %{{.*}} : tensor<1x2x?x16xbf16>
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.index_cast %[[LK]]
// CHECK: %[[LOG:.+]] = math.log
// CHECK: %[[BIAS:.+]] = arith.negf %[[LOG]]
// p = vis ? 1 / (1 + exp(-(t + bias))) : 0
// CHECK: linalg.generic
// CHECK:   arith.addf %{{.*}}, %[[BIAS]]
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK-NOT: arith.maximumf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: math.log
func.func @sigmoid_bf16(%q: tensor<1x2x?x16xbf16>, %k: tensor<1x2x?x16xbf16>, %v: tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16> {
  %o = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16>
  return %o : tensor<1x2x?x16xbf16>
}

// -----

// Modifier operands, broadcast over batch/heads, and inlined regions.
// CHECK: affine_map<(d0, d1, d2, d3) -> (d0, 0, d2)>
// CHECK: affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK: affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>
// CHECK-LABEL: func @modifiers
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x2x8x8xf32>, tensor<2x1x8xf32>, tensor<2xf32>, tensor<1x2x8x8xf32>)
// s *= temperature
// CHECK:   arith.mulf
// s -= slope * |diag - j|
// CHECK:   math.absi
// CHECK:   arith.sitofp
// CHECK:   arith.subf
// s += bias
// CHECK:   arith.addf
// the score_mod region, inlined: s * 2
// CHECK:   arith.mulf %{{.*}}, %{{.*}} : f32
// the mask_mod region, inlined: i != j, and-ed into the visibility
// CHECK:   arith.cmpi ne
// CHECK:   arith.andi
// CHECK:   linalg.yield
func.func @modifiers(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %slopes: tensor<2xf32>, %bias: tensor<1x2x8x8xf32>, %temp: tensor<2x1x8xf32>) -> tensor<2x2x8x16xf32> {
  %o = attn.attention(%q, %k, %v) alibi(%slopes) bias(%bias) temperature(%temp) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.constant 2.0 : f32
    %r = arith.mulf %s, %c : f32
    attn.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ne, %i, %j : index
    attn.yield %r : i1
  } : (tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2xf32>, tensor<1x2x8x8xf32>, tensor<2x1x8xf32>) -> tensor<2x2x8x16xf32>
  return %o : tensor<2x2x8x16xf32>
}

// -----

// Block-sparse: a key is visible when its block is listed full, or listed
// partial and the mask allows it; each list is searched with a bounded loop.
// CHECK-LABEL: func @block_sparse
// CHECK: linalg.generic
// CHECK:   arith.divui
// CHECK:   scf.for
// CHECK:     tensor.extract
// CHECK:     arith.cmpi eq
// CHECK:   scf.for
// CHECK:   arith.ori
func.func @block_sparse(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>, %n: tensor<1x1x2xi32>, %idx: tensor<1x1x2x2xi32>, %fn: tensor<1x1x2xi32>, %fidx: tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32> {
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) full_blocks(%fn, %fidx) {block_size = array<i64: 4, 4>, mask = #attn.mask<causal>} : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}

// -----

// Per-head masks (DuoAttention) read their bounds from per-head tables.
// CHECK-LABEL: func @per_head_masks
// CHECK-DAG: arith.constant dense<[4, -1]> : tensor<2xindex>
// CHECK-DAG: arith.constant dense<[2, 0]> : tensor<2xindex>
func.func @per_head_masks(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 4, right = 0, sinks = 2>, #attn.mask<causal>]} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Prefix-shared attention is attention over each row's concatenated KV: the
// shared segment is broadcast to every row and inserted before the suffix.
// CHECK-LABEL: func @prefix
// CHECK: %[[KP:.+]] = linalg.generic
// CHECK: %[[K0:.+]] = tensor.insert_slice %[[KP]] into %{{.*}}[0, 0, 0, 0] [3, 2, 5, 16]
// CHECK: %[[KS:.+]] = linalg.generic
// CHECK: tensor.insert_slice %[[KS]] into %[[K0]][0, 0, 5, 0] [3, 2, 4, 16]
// CHECK-NOT: attn.
func.func @prefix(%q: tensor<3x2x4x16xf32>, %kp: tensor<1x2x5x16xf32>, %ks: tensor<3x2x4x16xf32>, %vp: tensor<1x2x5x16xf32>, %vs: tensor<3x2x4x16xf32>) -> tensor<3x2x4x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>]} : (tensor<3x2x4x16xf32>, tensor<1x2x5x16xf32>, tensor<3x2x4x16xf32>, tensor<1x2x5x16xf32>, tensor<3x2x4x16xf32>) -> tensor<3x2x4x16xf32>
  return %o : tensor<3x2x4x16xf32>
}

// -----

// m = max_i lse_i; w_i = exp(lse_i - m); o = sum_i w_i o_i / sum_i w_i
// CHECK-LABEL: func @merge_softmax
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK:   arith.maximumf
// CHECK:   math.exp
// CHECK:   math.exp
// CHECK:   arith.divf
// lse = m + log(sum_i w_i)
// CHECK: linalg.generic
// CHECK:   math.log
func.func @merge_softmax(%o0: tensor<2x8x16xf32>, %o1: tensor<2x8x16xf32>, %l0: tensor<2x8xf32>, %l1: tensor<2x8xf32>) -> (tensor<2x8x16xf32>, tensor<2x8xf32>) {
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x8xf32>, tensor<2x8xf32>) -> (tensor<2x8x16xf32>, tensor<2x8xf32>)
  return %o, %l : tensor<2x8x16xf32>, tensor<2x8xf32>
}

// -----

// Sigmoid parts add: o = o_0 + o_1.
// CHECK-LABEL: func @merge_sigmoid
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// CHECK:   arith.addf
// CHECK:   arith.addf
func.func @merge_sigmoid(%o0: tensor<2x8x16xf32>, %o1: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

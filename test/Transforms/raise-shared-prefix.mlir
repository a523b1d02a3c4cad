// RUN: attune-opt %s --attn-raise-shared-prefix --split-input-file | FileCheck %s

// A prompt's KV broadcast over the batch (linalg.broadcast of [Hkv, P, D]),
// then each row's own: K = concat_2(broadcast_0(Kp), Ks), the same for V.
// The broadcast part is one instance shared by every row.
// CHECK-LABEL: func @broadcast_then_per_row
// CHECK-DAG:  %[[KP:.*]] = tensor.expand_shape %arg1 {{\[}}[0, 1], [2], [3]] output_shape [1, 2, 16, 32] : tensor<2x16x32xf32> into tensor<1x2x16x32xf32>
// CHECK-DAG:  %[[VP:.*]] = tensor.expand_shape %arg3 {{\[}}[0, 1], [2], [3]] output_shape [1, 2, 16, 32]
// CHECK:      attn.prefix_attention(%arg0) keys(%[[KP]], %arg2) values(%[[VP]], %arg4)
// CHECK-SAME:   mask = #attn.mask<causal>
// CHECK-SAME:   segments = [#attn.segment<shared>, #attn.segment<per_row>]
// CHECK-NOT:  attn.attention
func.func @broadcast_then_per_row(%q: tensor<4x8x1x32xf32>, %kp: tensor<2x16x32xf32>, %ks: tensor<4x2x?x32xf32>, %vp: tensor<2x16x32xf32>, %vs: tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32> {
  %e = tensor.empty() : tensor<4x2x16x32xf32>
  %kb = linalg.broadcast ins(%kp : tensor<2x16x32xf32>) outs(%e : tensor<4x2x16x32xf32>) dimensions = [0]
  %vb = linalg.broadcast ins(%vp : tensor<2x16x32xf32>) outs(%e : tensor<4x2x16x32xf32>) dimensions = [0]
  %k = tensor.concat dim(2) %kb, %ks : (tensor<4x2x16x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x2x?x32xf32>
  %v = tensor.concat dim(2) %vb, %vs : (tensor<4x2x16x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x2x?x32xf32>
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<4x8x1x32xf32>, tensor<4x2x?x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32>
  return %o : tensor<4x8x1x32xf32>
}

// -----

// The exporter's other spelling: a generic copying row 0 of a [1, Hkv, P, D]
// tensor to every row (an expand / repeat), for a dynamic batch; two
// broadcast parts and a per-row part, LSE kept.
// CHECK-LABEL: func @generic_broadcast
// CHECK:      attn.prefix_attention(%arg0) keys(%arg1, %arg2, %arg3) values(%arg1, %arg2, %arg3)
// CHECK-SAME:   segments = [#attn.segment<shared>, #attn.segment<shared>, #attn.segment<per_row>]
// CHECK-SAME:   -> (tensor<?x2x3x16xbf16>, tensor<?x2x3xf32>)
#row0 = affine_map<(b, h, l, d) -> (0, h, l, d)>
#id = affine_map<(b, h, l, d) -> (b, h, l, d)>
func.func @generic_broadcast(%q: tensor<?x2x3x16xbf16>, %a: tensor<1x2x5x16xbf16>, %c: tensor<1x2x7x16xbf16>, %s: tensor<?x2x9x16xbf16>) -> (tensor<?x2x3x16xbf16>, tensor<?x2x3xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %q, %c0 : tensor<?x2x3x16xbf16>
  %ea = tensor.empty(%n) : tensor<?x2x5x16xbf16>
  %ab = linalg.generic {indexing_maps = [#row0, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<1x2x5x16xbf16>) outs(%ea : tensor<?x2x5x16xbf16>) {
  ^bb0(%x: bf16, %y: bf16):
    linalg.yield %x : bf16
  } -> tensor<?x2x5x16xbf16>
  %ec = tensor.empty(%n) : tensor<?x2x7x16xbf16>
  %cb = linalg.generic {indexing_maps = [#row0, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x7x16xbf16>) outs(%ec : tensor<?x2x7x16xbf16>) {
  ^bb0(%x: bf16, %y: bf16):
    linalg.yield %x : bf16
  } -> tensor<?x2x7x16xbf16>
  %kv = tensor.concat dim(2) %ab, %cb, %s : (tensor<?x2x5x16xbf16>, tensor<?x2x7x16xbf16>, tensor<?x2x9x16xbf16>) -> tensor<?x2x21x16xbf16>
  %o, %l = attn.attention(%q, %kv, %kv) : (tensor<?x2x3x16xbf16>, tensor<?x2x21x16xbf16>, tensor<?x2x21x16xbf16>) -> (tensor<?x2x3x16xbf16>, tensor<?x2x3xf32>)
  return %o, %l : tensor<?x2x3x16xbf16>, tensor<?x2x3xf32>
}

// -----

// Negative: the prefix differs per row (no broadcast), nothing to share.
// CHECK-LABEL: func @prefix_per_row
// CHECK:      attn.attention
// CHECK-NOT:  attn.prefix_attention
func.func @prefix_per_row(%q: tensor<4x8x1x32xf32>, %kp: tensor<4x2x16x32xf32>, %ks: tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32> {
  %k = tensor.concat dim(2) %kp, %ks : (tensor<4x2x16x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x2x?x32xf32>
  %o = attn.attention(%q, %k, %k) : (tensor<4x8x1x32xf32>, tensor<4x2x?x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32>
  return %o : tensor<4x8x1x32xf32>
}

// -----

// Negative: the generic does not repeat one row (it reads row b: a copy,
// not a broadcast), so the prefix differs per row.
// CHECK-LABEL: func @generic_copy_not_broadcast
// CHECK-NOT:  attn.prefix_attention
#id2 = affine_map<(b, h, l, d) -> (b, h, l, d)>
func.func @generic_copy_not_broadcast(%q: tensor<4x2x1x16xf32>, %a: tensor<4x2x5x16xf32>, %s: tensor<4x2x9x16xf32>) -> tensor<4x2x1x16xf32> {
  %e = tensor.empty() : tensor<4x2x5x16xf32>
  %ab = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%a : tensor<4x2x5x16xf32>) outs(%e : tensor<4x2x5x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<4x2x5x16xf32>
  %kv = tensor.concat dim(2) %ab, %s : (tensor<4x2x5x16xf32>, tensor<4x2x9x16xf32>) -> tensor<4x2x14x16xf32>
  %o = attn.attention(%q, %kv, %kv) : (tensor<4x2x1x16xf32>, tensor<4x2x14x16xf32>, tensor<4x2x14x16xf32>) -> tensor<4x2x1x16xf32>
  return %o : tensor<4x2x1x16xf32>
}

// -----

// Negative: K's prompt is broadcast but V's is per row; the one broadcast
// side is not enough (the segment would differ per row in V).
// CHECK-LABEL: func @only_keys_broadcast
// CHECK-NOT:  attn.prefix_attention
func.func @only_keys_broadcast(%q: tensor<4x8x1x32xf32>, %kp: tensor<2x16x32xf32>, %ks: tensor<4x2x?x32xf32>, %vp: tensor<4x2x16x32xf32>, %vs: tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32> {
  %e = tensor.empty() : tensor<4x2x16x32xf32>
  %kb = linalg.broadcast ins(%kp : tensor<2x16x32xf32>) outs(%e : tensor<4x2x16x32xf32>) dimensions = [0]
  %k = tensor.concat dim(2) %kb, %ks : (tensor<4x2x16x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x2x?x32xf32>
  %v = tensor.concat dim(2) %vp, %vs : (tensor<4x2x16x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x2x?x32xf32>
  %o = attn.attention(%q, %k, %v) : (tensor<4x8x1x32xf32>, tensor<4x2x?x32xf32>, tensor<4x2x?x32xf32>) -> tensor<4x8x1x32xf32>
  return %o : tensor<4x8x1x32xf32>
}

// -----

// Negative: concatenation along another axis (heads), not keys.
// CHECK-LABEL: func @concat_heads
// CHECK-NOT:  attn.prefix_attention
func.func @concat_heads(%q: tensor<4x8x1x32xf32>, %kp: tensor<1x16x32xf32>, %ks: tensor<4x1x16x32xf32>) -> tensor<4x8x1x32xf32> {
  %e = tensor.empty() : tensor<4x1x16x32xf32>
  %kb = linalg.broadcast ins(%kp : tensor<1x16x32xf32>) outs(%e : tensor<4x1x16x32xf32>) dimensions = [0]
  %k = tensor.concat dim(1) %kb, %ks : (tensor<4x1x16x32xf32>, tensor<4x1x16x32xf32>) -> tensor<4x2x16x32xf32>
  %o = attn.attention(%q, %k, %k) : (tensor<4x8x1x32xf32>, tensor<4x2x16x32xf32>, tensor<4x2x16x32xf32>) -> tensor<4x8x1x32xf32>
  return %o : tensor<4x8x1x32xf32>
}

// -----

// Negative: ALiBi has no place on attn.prefix_attention; left as it is.
// CHECK-LABEL: func @alibi_stays
// CHECK-NOT:  attn.prefix_attention
func.func @alibi_stays(%q: tensor<4x2x1x32xf32>, %kp: tensor<2x16x32xf32>, %ks: tensor<4x2x8x32xf32>, %slopes: tensor<2xf32>) -> tensor<4x2x1x32xf32> {
  %e = tensor.empty() : tensor<4x2x16x32xf32>
  %kb = linalg.broadcast ins(%kp : tensor<2x16x32xf32>) outs(%e : tensor<4x2x16x32xf32>) dimensions = [0]
  %k = tensor.concat dim(2) %kb, %ks : (tensor<4x2x16x32xf32>, tensor<4x2x8x32xf32>) -> tensor<4x2x24x32xf32>
  %o = attn.attention(%q, %k, %k) alibi(%slopes) : (tensor<4x2x1x32xf32>, tensor<4x2x24x32xf32>, tensor<4x2x24x32xf32>, tensor<2xf32>) -> tensor<4x2x1x32xf32>
  return %o : tensor<4x2x1x32xf32>
}

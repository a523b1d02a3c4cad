// RUN: attune-opt %s | attune-opt | FileCheck %s
// RUN: attune-opt %s --mlir-print-op-generic | attune-opt | FileCheck %s

// Round trips of every attn op and attribute.

// CHECK-LABEL: func @mha
func.func @mha(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x32x64xf32>, %v: tensor<2x8x32x64xf32>) -> tensor<2x8x16x64xf32> {
  // CHECK: attn.attention(%{{.*}}, %{{.*}}, %{{.*}}) :
  %o = attn.attention(%q, %k, %v) : (tensor<2x8x16x64xf32>, tensor<2x8x32x64xf32>, tensor<2x8x32x64xf32>) -> tensor<2x8x16x64xf32>
  return %o : tensor<2x8x16x64xf32>
}

// CHECK-LABEL: func @gqa_dynamic_lse
func.func @gqa_dynamic_lse(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x96xbf16>) -> (tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>) {
  // CHECK: %[[O:.+]], %[[L:.+]] = attn.attention
  // CHECK-SAME: mask = #attn.mask<causal>
  // CHECK-SAME: scale = 1.250000e-01 : f32
  // CHECK-SAME: -> (tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>)
  %o, %l = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, scale = 0.125 : f32} : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x96xbf16>) -> (tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?x96xbf16>, tensor<?x8x?xf32>
}

// CHECK-LABEL: func @mqa_f16_head_map
func.func @mqa_f16_head_map(%q: tensor<1x4x8x32xf16>, %k: tensor<1x3x8x32xf16>, %v: tensor<1x3x8x32xf16>) -> tensor<1x4x8x32xf16> {
  // Key-Driven GQA: groups of unequal size.
  // CHECK: head_map = array<i64: 0, 0, 1, 2>
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>} : (tensor<1x4x8x32xf16>, tensor<1x3x8x32xf16>, tensor<1x3x8x32xf16>) -> tensor<1x4x8x32xf16>
  return %o : tensor<1x4x8x32xf16>
}

// CHECK-LABEL: func @masks
func.func @masks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x4x8x32xf32>, %v: tensor<1x4x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) {
  // CHECK: mask = #attn.mask<none>
  %a = attn.attention(%q, %k, %v) {mask = #attn.mask<none>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  // CHECK: mask = #attn.mask<window left = 3, right = 0>
  %b = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 3, right = 0>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  // Fields may be omitted (defaults -1, -1, 0) and given in any order.
  // CHECK: mask = #attn.mask<window left = 2, right = 0, sinks = 1>
  %c = attn.attention(%q, %k, %v) {mask = #attn.mask<window sinks = 1, right = 0, left = 2>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  // A bare window keeps every default: no mask.
  // CHECK: mask = #attn.mask<none>
  %e = attn.attention(%q, %k, %v) {mask = #attn.mask<window>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  // DuoAttention: streaming and full heads in one op.
  // CHECK: head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>]
  %d = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>]} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %a, %b, %c, %d : tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>
}

// CHECK-LABEL: func @sigmoid
func.func @sigmoid(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  // CHECK: normalization = #attn.normalization<sigmoid>
  %a = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  // CHECK: normalization = #attn.normalization<sigmoid>, sigmoid_bias = -2.000000e+00 : f32
  %b = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = -2.0 : f32} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %a, %b : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func @score_modifiers
func.func @score_modifiers(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %slopes: tensor<4xf32>, %bias: tensor<1x4x?x?xf32>, %temp: tensor<?x1x?xf32>) -> tensor<?x4x?x32xf32> {
  // CHECK: attn.attention(%{{.*}}, %{{.*}}, %{{.*}}) alibi(%{{.*}}) bias(%{{.*}}) temperature(%{{.*}}) {softcap = 5.000000e+01 : f32}
  %o = attn.attention(%q, %k, %v) alibi(%slopes) bias(%bias) temperature(%temp) {softcap = 50.0 : f32} : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<4xf32>, tensor<1x4x?x?xf32>, tensor<?x1x?xf32>) -> tensor<?x4x?x32xf32>
  return %o : tensor<?x4x?x32xf32>
}

// CHECK-LABEL: func @regions
func.func @regions(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // CHECK: score_mod {
  // CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
  // CHECK: attn.yield %{{.*}} : f32
  // CHECK: } mask_mod {
  // CHECK: attn.yield %{{.*}} : i1
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %c = arith.constant 2.0 : f32
    %r = arith.mulf %s, %c : f32
    attn.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ne, %i, %j : index
    attn.yield %r : i1
  } : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func @block_sparse
func.func @block_sparse(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x1x4x8xi32>, %fn: tensor<1x2x4xi32>, %fidx: tensor<1x2x4x8xi32>) -> tensor<1x2x256x64xf32> {
  // CHECK: blocks(%{{.*}}, %{{.*}}) full_blocks(%{{.*}}, %{{.*}}) {block_size = array<i64: 64, 64>}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) full_blocks(%fn, %fidx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x1x4x8xi32>, tensor<1x2x4xi32>, tensor<1x2x4x8xi32>) -> tensor<1x2x256x64xf32>
  return %o : tensor<1x2x256x64xf32>
}

// CHECK-LABEL: func @prefix
func.func @prefix(%q: tensor<4x8x16x64xf16>, %kp: tensor<1x2x128x64xf16>, %vp: tensor<1x2x128x64xf16>, %kg: tensor<2x2x32x64xf16>, %vg: tensor<2x2x32x64xf16>, %ks: tensor<4x2x16x64xf16>, %vs: tensor<4x2x16x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>) {
  // A three-level tree: shared system prompt, few-shot groups, per-row suffix.
  // CHECK: attn.prefix_attention(%{{[a-z0-9]+}}) keys(%{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}}) values(
  // CHECK-SAME: segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>]
  %o, %l = attn.prefix_attention(%q) keys(%kp, %kg, %ks) values(%vp, %vg, %vs) {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<2x2x32x64xf16>, tensor<4x2x16x64xf16>, tensor<1x2x128x64xf16>, tensor<2x2x32x64xf16>, tensor<4x2x16x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>)
  return %o, %l : tensor<4x8x16x64xf16>, tensor<4x8x16xf32>
}

// CHECK-LABEL: func @merge
func.func @merge(%o0: tensor<2x8x?x64xf32>, %o1: tensor<2x8x?x64xf32>, %l0: tensor<2x8x?xf32>, %l1: tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?x64xf32>) {
  // CHECK: attn.merge(%{{.*}}, %{{.*}}) lse(%{{.*}}, %{{.*}}) :
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
  // CHECK: attn.merge(%{{.*}}, %{{.*}}) {normalization = #attn.normalization<sigmoid>}
  %s = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o, %l, %s : tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?x64xf32>
}

// CHECK-LABEL: func @f32_accumulator_parts
func.func @f32_accumulator_parts(%q: tensor<2x8x4x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x64xbf16>, %o1: tensor<2x8x4x64xbf16>, %l1: tensor<2x8x4xf32>) -> tensor<2x8x4x64xbf16> {
  // bf16 attention returning its f32 accumulator, merged with a bf16 part.
  // CHECK: attn.attention({{.*}}) : (tensor<2x8x4x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> (tensor<2x8x4x64xf32>, tensor<2x8x4xf32>)
  %o0, %l0 = attn.attention(%q, %k, %v) : (tensor<2x8x4x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>) -> (tensor<2x8x4x64xf32>, tensor<2x8x4xf32>)
  // CHECK: attn.merge({{.*}}) lse({{.*}}) : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xbf16>, tensor<2x8x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4x64xbf16>
  %o = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x4x64xf32>, tensor<2x8x4x64xbf16>, tensor<2x8x4xf32>, tensor<2x8x4xf32>) -> tensor<2x8x4x64xbf16>
  return %o : tensor<2x8x4x64xbf16>
}

// CHECK-LABEL: func @region_captures_scalars
func.func @region_captures_scalars(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x?x32xf32>, %v: tensor<1x2x?x32xf32>, %c: f32, %n: index) -> tensor<1x4x8x32xf32> {
  // Scalars defined above (a bias, a run-time length) may be used inside.
  // CHECK: score_mod {
  // CHECK:   arith.addf %{{.*}}, %arg3 : f32
  // CHECK: } mask_mod {
  // CHECK:   arith.cmpi ult, %{{.*}}, %arg4 : index
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %r = arith.addf %s, %c : f32
    attn.yield %r : f32
  } mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ult, %j, %n : index
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x?x32xf32>, tensor<1x2x?x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// CHECK-LABEL: func @ragged
func.func @ragged(%q: tensor<?x8x1x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %n: tensor<?xi32>, %kp: tensor<1x2x?x64xbf16>) -> (tensor<?x8x1x64xbf16>, tensor<?x8x1x64xbf16>) {
  // A ragged batch: kv_lengths per row; a ragged last segment.
  // CHECK: attn.attention(%{{.*}}, %{{.*}}, %{{.*}}) kv_lengths(%{{.*}}) {mask = #attn.mask<causal>}
  %o = attn.attention(%q, %k, %v) kv_lengths(%n) {mask = #attn.mask<causal>} : (tensor<?x8x1x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?xi32>) -> tensor<?x8x1x64xbf16>
  // CHECK: attn.prefix_attention(%{{.*}}) keys(%{{.*}}, %{{.*}}) values(%{{.*}}, %{{.*}}) suffix_lengths(%{{.*}})
  %p = attn.prefix_attention(%q) keys(%kp, %k) values(%kp, %v) suffix_lengths(%n) {segments = [#attn.segment<shared>, #attn.segment<per_row>]} : (tensor<?x8x1x64xbf16>, tensor<1x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?xi32>) -> tensor<?x8x1x64xbf16>
  return %o, %p : tensor<?x8x1x64xbf16>, tensor<?x8x1x64xbf16>
}

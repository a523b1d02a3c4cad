// RUN: attune-opt %s -canonicalize -split-input-file | FileCheck %s

// Canonical head configuration of attention ops, and folding of attn.merge.

// A head_map equal to the uniform grouping (h / (Hq / Hkv)) is dropped.
// CHECK-LABEL: func @head_map_uniform
// CHECK: attn.attention
// CHECK-NOT: head_map
// CHECK: return
func.func @head_map_uniform(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 1>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// A head_map that is not the uniform grouping stays.
// CHECK-LABEL: func @head_map_interleaved
// CHECK: attn.attention
// CHECK-SAME: head_map = array<i64: 0, 1, 0, 1>
func.func @head_map_interleaved(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 1, 0, 1>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// The same pattern applies to attn.prefix_attention.
// CHECK-LABEL: func @prefix_head_map_uniform
// CHECK: attn.prefix_attention
// CHECK-NOT: head_map
// CHECK: return
func.func @prefix_head_map_uniform(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16> {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>], head_map = array<i64: 0, 0, 0, 0, 1, 1, 1, 1>} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return %o : tensor<4x8x16x64xf16>
}

// -----

// Per-head masks that all agree become one mask.
// CHECK-LABEL: func @head_masks_uniform
// CHECK: attn.attention({{.*}}) {mask = #attn.mask<window left = 2, right = 0, sinks = 2>} :
func.func @head_masks_uniform(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<window left = 2, right = 0, sinks = 2>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// Per-head masks that differ stay.
// CHECK-LABEL: func @head_masks_differ
// CHECK: attn.attention
// CHECK-SAME: head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>]
func.func @head_masks_differ(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// A `none` mask is dropped.
// CHECK-LABEL: func @mask_none
// CHECK: attn.attention
// CHECK-NOT: mask
// CHECK: return
func.func @mask_none(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<none>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// Per-head masks that are all `none` disappear altogether.
// CHECK-LABEL: func @head_masks_all_none
// CHECK: attn.attention
// CHECK-NOT: mask
// CHECK: return
func.func @head_masks_all_none(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<none>, #attn.mask<none>, #attn.mask<none>, #attn.mask<none>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

// A softmax merge of one part is that part, log-sum-exp included.
// CHECK-LABEL: func @merge_single_softmax
// CHECK-SAME: (%[[O:[a-z0-9]+]]: tensor<2x8x?x64xf32>, %[[L:[a-z0-9]+]]: tensor<2x8x?xf32>)
// CHECK-NOT: attn.merge
// CHECK: return %[[O]], %[[L]]
func.func @merge_single_softmax(%o0: tensor<2x8x?x64xf32>, %l0: tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>) {
  %o, %l = attn.merge(%o0) lse(%l0) : (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
  return %o, %l : tensor<2x8x?x64xf32>, tensor<2x8x?xf32>
}

// -----

// A sigmoid merge of one part is that part.
// CHECK-LABEL: func @merge_single_sigmoid
// CHECK-SAME: (%[[O:[a-z0-9]+]]: tensor<2x8x?x64xf32>)
// CHECK-NOT: attn.merge
// CHECK: return %[[O]]
func.func @merge_single_sigmoid(%o0: tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32> {
  %o = attn.merge(%o0) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o : tensor<2x8x?x64xf32>
}

// -----

// A merge of two parts stays.
// CHECK-LABEL: func @merge_two_parts
// CHECK: %[[O:.+]], %[[L:.+]] = attn.merge
// CHECK: return %[[O]], %[[L]]
func.func @merge_two_parts(%o0: tensor<2x8x?x64xf32>, %o1: tensor<2x8x?x64xf32>, %l0: tensor<2x8x?xf32>, %l1: tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>) {
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
  return %o, %l : tensor<2x8x?x64xf32>, tensor<2x8x?xf32>
}

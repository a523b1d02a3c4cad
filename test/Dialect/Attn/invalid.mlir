// RUN: attune-opt %s -split-input-file -verify-diagnostics

// Diagnostics of the attn dialect: every verifier and parser error of
// AttnOps.cpp and AttnAttrs.cpp, plus a few ODS-generated constraint failures.
// Most cases use Q = tensor<1x4x8x32xf32> and K = V = tensor<1x2x8x32xf32>.

//===----------------------------------------------------------------------===//
// attn.attention: operand and result types (ODS)
//===----------------------------------------------------------------------===//

// Query of integer element type.
func.func @query_i32(%q: tensor<1x4x8x32xi32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xi32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Log-sum-exp result that is not f32.
func.func @lse_f16(%q: tensor<1x4x8x32xf16>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf16>) {
  // expected-error @+1 {{result #1 must be ranked tensor of 32-bit float values}}
  %o, %l = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf16>) -> (tensor<1x4x8x32xf16>, tensor<1x4x8xf16>)
  return
}

// -----

// Block counts that are not i32.
func.func @block_counts_i64(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi64>, %idx: tensor<1x1x4x8xi32>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi64>, tensor<1x1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: query, key and value
//===----------------------------------------------------------------------===//

// Query of rank 3.
func.func @query_rank(%q: tensor<4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects query of rank 4 [B, Hq, Lq, D], got rank 3}}
  %o = attn.attention(%q, %k, %v) : (tensor<4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Key of rank 5.
func.func @key_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32x1xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects key of rank 4 [B, Hkv, Lk, D], got rank 5}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32x1xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Value of rank 3.
func.func @value_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<2x8x32xf32>) {
  // expected-error @+1 {{expects value of rank 4 [B, Hkv, Lk, Dv], got rank 3}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Key of another element type than the query.
func.func @key_element_type(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects query, keys and values of one element type ('f32'), got 'f16'}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Key batch differs from the query batch.
func.func @key_batch(%q: tensor<1x4x8x32xf32>, %k: tensor<2x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects key of shape [1, 2, 8, 32] [B, Hkv, Lk, D], got [2, 2, 8, 32]}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<2x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Key head dim differs from the query head dim.
func.func @key_head_dim(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects key of shape [1, 2, 8, 32] [B, Hkv, Lk, D], got [1, 2, 8, 16]}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Value length differs from the key length.
func.func @value_length(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x9x32xf32>) {
  // expected-error @+1 {{expects value of shape [1, 2, 8, 32] [B, Hkv, Lk, Dv], got [1, 2, 9, 32]}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x9x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Dynamic number of query heads.
func.func @dynamic_heads(%q: tensor<1x?x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{head counts must be static}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x?x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x?x8x32xf32>
  return
}

// -----

// Dynamic value head dim.
func.func @dynamic_head_dim(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x?xf32>) {
  // expected-error @+1 {{head dims must be static}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x?xf32>) -> tensor<1x4x8x?xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: output and log-sum-exp
//===----------------------------------------------------------------------===//

// Output of another element type than the query.
func.func @output_element_type(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the output element type to be the query's ('f32') or f32, got 'f16'}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf16>
  return
}

// -----

// Output of rank 3.
func.func @output_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects output of rank 4 [B, Hq, Lq, Dv], got rank 3}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<4x8x32xf32>
  return
}

// -----

// Output head dim differs from the value head dim.
func.func @output_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x16xf32>) {
  // expected-error @+1 {{expects output of shape [1, 4, 8, 16] [B, Hq, Lq, Dv], got [1, 4, 8, 32]}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x16xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Log-sum-exp of rank 4.
func.func @lse_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects lse of rank 3 [B, Hq, Lq], got rank 4}}
  %o, %l = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x8x1xf32>)
  return
}

// -----

// Log-sum-exp with the wrong query length.
func.func @lse_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects lse of shape [1, 4, 8] [B, Hq, Lq], got [1, 4, 9]}}
  %o, %l = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x9xf32>)
  return
}

// -----

// Sigmoid attention returning a log-sum-exp.
func.func @sigmoid_lse(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{sigmoid attention has no log-sum-exp; drop the lse result}}
  %o, %l = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x8xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: scalar attributes
//===----------------------------------------------------------------------===//

// A non-finite sigmoid bias.
func.func @sigmoid_bias_inf(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{sigmoid_bias must be finite}}
  %o = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = 0x7F800000 : f32} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Zero query heads.
func.func @zero_heads(%q: tensor<1x0x8x32xf32>, %k: tensor<1x0x8x32xf32>, %v: tensor<1x0x8x32xf32>) {
  // expected-error @+1 {{head counts must be positive, got 0 query and 0 KV heads}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x0x8x32xf32>, tensor<1x0x8x32xf32>, tensor<1x0x8x32xf32>) -> tensor<1x0x8x32xf32>
  return
}

// -----

// sigmoid_bias on softmax attention.
func.func @sigmoid_bias_softmax(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{sigmoid_bias requires sigmoid normalization}}
  %o = attn.attention(%q, %k, %v) {sigmoid_bias = -2.0 : f32} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Infinite scale.
func.func @scale_inf(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{scale must be finite}}
  %o = attn.attention(%q, %k, %v) {scale = 0x7F800000 : f32} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Scale given as f64 (ODS: F32Attr).
func.func @scale_f64(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %o = attn.attention(%q, %k, %v) {scale = 0.125 : f64} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Zero softcap.
func.func @softcap_zero(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{softcap must be positive and finite, got 0}}
  %o = attn.attention(%q, %k, %v) {softcap = 0.0 : f32} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// NaN softcap.
func.func @softcap_nan(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{softcap must be positive and finite}}
  %o = attn.attention(%q, %k, %v) {softcap = 0x7FC00000 : f32} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: masks and head configuration
//===----------------------------------------------------------------------===//

// Both mask and head_masks.
func.func @mask_and_head_masks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{takes either one mask or per-head head_masks, not both}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, head_masks = [#attn.mask<causal>, #attn.mask<causal>, #attn.mask<causal>, #attn.mask<causal>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Fewer head masks than query heads.
func.func @head_masks_count(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects one head mask per query head (4), got 2}}
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<causal>, #attn.mask<none>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// head_masks holding a non-mask attribute (ODS).
func.func @head_masks_not_masks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{attribute 'head_masks' failed to satisfy constraint: array of masks}}
  %o = attn.attention(%q, %k, %v) {head_masks = [#attn.segment<shared>, #attn.mask<none>, #attn.mask<none>, #attn.mask<none>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// head_map shorter than the number of query heads.
func.func @head_map_count(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects a head_map entry per query head (4), got 3}}
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// head_map naming a KV head past the last one.
func.func @head_map_too_large(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{head_map[3] = 2 is out of range for 2 KV heads}}
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Negative head_map entry.
func.func @head_map_negative(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{head_map[1] = -1 is out of range for 2 KV heads}}
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, -1, 1, 1>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Query heads not a multiple of the KV heads, and no head_map.
func.func @uneven_groups(%q: tensor<1x3x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{query heads (3) must be a multiple of KV heads (2) without a head_map}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x3x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x3x8x32xf32>
  return
}

// -----

// Zero KV heads, and no head_map.
func.func @zero_kv_heads(%q: tensor<1x4x8x32xf32>, %k: tensor<1x0x8x32xf32>, %v: tensor<1x0x8x32xf32>) {
  // expected-error @+1 {{head counts must be positive, got 4 query and 0 KV heads}}
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x0x8x32xf32>, tensor<1x0x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: score modifier operands
//===----------------------------------------------------------------------===//

// ALiBi slopes of rank 2.
func.func @alibi_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %s: tensor<1x4xf32>) {
  // expected-error @+1 {{expects alibi slopes of rank 1 [Hq], got rank 2}}
  %o = attn.attention(%q, %k, %v) alibi(%s) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x4xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// One ALiBi slope per KV head instead of per query head.
func.func @alibi_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects alibi slopes of shape [4] [Hq], got [2]}}
  %o = attn.attention(%q, %k, %v) alibi(%s) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<2xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Bias of a third element type (neither f32 nor the query's).
func.func @bias_element_type(%q: tensor<1x4x8x32xf16>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf16>, %b: tensor<1x4x8x8xbf16>) {
  // expected-error @+1 {{expects a bias of f32 or the query's element type, got 'bf16'}}
  %o = attn.attention(%q, %k, %v) bias(%b) : (tensor<1x4x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x4x8x8xbf16>) -> tensor<1x4x8x32xf16>
  return
}

// -----

// Bias of rank 3.
func.func @bias_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %b: tensor<4x8x8xf32>) {
  // expected-error @+1 {{expects bias of rank 4 [B, Hq, Lq, Lk], got rank 3}}
  %o = attn.attention(%q, %k, %v) bias(%b) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<4x8x8xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Bias with a head extent that is neither 1 nor Hq.
func.func @bias_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %b: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{expects bias of shape [1, 4, 8, 8] [B, Hq, Lq, Lk] (batch and head extents may be 1), got [1, 2, 8, 8]}}
  %o = attn.attention(%q, %k, %v) bias(%b) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x8xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Temperature with the wrong query length.
func.func @temperature_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %t: tensor<1x1x7xf32>) {
  // expected-error @+1 {{expects temperature of shape [1, 4, 8] [B, Hq, Lq] (batch and head extents may be 1), got [1, 1, 7]}}
  %o = attn.attention(%q, %k, %v) temperature(%t) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x1x7xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// kv_lengths with one entry per batch row, not two.
func.func @kv_lengths_shape(%q: tensor<3x4x8x32xf32>, %k: tensor<3x2x8x32xf32>, %v: tensor<3x2x8x32xf32>, %n: tensor<2xi32>) {
  // expected-error @+1 {{expects kv_lengths of shape [3] [B], got [2]}}
  %o = attn.attention(%q, %k, %v) kv_lengths(%n) : (tensor<3x4x8x32xf32>, tensor<3x2x8x32xf32>, tensor<3x2x8x32xf32>, tensor<2xi32>) -> tensor<3x4x8x32xf32>
  return
}

// -----

// kv_lengths of another element type than i32.
func.func @kv_lengths_type(%q: tensor<3x4x8x32xf32>, %k: tensor<3x2x8x32xf32>, %v: tensor<3x2x8x32xf32>, %n: tensor<3xi64>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit signless integer values, but got 'tensor<3xi64>'}}
  %o = attn.attention(%q, %k, %v) kv_lengths(%n) : (tensor<3x4x8x32xf32>, tensor<3x2x8x32xf32>, tensor<3x2x8x32xf32>, tensor<3xi64>) -> tensor<3x4x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: block mask
//===----------------------------------------------------------------------===//

// Block counts without block indices (generic form).
func.func @blocks_unpaired(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>) {
  // expected-error @+1 {{expects block counts and block indices to come in pairs}}
  %o = "attn.attention"(%q, %k, %v, %n) <{block_size = array<i64: 64, 64>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0>}> ({
  }, {
  }) : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Full blocks without partial blocks.
func.func @full_without_partial(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %fn: tensor<1x2x4xi32>, %fidx: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{full blocks need the partial block lists too (they may be empty)}}
  %o = attn.attention(%q, %k, %v) full_blocks(%fn, %fidx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x4xi32>, tensor<1x2x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// block_size without a block mask.
func.func @block_size_alone(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>) {
  // expected-error @+1 {{block_size given without a block mask}}
  %o = attn.attention(%q, %k, %v) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Block mask without block_size.
func.func @block_size_missing(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x1x4x8xi32>) {
  // expected-error @+1 {{a block mask needs block_size = [q_block, kv_block], both positive}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Zero block size.
func.func @block_size_zero(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x1x4x8xi32>) {
  // expected-error @+1 {{a block mask needs block_size = [q_block, kv_block], both positive}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) {block_size = array<i64: 64, 0>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Block counts for the wrong number of query blocks (256 / 64 = 4).
func.func @kv_num_blocks_shape(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x3xi32>, %idx: tensor<1x1x4x8xi32>) {
  // expected-error @+1 {{expects kv_num_blocks of shape [1, 2, 4] [B, Hq, num_q_blocks] (batch and head extents may be 1), got [1, 1, 3]}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x3xi32>, tensor<1x1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Block indices of rank 3.
func.func @kv_indices_rank(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x4x8xi32>) {
  // expected-error @+1 {{expects kv_indices of rank 4 [B, Hq, num_q_blocks, max_kv_blocks], got rank 3}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

// Full block indices with a batch extent that is neither 1 nor B.
func.func @full_kv_indices_shape(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x1x4x8xi32>, %fn: tensor<1x2x4xi32>, %fidx: tensor<3x2x4x8xi32>) {
  // expected-error @+1 {{expects full_kv_indices of shape [1, 2, 4, 8] [B, Hq, num_q_blocks, max_kv_blocks] (batch and head extents may be 1), got [3, 2, 4, 8]}}
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) full_blocks(%fn, %fidx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x1x4x8xi32>, tensor<1x2x4xi32>, tensor<3x2x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.attention: score_mod and mask_mod regions
//===----------------------------------------------------------------------===//

// score_mod missing the kv_idx argument.
func.func @score_mod_signature(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the score_mod region to take (f32 score, index batch, index head, index q_idx, index kv_idx)}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index):
    attn.yield %s : f32
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// mask_mod with an i32 argument.
func.func @mask_mod_signature(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the mask_mod region to take (index batch, index head, index q_idx, index kv_idx)}}
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: i32, %j: i32):
    %r = arith.cmpi ne, %i, %j : i32
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// score_mod yielding an f16.
func.func @score_mod_yield_type(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the score_mod region to yield one 'f32'}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %r = arith.truncf %s : f32 to f16
    attn.yield %r : f16
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// mask_mod yielding two values.
func.func @mask_mod_yield_count(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the mask_mod region to yield one 'i1'}}
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = arith.cmpi ne, %i, %j : index
    attn.yield %r, %r : i1, i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// score_mod reading a tensor defined above the op.
func.func @score_mod_captured(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %c: tensor<8xf32>) {
  // expected-error @+1 {{expects the score_mod region to capture only scalars from above, got 'tensor<8xf32>'}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %e = tensor.extract %c[%i] : tensor<8xf32>
    %r = arith.mulf %s, %e : f32
    attn.yield %r : f32
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// mask_mod calling a function (unknown side effects).
func.func private @keep(index, index) -> i1

func.func @mask_mod_call(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the mask_mod region to be free of side effects}}
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = func.call @keep(%i, %j) : (index, index) -> i1
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// score_mod writing to memory.
func.func @score_mod_store(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the score_mod region to be free of side effects}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    %m = memref.alloca() : memref<f32>
    memref.store %s, %m[] : memref<f32>
    attn.yield %s : f32
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// score_mod ending in a terminator other than attn.yield.
func.func @score_mod_foreign_terminator(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{expects the score_mod region to yield one 'f32'}}
  %o = attn.attention(%q, %k, %v) score_mod {
  ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
    llvm.unreachable
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// mask_mod without a terminator.
func.func @mask_mod_no_terminator(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    // expected-error @+1 {{block with no terminator}}
    %r = arith.cmpi ne, %i, %j : index
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// attn.yield outside of an attn.attention region (ODS: ParentOneOf).
func.func @yield_outside(%x: f32) {
  // expected-error @+1 {{expects parent op 'attn.attention'}}
  attn.yield %x : f32
}

// -----

//===----------------------------------------------------------------------===//
// attn.prefix_attention
//===----------------------------------------------------------------------===//

// Query of rank 3.
func.func @prefix_query_rank(%q: tensor<4x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{expects query of rank 4 [B, Hq, Lq, D], got rank 3}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// A ragged last segment must be per row.
func.func @suffix_lengths_shared(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>, %n: tensor<4xi32>) {
  // expected-error @+1 {{suffix_lengths make the last segment ragged; it must be per_row}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) suffix_lengths(%n) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<4xi32>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// suffix_lengths with one entry per batch row.
func.func @suffix_lengths_shape(%q: tensor<4x8x16x64xf16>, %k: tensor<4x2x128x64xf16>, %v: tensor<4x2x128x64xf16>, %n: tensor<3xi32>) {
  // expected-error @+1 {{expects suffix_lengths of shape [4] [B], got [3]}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) suffix_lengths(%n) {segments = [#attn.segment<per_row>]} : (tensor<4x8x16x64xf16>, tensor<4x2x128x64xf16>, tensor<4x2x128x64xf16>, tensor<3xi32>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// No segments at all.
func.func @prefix_no_segments(%q: tensor<4x8x16x64xf16>) {
  // expected-error @+1 {{expects at least one KV segment}}
  %o = attn.prefix_attention(%q) keys() values() {segments = []} : (tensor<4x8x16x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Missing segments attribute (ODS).
func.func @prefix_segments_missing(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{requires attribute 'segments'}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// segments holding a mask (ODS).
func.func @prefix_segments_not_segments(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{attribute 'segments' failed to satisfy constraint: array of KV segments}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.mask<causal>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Two segments, but one key tensor.
func.func @prefix_segment_count(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{expects one key and one value tensor per segment (2), got 1 keys and 2 values}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v, %v) {segments = [#attn.segment<shared>, #attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Values of another element type than the query.
func.func @prefix_value_element_type(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xbf16>) {
  // expected-error @+1 {{expects query, keys and values of one element type ('f16'), got 'bf16'}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xbf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Segment value of rank 3.
func.func @prefix_segment_rank(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<2x128x64xf16>) {
  // expected-error @+1 {{expects segment keys and values of rank 4 [N, Hkv, L, D], got rank 3}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Second segment key with other KV heads than the first.
func.func @prefix_segment_key_shape(%q: tensor<4x8x16x64xf16>, %kp: tensor<1x2x128x64xf16>, %vp: tensor<1x2x128x64xf16>, %ks: tensor<4x4x16x64xf16>, %vs: tensor<4x4x16x64xf16>) {
  // expected-error @+1 {{expects segment 1 key of shape [4, 2, 16, 64] [N, Hkv, L, D], got [4, 4, 16, 64]}}
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<4x4x16x64xf16>, tensor<1x2x128x64xf16>, tensor<4x4x16x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Segment value with another length than its key.
func.func @prefix_segment_value_shape(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x64x64xf16>) {
  // expected-error @+1 {{expects segment 0 value of shape [1, 2, 128, 64] [N, Hkv, L, Dv], got [1, 2, 64, 64]}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x64x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Shared segment with two instances.
func.func @prefix_shared_instances(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x128x64xf16>, %v: tensor<2x2x128x64xf16>) {
  // expected-error @+1 {{shared segment 0 must hold one instance, got 2}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// per_row segment with fewer instances than batch rows.
func.func @prefix_per_row_instances(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x64xf16>) {
  // expected-error @+1 {{per_row segment 0 must hold one instance per batch row (4), got 2}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<per_row>]} : (tensor<4x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Row map with a dynamic batch.
func.func @prefix_rows_dynamic_batch(%q: tensor<?x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error @+1 {{segment 0 maps rows explicitly and needs a static batch}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 1]>]} : (tensor<?x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<?x8x16x64xf16>
  return
}

// -----

// Row map shorter than the batch.
func.func @prefix_rows_count(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error @+1 {{segment 0 maps 3 rows, but the batch has 4}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1]>]} : (tensor<4x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Row map over a dynamic number of instances.
func.func @prefix_rows_dynamic_instances(%q: tensor<4x8x16x64xf16>, %k: tensor<?x2x32x64xf16>, %v: tensor<?x2x32x64xf16>) {
  // expected-error @+1 {{segment 0 maps rows explicitly and needs a static instance count}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 1]>]} : (tensor<4x8x16x64xf16>, tensor<?x2x32x64xf16>, tensor<?x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Row map naming an instance past the last one.
func.func @prefix_rows_out_of_range(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error @+1 {{segment 0 maps a row to instance 2, but it holds 2}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 2]>]} : (tensor<4x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Common attention checks apply too: sigmoid prefix attention with an lse.
func.func @prefix_sigmoid_lse(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{sigmoid attention has no log-sum-exp; drop the lse result}}
  %o, %l = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>], normalization = #attn.normalization<sigmoid>} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// attn.merge
//===----------------------------------------------------------------------===//

// No partial results.
func.func @merge_empty() {
  // expected-error @+1 {{expects at least one partial result}}
  %o = attn.merge() : () -> tensor<2x8x16x64xf32>
  return
}

// -----

// Rank-0 partial results.
func.func @merge_rank0(%o0: tensor<f32>, %o1: tensor<f32>) {
  // expected-error @+1 {{expects partial results of rank >= 1}}
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

// A part neither of the result's element type nor f32.
func.func @merge_element_type(%o0: tensor<2x8x16x64xbf16>, %o1: tensor<2x8x16x64xf16>) {
  // expected-error @+1 {{expects parts of the result's element type ('bf16') or f32, got 'f16'}}
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xbf16>, tensor<2x8x16x64xf16>) -> tensor<2x8x16x64xbf16>
  return
}

// -----

// Parts of different ranks.
func.func @merge_part_rank(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16xf32>) {
  // expected-error @+1 {{expects every result of rank 4 (the first part's), got rank 3}}
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Merged output of another shape than the parts.
func.func @merge_output_shape(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{expects every result of shape [2, 8, 16, 64] (the first part's), got [2, 8, 32, 64]}}
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x32x64xf32>
  return
}

// -----

// Sigmoid merge with log-sum-exps.
func.func @merge_sigmoid_lse(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>, %l0: tensor<2x8x16xf32>, %l1: tensor<2x8x16xf32>) {
  // expected-error @+1 {{sigmoid parts merge by plain sum and take no log-sum-exp}}
  %o = attn.merge(%o0, %o1) lse(%l0, %l1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Softmax merge without log-sum-exps.
func.func @merge_softmax_no_lse(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{softmax merge expects one log-sum-exp per part (2), got 0}}
  %o = attn.merge(%o0, %o1) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Softmax merge with one log-sum-exp for two parts.
func.func @merge_lse_count(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>, %l0: tensor<2x8x16xf32>) {
  // expected-error @+1 {{softmax merge expects one log-sum-exp per part (2), got 1}}
  %o = attn.merge(%o0, %o1) lse(%l0) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Log-sum-exp of the parts' full rank.
func.func @merge_lse_rank(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>, %l0: tensor<2x8x16x64xf32>, %l1: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{expects log-sum-exp of rank 3 (the parts' shape without the last dim), got rank 4}}
  %o = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Merged log-sum-exp of another shape than the parts' rows.
func.func @merge_lse_shape(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>, %l0: tensor<2x8x16xf32>, %l1: tensor<2x8x16xf32>) {
  // expected-error @+1 {{expects log-sum-exp of shape [2, 8, 16] (the parts' shape without the last dim), got [2, 4, 16]}}
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf32>, tensor<2x4x16xf32>)
  return
}

// -----

// Log-sum-exp operand that is not f32 (ODS).
func.func @merge_lse_f16(%o0: tensor<2x8x16x64xf16>, %l0: tensor<2x8x16xf16>) {
  // expected-error @+1 {{operand #1 must be variadic of ranked tensor of 32-bit float values}}
  %o = attn.merge(%o0) lse(%l0) : (tensor<2x8x16x64xf16>, tensor<2x8x16xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #attn.mask
//===----------------------------------------------------------------------===//

// Unknown mask kind.
func.func @mask_unknown_kind(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{unknown mask kind 'banded' (expected none, causal or window)}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<banded>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Unknown window field.
func.func @mask_unknown_field(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{unknown window field 'width' (expected left, right or sinks)}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 4, width = 2>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Window field given twice.
func.func @mask_duplicate_field(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{window field 'left' given twice}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 4, right = 0, left = 8>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Window bound below -1.
func.func @mask_bound_too_small(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{window bounds must be >= 0, or -1 for unbounded; got left = -2, right = 0}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = -2, right = 0>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Negative sink count.
func.func @mask_negative_sinks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{sink count must be >= 0; got -1}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 4, right = 0, sinks = -1>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

// Sinks with an unbounded left side.
func.func @mask_sinks_unbounded(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+1 {{sink tokens need a bounded left window}}
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window right = 0, sinks = 4>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #attn.normalization
//===----------------------------------------------------------------------===//

// Unknown normalization (ODS enum parser).
func.func @normalization_unknown(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  // expected-error @+2 {{expected ::mlir::attn::Normalization to be one of: softmax, sigmoid}}
  // expected-error @+1 {{failed to parse Attn_NormalizationAttr parameter 'value'}}
  %o = attn.attention(%q, %k, %v) {normalization = #attn.normalization<relu>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// #attn.segment
//===----------------------------------------------------------------------===//

// Unknown segment kind.
func.func @segment_unknown_kind(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{unknown segment kind 'global' (expected shared, per_row or rows)}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<global>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Empty row map.
func.func @segment_rows_empty(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{a 'rows' segment needs one instance per batch row}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows []>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Negative instance in a row map.
func.func @segment_rows_negative(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error @+1 {{segment instances must be >= 0; got -1}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, -1, 1, 1]>]} : (tensor<4x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Row list on a shared segment: the parser reads no list after 'shared'.
// (SegmentAttr::verify's "only a 'rows' segment lists rows" cannot be reached
// from textual IR.)
func.func @segment_shared_with_rows(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  // expected-error @+1 {{expected '>'}}
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared [0, 0, 0, 0]>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

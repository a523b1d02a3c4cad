// RUN: attune-opt %s --attn-decompose-shared-prefix --split-input-file | FileCheck %s

// Decode (Lq = 1) over a prefix shared by every row and per-row suffixes.
//   prefix:  the B rows' queries stacked per head, [1, Hq, B * Lq, D]; one
//            attention reads the prefix once (a causal decode step sees every
//            earlier key: no mask);
//   suffix:  per-row attention over each row's own keys;
//   O = (w_p O_p + w_s O_s) / (w_p + w_s),  w = exp(lse - max lse).
// CHECK-LABEL: func @decode
// CHECK:      %[[T:.*]] = linalg.transpose ins(%arg0 : tensor<?x8x1x64xf32>) {{.*}} permutation = [1, 0, 2, 3]
// CHECK:      %[[C:.*]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1, 2], [3]]
// CHECK:      %[[Q:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1], [2], [3]] {{.*}} into tensor<1x8x?x64xf32>
// CHECK:      %[[OP:.*]], %[[LP:.*]] = attn.attention(%[[Q]], %arg1, %arg3) :
// CHECK-SAME:   -> (tensor<1x8x?x64xf32>, tensor<1x8x?xf32>)
// CHECK:      %[[OPR:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<?x8x1x64xf32>) permutation = [1, 0, 2, 3]
// CHECK:      %[[LPR:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<?x8x1xf32>) permutation = [1, 0, 2]
// CHECK:      %[[OS:.*]], %[[LS:.*]] = attn.attention(%arg0, %arg2, %arg4) :
// CHECK:      attn.merge(%[[OPR]], %[[OS]]) lse(%[[LPR]], %[[LS]])
// CHECK-SAME:   -> tensor<?x8x1x64xf32>
func.func @decode(%q: tensor<?x8x1x64xf32>, %kp: tensor<1x2x?x64xf32>, %ks: tensor<?x2x?x64xf32>, %vp: tensor<1x2x?x64xf32>, %vs: tensor<?x2x?x64xf32>) -> tensor<?x8x1x64xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<?x8x1x64xf32>, tensor<1x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<?x2x?x64xf32>) -> tensor<?x8x1x64xf32>
  return %o : tensor<?x8x1x64xf32>
}

// -----

// Several queries per row (Lq = 4) under a causal mask, static suffix of 6:
// query i sees key jg iff jg <= i + Lk - Lq. The prefix ends 6 keys before
// the end, so every query sees all of it (6 >= Lq - 1: no mask); the suffix
// is the last segment and keeps the causal mask as it is. bf16 parts come
// out in f32 for the merge.
// CHECK-LABEL: func @prefill_static_suffix
// CHECK:      attn.attention({{.*}}, %arg1, %arg3) : (tensor<1x2x8x32xbf16>, {{.*}}) -> (tensor<1x2x8x32xf32>, tensor<1x2x8xf32>)
// CHECK:      attn.attention(%arg0, %arg2, %arg4) {mask = #attn.mask<causal>} : {{.*}} -> (tensor<2x2x4x32xf32>, tensor<2x2x4xf32>)
// CHECK:      attn.merge({{.*}}) lse({{.*}}) : {{.*}} -> (tensor<2x2x4x32xbf16>, tensor<2x2x4xf32>)
func.func @prefill_static_suffix(%q: tensor<2x2x4x32xbf16>, %kp: tensor<1x2x?x32xbf16>, %ks: tensor<2x2x6x32xbf16>, %vp: tensor<1x2x?x32xbf16>, %vs: tensor<2x2x6x32xbf16>) -> (tensor<2x2x4x32xbf16>, tensor<2x2x4xf32>) {
  %o, %l = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<2x2x4x32xbf16>, tensor<1x2x?x32xbf16>, tensor<2x2x6x32xbf16>, tensor<1x2x?x32xbf16>, tensor<2x2x6x32xbf16>) -> (tensor<2x2x4x32xbf16>, tensor<2x2x4xf32>)
  return %o, %l : tensor<2x2x4x32xbf16>, tensor<2x2x4xf32>
}

// -----

// The same with a suffix of unknown length: whether the last prefix keys are
// hidden from the first queries is only known at run time, so the stacked
// prefix attention evaluates the original mask itself, at the query's
// position in its row (r mod Lq) and the key's in the concatenation:
//   visible = (jg >= diag - left || jg < sinks) && jg <= diag + right,
//   diag = (r mod Lq) + Lk - Lq   (causal: left unbounded, right = 0).
// CHECK-LABEL: func @prefill_dynamic_suffix
// CHECK-DAG:  %[[LQ:.*]] = arith.constant 4 : index
// CHECK-DAG:  %[[LP:.*]] = tensor.dim %arg1, %c2
// CHECK-DAG:  %[[LS:.*]] = tensor.dim %arg2, %c2
// CHECK:      %[[LK:.*]] = arith.addi %[[LP]], %[[LS]]
// CHECK:      attn.attention({{.*}}, %arg1, %arg3) mask_mod {
// CHECK-NEXT: ^bb0(%{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %[[R:[a-z0-9]+]]: index, %[[J:[a-z0-9]+]]: index):
// CHECK-NEXT:   %[[I:.*]] = arith.remui %[[R]], %[[LQ]]
// CHECK-NEXT:   %[[A:.*]] = arith.addi %[[I]], %[[LK]]
// CHECK-NEXT:   %[[DIAG:.*]] = arith.subi %[[A]], %[[LQ]]
// CHECK:        %[[RIGHT:.*]] = arith.cmpi sle, %[[J]], %[[DIAG]]
// CHECK:        attn.yield
// CHECK:      attn.attention(%arg0, %arg2, %arg4) {mask = #attn.mask<causal>}
func.func @prefill_dynamic_suffix(%q: tensor<2x2x4x32xf32>, %kp: tensor<1x2x?x32xf32>, %ks: tensor<2x2x?x32xf32>, %vp: tensor<1x2x?x32xf32>, %vs: tensor<2x2x?x32xf32>) -> tensor<2x2x4x32xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<2x2x4x32xf32>, tensor<1x2x?x32xf32>, tensor<2x2x?x32xf32>, tensor<1x2x?x32xf32>, tensor<2x2x?x32xf32>) -> tensor<2x2x4x32xf32>
  return %o : tensor<2x2x4x32xf32>
}

// -----

// Tree sharing: rows [1, 0, 1] read instance 1 (rows 0 and 2, gathered), row
// 1 reads instance 0. Each instance is attended once by its rows' stacked
// queries; the batch rows of the result are put back in order.
// CHECK-LABEL: func @tree
// CHECK:      %[[R1:.*]] = tensor.extract_slice %arg0[1, 0, 0, 0] [1, 2, 1, 16]
// CHECK:      %[[K0:.*]] = tensor.extract_slice %arg1[0, 0, 0, 0] [1, 1, 5, 16]
// CHECK:      attn.attention({{.*}}, %[[K0]], {{.*}}) : (tensor<1x2x1x16xf32>,
// CHECK:      %[[A:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 2, 1, 16]
// CHECK:      %[[B:.*]] = tensor.extract_slice %arg0[2, 0, 0, 0] [1, 2, 1, 16]
// CHECK:      %[[G:.*]] = tensor.concat dim(0) %[[A]], %[[B]] : {{.*}} -> tensor<2x2x1x16xf32>
// CHECK:      %[[K1:.*]] = tensor.extract_slice %arg1[1, 0, 0, 0] [1, 1, 5, 16]
// CHECK:      attn.attention({{.*}}, %[[K1]], {{.*}}) : (tensor<1x2x2x16xf32>,
// CHECK:      %[[O1:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<2x2x1x16xf32>)
// CHECK-DAG:  %[[ROW0:.*]] = tensor.extract_slice %[[O1]][0, 0, 0, 0] [1, 2, 1, 16]
// CHECK-DAG:  %[[ROW2:.*]] = tensor.extract_slice %[[O1]][1, 0, 0, 0] [1, 2, 1, 16]
// CHECK:      tensor.concat dim(0) %[[ROW0]], %{{.*}}, %[[ROW2]] : {{.*}} -> tensor<3x2x1x16xf32>
// CHECK:      attn.merge
func.func @tree(%q: tensor<3x2x1x16xf32>, %kg: tensor<2x1x5x16xf32>, %ks: tensor<3x1x?x16xf32>, %vg: tensor<2x1x5x16xf32>, %vs: tensor<3x1x?x16xf32>) -> tensor<3x2x1x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kg, %ks) values(%vg, %vs) {segments = [#attn.segment<rows [1, 0, 1]>, #attn.segment<per_row>]} : (tensor<3x2x1x16xf32>, tensor<2x1x5x16xf32>, tensor<3x1x?x16xf32>, tensor<2x1x5x16xf32>, tensor<3x1x?x16xf32>) -> tensor<3x2x1x16xf32>
  return %o : tensor<3x2x1x16xf32>
}

// -----

// Sigmoid: the bias of the whole problem is -log(Lk) with Lk = 100 + 28; the
// parts keep it and add up (no log-sum-exp).
// CHECK-LABEL: func @sigmoid_static
// CHECK:      attn.attention({{.*}}) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = -4.85203028 : f32}
// CHECK:      attn.attention({{.*}}) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = -4.85203028 : f32}
// CHECK:      attn.merge(%{{.*}}, %{{.*}}) {normalization = #attn.normalization<sigmoid>}
func.func @sigmoid_static(%q: tensor<2x2x1x16xf32>, %kp: tensor<1x2x100x16xf32>, %ks: tensor<2x2x28x16xf32>, %vp: tensor<1x2x100x16xf32>, %vs: tensor<2x2x28x16xf32>) -> tensor<2x2x1x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], normalization = #attn.normalization<sigmoid>} : (tensor<2x2x1x16xf32>, tensor<1x2x100x16xf32>, tensor<2x2x28x16xf32>, tensor<1x2x100x16xf32>, tensor<2x2x28x16xf32>) -> tensor<2x2x1x16xf32>
  return %o : tensor<2x2x1x16xf32>
}

// -----

// Sigmoid with Lk known at run time: b = -log(Lk) computed once, added to the
// scores of every part by a score_mod (the parts' own bias is 0).
// CHECK-LABEL: func @sigmoid_dynamic
// CHECK:      %[[F:.*]] = arith.sitofp
// CHECK:      %[[LOG:.*]] = math.log %[[F]]
// CHECK:      %[[BIAS:.*]] = arith.negf %[[LOG]]
// CHECK:      attn.attention({{.*}}) {normalization = #attn.normalization<sigmoid>, sigmoid_bias = 0.000000e+00 : f32} score_mod {
// CHECK-NEXT: ^bb0(%[[S:[a-z0-9]+]]: f32,
// CHECK-NEXT:   %[[SB:.*]] = arith.addf %[[S]], %[[BIAS]]
// CHECK-NEXT:   attn.yield %[[SB]]
func.func @sigmoid_dynamic(%q: tensor<2x2x1x16xf32>, %kp: tensor<1x2x?x16xf32>, %ks: tensor<2x2x?x16xf32>, %vp: tensor<1x2x?x16xf32>, %vs: tensor<2x2x?x16xf32>) -> tensor<2x2x1x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], normalization = #attn.normalization<sigmoid>} : (tensor<2x2x1x16xf32>, tensor<1x2x?x16xf32>, tensor<2x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<2x2x?x16xf32>) -> tensor<2x2x1x16xf32>
  return %o : tensor<2x2x1x16xf32>
}

// -----

// StreamingLLM (4 sinks, window 8) over static segments 3 + 20 keys: the
// second segment starts at key 3, so one sink (key 3) falls in it and its
// band is the op's own (no later keys: tail 0); the first segment holds only
// sinks and is visible to every query.
// CHECK-LABEL: func @sinks_window
// CHECK:      attn.attention({{.*}}, %arg1, %arg3) : (tensor<1x2x4x16xf32>
// CHECK:      attn.attention(%arg0, %arg2, %arg4) {mask = #attn.mask<window left = 8, right = 0, sinks = 1>}
func.func @sinks_window(%q: tensor<2x2x2x16xf32>, %kp: tensor<1x2x3x16xf32>, %ks: tensor<2x2x20x16xf32>, %vp: tensor<1x2x3x16xf32>, %vs: tensor<2x2x20x16xf32>) -> tensor<2x2x2x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<window left = 8, right = 0, sinks = 4>} : (tensor<2x2x2x16xf32>, tensor<1x2x3x16xf32>, tensor<2x2x20x16xf32>, tensor<1x2x3x16xf32>, tensor<2x2x20x16xf32>) -> tensor<2x2x2x16xf32>
  return %o : tensor<2x2x2x16xf32>
}

// -----

// A segment known to be empty contributes nothing and is dropped; one part
// left, the merge of one f32 part still rounds it to f16.
// CHECK-LABEL: func @empty_segment
// CHECK-NOT:  attn.attention({{.*}}, %arg1
// CHECK:      %[[O:.*]], %[[L:.*]] = attn.attention(%arg0, %arg2, %arg4) {mask = #attn.mask<causal>} : {{.*}} -> (tensor<2x2x3x16xf32>, tensor<2x2x3xf32>)
// CHECK:      attn.merge(%[[O]]) lse(%[[L]]) : {{.*}} -> tensor<2x2x3x16xf16>
func.func @empty_segment(%q: tensor<2x2x3x16xf16>, %kp: tensor<1x2x0x16xf16>, %ks: tensor<2x2x?x16xf16>, %vp: tensor<1x2x0x16xf16>, %vs: tensor<2x2x?x16xf16>) -> tensor<2x2x3x16xf16> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<2x2x3x16xf16>, tensor<1x2x0x16xf16>, tensor<2x2x?x16xf16>, tensor<1x2x0x16xf16>, tensor<2x2x?x16xf16>) -> tensor<2x2x3x16xf16>
  return %o : tensor<2x2x3x16xf16>
}

// -----

// DuoAttention heads (head 0 streaming: 2 sinks + window 4; head 1 full
// causal), decoding, over a 9-key prefix and a per-row suffix of unknown
// length: head 0's band over the prefix depends on the suffix length, so the
// prefix part evaluates both heads' masks, chosen by head. On the suffix
// (tail 0) head 0 keeps its window, its sinks (keys 0, 1) all being in the
// prefix, and the decode step sees every key of head 1.
// CHECK-LABEL: func @per_head_masks
// CHECK:      attn.attention({{.*}}, %arg1, %arg3) mask_mod {
// CHECK-NEXT: ^bb0(%{{[a-z0-9]+}}: index, %[[H:[a-z0-9]+]]: index,
// CHECK:        arith.cmpi eq, %[[H]], %c1
// CHECK:        arith.select
// CHECK:      attn.attention(%arg0, %arg2, %arg4) {head_masks = [#attn.mask<window left = 4, right = 0>, #attn.mask<none>]}
func.func @per_head_masks(%q: tensor<2x2x1x16xf32>, %kp: tensor<1x2x9x16xf32>, %ks: tensor<2x2x?x16xf32>, %vp: tensor<1x2x9x16xf32>, %vs: tensor<2x2x?x16xf32>) -> tensor<2x2x1x16xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], head_masks = [#attn.mask<window left = 4, right = 0, sinks = 2>, #attn.mask<causal>]} : (tensor<2x2x1x16xf32>, tensor<1x2x9x16xf32>, tensor<2x2x?x16xf32>, tensor<1x2x9x16xf32>, tensor<2x2x?x16xf32>) -> tensor<2x2x1x16xf32>
  return %o : tensor<2x2x1x16xf32>
}

// -----

// Ragged suffixes (suffix_lengths) in decode: the prompt is whole for every
// row and visible to its one query, so it is still attended once by the
// stacked queries; the suffix part takes the lengths as kv_lengths (its
// causal band aligns to each row's end, as in the concatenation).
// CHECK-LABEL: func @ragged_decode
// CHECK:      attn.attention({{.*}}, %arg1, %arg3) : (tensor<1x8x4x64xf32>,
// CHECK:      attn.attention(%arg0, %arg2, %arg4) kv_lengths(%arg5) :
// CHECK:      attn.merge
func.func @ragged_decode(%q: tensor<4x8x1x64xf32>, %kp: tensor<1x2x?x64xf32>, %ks: tensor<4x2x?x64xf32>, %vp: tensor<1x2x?x64xf32>, %vs: tensor<4x2x?x64xf32>, %n: tensor<4xi32>) -> tensor<4x8x1x64xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<4x8x1x64xf32>, tensor<1x2x?x64xf32>, tensor<4x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<4x2x?x64xf32>, tensor<4xi32>) -> tensor<4x8x1x64xf32>
  return %o : tensor<4x8x1x64xf32>
}

// -----

// Ragged suffixes with several queries per row: whether the prompt's last
// keys are hidden from a row's first queries depends on that row's suffix
// length, which no part's mask can say; the op stays whole (and lowers over
// the concatenation, exactly).
// CHECK-LABEL: func @ragged_prefill
// CHECK:      attn.prefix_attention
// CHECK-NOT:  attn.merge
func.func @ragged_prefill(%q: tensor<4x8x3x64xf32>, %kp: tensor<1x2x?x64xf32>, %ks: tensor<4x2x?x64xf32>, %vp: tensor<1x2x?x64xf32>, %vs: tensor<4x2x?x64xf32>, %n: tensor<4xi32>) -> tensor<4x8x3x64xf32> {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) suffix_lengths(%n) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<4x8x3x64xf32>, tensor<1x2x?x64xf32>, tensor<4x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<4x2x?x64xf32>, tensor<4xi32>) -> tensor<4x8x3x64xf32>
  return %o : tensor<4x8x3x64xf32>
}

// Hydragen decode (issue 4): Hq = 32, D = 128, one query per row, a prefix
// shared by every row and a per-row suffix, causal (a decode step sees all).
// hydragen_*: attn.prefix_attention, decomposed by attune-cpu-pipeline (the
// prefix attended once by the stacked queries of all rows).
// per_row_*: the fused decode kernel over one sequence's full KV.

func.func @hydragen_f32_hkv32(%q: tensor<?x32x1x128xf32>, %kp: tensor<1x32x?x128xf32>, %ks: tensor<?x32x?x128xf32>, %vp: tensor<1x32x?x128xf32>, %vs: tensor<?x32x?x128xf32>, %o: memref<?x32x1x128xf32>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<?x32x1x128xf32>, tensor<1x32x?x128xf32>, tensor<?x32x?x128xf32>, tensor<1x32x?x128xf32>, tensor<?x32x?x128xf32>) -> tensor<?x32x1x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xf32>, memref<?x32x1x128xf32>) -> ()
  return
}

func.func @hydragen_f32_hkv8(%q: tensor<?x32x1x128xf32>, %kp: tensor<1x8x?x128xf32>, %ks: tensor<?x8x?x128xf32>, %vp: tensor<1x8x?x128xf32>, %vs: tensor<?x8x?x128xf32>, %o: memref<?x32x1x128xf32>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<?x32x1x128xf32>, tensor<1x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<1x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x32x1x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xf32>, memref<?x32x1x128xf32>) -> ()
  return
}

func.func @hydragen_bf16_hkv32(%q: tensor<?x32x1x128xbf16>, %kp: tensor<1x32x?x128xbf16>, %ks: tensor<?x32x?x128xbf16>, %vp: tensor<1x32x?x128xbf16>, %vs: tensor<?x32x?x128xbf16>, %o: memref<?x32x1x128xbf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<?x32x1x128xbf16>, tensor<1x32x?x128xbf16>, tensor<?x32x?x128xbf16>, tensor<1x32x?x128xbf16>, tensor<?x32x?x128xbf16>) -> tensor<?x32x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  return
}

func.func @hydragen_bf16_hkv8(%q: tensor<?x32x1x128xbf16>, %kp: tensor<1x8x?x128xbf16>, %ks: tensor<?x8x?x128xbf16>, %vp: tensor<1x8x?x128xbf16>, %vs: tensor<?x8x?x128xbf16>, %o: memref<?x32x1x128xbf16>) {
  %out = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<?x32x1x128xbf16>, tensor<1x8x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<1x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x32x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  return
}

func.func @per_row_f32_hkv32(%q: tensor<?x32x1x128xf32>, %k: tensor<?x32x?x128xf32>, %v: tensor<?x32x?x128xf32>, %o: memref<?x32x1x128xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x32x1x128xf32>, tensor<?x32x?x128xf32>, tensor<?x32x?x128xf32>) -> tensor<?x32x1x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xf32>, memref<?x32x1x128xf32>) -> ()
  return
}

func.func @per_row_f32_hkv8(%q: tensor<?x32x1x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x32x1x128xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x32x1x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x32x1x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xf32>, memref<?x32x1x128xf32>) -> ()
  return
}

func.func @per_row_bf16_hkv32(%q: tensor<?x32x1x128xbf16>, %k: tensor<?x32x?x128xbf16>, %v: tensor<?x32x?x128xbf16>, %o: memref<?x32x1x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x32x1x128xbf16>, tensor<?x32x?x128xbf16>, tensor<?x32x?x128xbf16>) -> tensor<?x32x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  return
}

func.func @per_row_bf16_hkv8(%q: tensor<?x32x1x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x32x1x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x32x1x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x32x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x1x128xbf16>, memref<?x32x1x128xbf16>) -> ()
  return
}

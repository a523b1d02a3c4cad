// The kernels attune-bench times, compiled by attune-compile at build time
// (--cpu=native). Prefill: Hq = Hkv = 8, D = 128; decode: GQA 32:8, D = 128.
// Batch and lengths are dynamic: one kernel serves every L of a scenario.
func.func @prefill_f32(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @prefill_f32_causal(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @decode_f32(%q: tensor<?x32x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x32x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x32x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x?x128xf32>, memref<?x32x?x128xf32>) -> ()
  return
}
func.func @prefill_bf16(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}
func.func @prefill_bf16_causal(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x8x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>} : (tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xbf16>, memref<?x8x?x128xbf16>) -> ()
  return
}
func.func @decode_bf16(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>, %o: memref<?x32x?x128xbf16>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x32x?x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x32x?x128xbf16>, memref<?x32x?x128xbf16>) -> ()
  return
}

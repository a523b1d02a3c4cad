// f16, D = 128: the prefill kernels sass-loop.test counts (no mask, causal, causal sigmoid).
func.func @f16_d128(%q: tensor<?x16x?x128xf16>, %k: tensor<?x16x?x128xf16>, %v: tensor<?x16x?x128xf16>, %o: memref<?x16x?x128xf16>, %l: memref<?x16x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x16x?x128xf16>, memref<?x16x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x16x?xf32>, memref<?x16x?xf32>) -> ()
  return
}
func.func @f16_d128_causal(%q: tensor<?x16x?x128xf16>, %k: tensor<?x16x?x128xf16>, %v: tensor<?x16x?x128xf16>, %o: memref<?x16x?x128xf16>, %l: memref<?x16x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x16x?x128xf16>, memref<?x16x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x16x?xf32>, memref<?x16x?xf32>) -> ()
  return
}
func.func @f16_d128_sigmoid_causal(%q: tensor<?x8x?x128xf16>, %k: tensor<?x8x?x128xf16>, %v: tensor<?x8x?x128xf16>, %o: memref<?x8x?x128xf16>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, normalization = #attn.normalization<sigmoid>}
      : (tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>) -> tensor<?x8x?x128xf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf16>, memref<?x8x?x128xf16>) -> ()
  return
}

// Two kernels for the launcher test: dynamic sizes with an LSE output, and
// a decode kernel whose batch K fixes at 2 and ragged key lengths.
func.func @prefill(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %o: memref<?x8x?x64xf16>, %l: memref<?x8x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>}
      : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x64xf16>, memref<?x8x?x64xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x8x?xf32>, memref<?x8x?xf32>) -> ()
  return
}

func.func @decode(%q: tensor<?x4x1x128xbf16>, %k: tensor<2x4x?x128xbf16>, %v: tensor<2x4x?x128xbf16>, %n: tensor<?xi32>, %o: memref<?x4x1x128xbf16>) {
  %out = attn.attention(%q, %k, %v) kv_lengths(%n)
      : (tensor<?x4x1x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<?xi32>) -> tensor<?x4x1x128xbf16>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x4x1x128xbf16>, memref<?x4x1x128xbf16>) -> ()
  return
}

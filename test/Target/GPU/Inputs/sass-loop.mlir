// f16, D = 128, no mask: the prefill kernel sass-loop.test counts.
func.func @f16_d128(%q: tensor<?x16x?x128xf16>, %k: tensor<?x16x?x128xf16>, %v: tensor<?x16x?x128xf16>, %o: memref<?x16x?x128xf16>, %l: memref<?x16x?xf32>) {
  %out, %lse = attn.attention(%q, %k, %v)
      : (tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>, tensor<?x16x?x128xf16>) -> (tensor<?x16x?x128xf16>, tensor<?x16x?xf32>)
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x16x?x128xf16>, memref<?x16x?x128xf16>) -> ()
  bufferization.materialize_in_destination %lse in restrict writable %l : (tensor<?x16x?xf32>, memref<?x16x?xf32>) -> ()
  return
}

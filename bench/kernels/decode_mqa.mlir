// MQA decode (Hq = 8, Hkv = 1, D = 128, f32): at batch 1 a single unit of
// work, so split-KV decides how many threads help. Compiled as it is.
func.func @decode_mqa(%q: tensor<?x8x?x128xf32>, %k: tensor<?x1x?x128xf32>, %v: tensor<?x1x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x128xf32>, tensor<?x1x?x128xf32>, tensor<?x1x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}

// The same kernel compiled with --pipeline-options=kv-splits=1: one key chunk.
func.func @decode_mqa_nosplit(%q: tensor<?x8x?x128xf32>, %k: tensor<?x1x?x128xf32>, %v: tensor<?x1x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<?x8x?x128xf32>, tensor<?x1x?x128xf32>, tensor<?x1x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}

// Block-sparse attention whose block lists come from the caller.
func.func @block_lists(%q: tensor<1x1x?x16xf32>, %k: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>, %nb: tensor<1x1x?xi32>, %idx: tensor<1x1x?x?xi32>, %o: memref<1x1x?x16xf32>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) {block_size = array<i64: 16, 16>}
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> tensor<1x1x?x16xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x1x?x16xf32>, memref<1x1x?x16xf32>) -> ()
  return
}

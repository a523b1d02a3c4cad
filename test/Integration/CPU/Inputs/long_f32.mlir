// One head, D = 32, f32, dynamic length: the no-O(L^2)-memory check.
func.func @long_f32(%q: tensor<1x1x?x32xf32>, %k: tensor<1x1x?x32xf32>, %v: tensor<1x1x?x32xf32>, %o: memref<1x1x?x32xf32>) {
  %out = attn.attention(%q, %k, %v) : (tensor<1x1x?x32xf32>, tensor<1x1x?x32xf32>, tensor<1x1x?x32xf32>) -> tensor<1x1x?x32xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<1x1x?x32xf32>, memref<1x1x?x32xf32>) -> ()
  return
}

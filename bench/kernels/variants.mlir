// Variant kernels attune-bench times against plain softmax (fused CPU issue
// "every variant fused"): f32, Hq = Hkv = 8, D = 128, dynamic batch and lengths.
// The block-sparse kernel takes 128 x 128 block lists sized for L = 8192.
func.func @variant_blocksparse(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %nb: tensor<1x1x64xi32>, %idx: tensor<1x1x64x64xi32>, %fnb: tensor<1x1x64xi32>, %fidx: tensor<1x1x64x64xi32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) blocks(%nb, %idx) full_blocks(%fnb, %fidx) {block_size = array<i64: 128, 128>} : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<1x1x64xi32>, tensor<1x1x64x64xi32>, tensor<1x1x64xi32>, tensor<1x1x64x64xi32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @variant_window512(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 511, right = 0>} : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @variant_sigmoid(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @variant_softcap(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) {softcap = 30.0 : f32} : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}
func.func @variant_alibi(%q: tensor<?x8x?x128xf32>, %k: tensor<?x8x?x128xf32>, %v: tensor<?x8x?x128xf32>, %slopes: tensor<8xf32>, %o: memref<?x8x?x128xf32>) {
  %out = attn.attention(%q, %k, %v) alibi(%slopes) : (tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>, tensor<8xf32>) -> tensor<?x8x?x128xf32>
  bufferization.materialize_in_destination %out in restrict writable %o : (tensor<?x8x?x128xf32>, memref<?x8x?x128xf32>) -> ()
  return
}

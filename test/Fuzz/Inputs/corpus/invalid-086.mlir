func.func @mask_duplicate_field(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 4, right = 0, left = 8>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

func.func @key_element_type(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

func.func @key_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32x1xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32x1xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

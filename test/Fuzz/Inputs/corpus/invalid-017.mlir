func.func @sigmoid_lse(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o, %l = attn.attention(%q, %k, %v) {normalization = #attn.normalization<sigmoid>} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x8xf32>)
  return
}

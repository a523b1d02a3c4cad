func.func @bias_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %b: tensor<4x8x8xf32>) {
  %o = attn.attention(%q, %k, %v) bias(%b) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<4x8x8xf32>) -> tensor<1x4x8x32xf32>
  return
}

func.func @temperature_shape(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %t: tensor<1x1x7xf32>) {
  %o = attn.attention(%q, %k, %v) temperature(%t) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x1x7xf32>) -> tensor<1x4x8x32xf32>
  return
}

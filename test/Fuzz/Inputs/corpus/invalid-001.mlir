func.func @lse_f16(%q: tensor<1x4x8x32xf16>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf16>) {
  %o, %l = attn.attention(%q, %k, %v) : (tensor<1x4x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf16>) -> (tensor<1x4x8x32xf16>, tensor<1x4x8xf16>)
  return
}

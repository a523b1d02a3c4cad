func.func @bias_element_type(%q: tensor<1x4x8x32xf16>, %k: tensor<1x2x8x32xf16>, %v: tensor<1x2x8x32xf16>, %b: tensor<1x4x8x8xbf16>) {
  %o = attn.attention(%q, %k, %v) bias(%b) : (tensor<1x4x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x2x8x32xf16>, tensor<1x4x8x8xbf16>) -> tensor<1x4x8x32xf16>
  return
}

func.func @mqa_f16_head_map(%q: tensor<1x4x8x32xf16>, %k: tensor<1x3x8x32xf16>, %v: tensor<1x3x8x32xf16>) -> tensor<1x4x8x32xf16> {
  %o = attn.attention(%q, %k, %v) {head_map = array<i64: 0, 0, 1, 2>} : (tensor<1x4x8x32xf16>, tensor<1x3x8x32xf16>, tensor<1x3x8x32xf16>) -> tensor<1x4x8x32xf16>
  return %o : tensor<1x4x8x32xf16>
}

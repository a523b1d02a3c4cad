func.func @prefix(%q: tensor<4x8x16x64xf16>, %kp: tensor<1x2x128x64xf16>, %vp: tensor<1x2x128x64xf16>, %kg: tensor<2x2x32x64xf16>, %vg: tensor<2x2x32x64xf16>, %ks: tensor<4x2x16x64xf16>, %vs: tensor<4x2x16x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>) {
  %o, %l = attn.prefix_attention(%q) keys(%kp, %kg, %ks) values(%vp, %vg, %vs) {segments = [#attn.segment<shared>, #attn.segment<rows [0, 0, 1, 1]>, #attn.segment<per_row>], mask = #attn.mask<causal>} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<2x2x32x64xf16>, tensor<4x2x16x64xf16>, tensor<1x2x128x64xf16>, tensor<2x2x32x64xf16>, tensor<4x2x16x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>)
  return %o, %l : tensor<4x8x16x64xf16>, tensor<4x8x16xf32>
}

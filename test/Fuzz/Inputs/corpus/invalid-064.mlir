func.func @prefix_segment_key_shape(%q: tensor<4x8x16x64xf16>, %kp: tensor<1x2x128x64xf16>, %vp: tensor<1x2x128x64xf16>, %ks: tensor<4x4x16x64xf16>, %vs: tensor<4x4x16x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%kp, %ks) values(%vp, %vs) {segments = [#attn.segment<shared>, #attn.segment<per_row>]} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<4x4x16x64xf16>, tensor<1x2x128x64xf16>, tensor<4x4x16x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

func.func @prefix_sigmoid_lse(%q: tensor<4x8x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  %o, %l = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>], normalization = #attn.normalization<sigmoid>} : (tensor<4x8x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> (tensor<4x8x16x64xf16>, tensor<4x8x16xf32>)
  return
}

func.func @prefix_shared_instances(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x128x64xf16>, %v: tensor<2x2x128x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x8x16x64xf16>, tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

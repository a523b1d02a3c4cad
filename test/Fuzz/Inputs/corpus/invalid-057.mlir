func.func @prefix_query_rank(%q: tensor<4x16x64xf16>, %k: tensor<1x2x128x64xf16>, %v: tensor<1x2x128x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<shared>]} : (tensor<4x16x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

func.func @prefix_rows_out_of_range(%q: tensor<4x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 2]>]} : (tensor<4x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

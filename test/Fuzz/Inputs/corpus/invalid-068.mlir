func.func @prefix_rows_dynamic_batch(%q: tensor<?x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 1]>]} : (tensor<?x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<?x8x16x64xf16>
  return
}

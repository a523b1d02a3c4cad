func.func @prefix_rows_dynamic_instances(%q: tensor<4x8x16x64xf16>, %k: tensor<?x2x32x64xf16>, %v: tensor<?x2x32x64xf16>) {
  %o = attn.prefix_attention(%q) keys(%k) values(%v) {segments = [#attn.segment<rows [0, 0, 1, 1]>]} : (tensor<4x8x16x64xf16>, tensor<?x2x32x64xf16>, tensor<?x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

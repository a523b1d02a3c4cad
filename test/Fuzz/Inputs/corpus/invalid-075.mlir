func.func @merge_element_type(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf16>) {
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf16>) -> tensor<2x8x16x64xf32>
  return
}

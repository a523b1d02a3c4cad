func.func @merge_output_shape(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>) {
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x32x64xf32>
  return
}

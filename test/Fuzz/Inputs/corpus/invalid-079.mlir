func.func @merge_softmax_no_lse(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>) {
  %o = attn.merge(%o0, %o1) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return
}

func.func @merge_lse_shape(%o0: tensor<2x8x16x64xf32>, %o1: tensor<2x8x16x64xf32>, %l0: tensor<2x8x16xf32>, %l1: tensor<2x8x16xf32>) {
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf32>, tensor<2x4x16xf32>)
  return
}

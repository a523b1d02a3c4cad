func.func @merge(%o0: tensor<2x8x?x64xf32>, %o1: tensor<2x8x?x64xf32>, %l0: tensor<2x8x?xf32>, %l1: tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?x64xf32>) {
  %o, %l = attn.merge(%o0, %o1) lse(%l0, %l1) : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?xf32>) -> (tensor<2x8x?x64xf32>, tensor<2x8x?xf32>)
  %s = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<2x8x?x64xf32>, tensor<2x8x?x64xf32>) -> tensor<2x8x?x64xf32>
  return %o, %l, %s : tensor<2x8x?x64xf32>, tensor<2x8x?xf32>, tensor<2x8x?x64xf32>
}

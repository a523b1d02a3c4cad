func.func @merge_rank0(%o0: tensor<f32>, %o1: tensor<f32>) {
  %o = attn.merge(%o0, %o1) {normalization = #attn.normalization<sigmoid>} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

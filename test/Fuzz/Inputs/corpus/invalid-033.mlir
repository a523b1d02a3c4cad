func.func @alibi_rank(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>, %s: tensor<1x4xf32>) {
  %o = attn.attention(%q, %k, %v) alibi(%s) : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x4xf32>) -> tensor<1x4x8x32xf32>
  return
}

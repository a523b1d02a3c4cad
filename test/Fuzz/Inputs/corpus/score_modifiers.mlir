func.func @score_modifiers(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %slopes: tensor<4xf32>, %bias: tensor<1x4x?x?xf32>, %temp: tensor<?x1x?xf32>) -> tensor<?x4x?x32xf32> {
  %o = attn.attention(%q, %k, %v) alibi(%slopes) bias(%bias) temperature(%temp) {softcap = 50.0 : f32} : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<4xf32>, tensor<1x4x?x?xf32>, tensor<?x1x?xf32>) -> tensor<?x4x?x32xf32>
  return %o : tensor<?x4x?x32xf32>
}

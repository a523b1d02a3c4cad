func.func @masks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x4x8x32xf32>, %v: tensor<1x4x8x32xf32>) -> (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) {
  %a = attn.attention(%q, %k, %v) {mask = #attn.mask<none>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  %b = attn.attention(%q, %k, %v) {mask = #attn.mask<window left = 3, right = 0>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  %c = attn.attention(%q, %k, %v) {mask = #attn.mask<window sinks = 1, right = 0, left = 2>} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  %d = attn.attention(%q, %k, %v) {head_masks = [#attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>, #attn.mask<window left = 2, right = 0, sinks = 2>, #attn.mask<causal>]} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %a, %b, %c, %d : tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>
}

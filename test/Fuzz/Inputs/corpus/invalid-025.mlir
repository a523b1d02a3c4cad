func.func @mask_and_head_masks(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) {mask = #attn.mask<causal>, head_masks = [#attn.mask<causal>, #attn.mask<causal>, #attn.mask<causal>, #attn.mask<causal>]} : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

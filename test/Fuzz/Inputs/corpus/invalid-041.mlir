func.func @block_size_alone(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>) {
  %o = attn.attention(%q, %k, %v) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>) -> tensor<1x2x256x64xf32>
  return
}

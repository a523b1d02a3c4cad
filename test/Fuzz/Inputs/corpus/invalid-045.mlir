func.func @kv_indices_rank(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>, %idx: tensor<1x4x8xi32>) {
  %o = attn.attention(%q, %k, %v) blocks(%n, %idx) {block_size = array<i64: 64, 64>} : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>, tensor<1x4x8xi32>) -> tensor<1x2x256x64xf32>
  return
}

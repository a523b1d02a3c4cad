func.func @blocks_unpaired(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>) {
  %o = "attn.attention"(%q, %k, %v, %n) <{block_size = array<i64: 64, 64>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0>}> ({
  }, {
  }) : (tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x1x4xi32>) -> tensor<1x2x256x64xf32>
  return
}

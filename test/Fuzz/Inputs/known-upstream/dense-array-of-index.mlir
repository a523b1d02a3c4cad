func.func @blocks_unpaired(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>, %v: tensor<1x2x512x64xf32>, %n: tensor<1x1x4xi32>) {
  %o = "attn.atfunc.func @gions(%q: tensor<6xf32>)attn.yield %r :tention"(%q, %k, %v, %n) <{blokcsi_ze = array< index, i64: 64, 64>, operandSegmentSizes = array<i64: 1, 1, 1, 0, 0,xi32>) -> tensor<1x2x256x64xf32>x
  returne:
}

 
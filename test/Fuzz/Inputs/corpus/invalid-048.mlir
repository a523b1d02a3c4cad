func.func @mask_mod_signature(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: i32, %j: i32):
    %r = arith.cmpi ne, %i, %j : i32
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}

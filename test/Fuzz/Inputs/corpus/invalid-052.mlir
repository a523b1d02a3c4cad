func.func private @keep(index, index) -> i1

func.func @mask_mod_call(%q: tensor<1x4x8x32xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x32xf32>) {
  %o = attn.attention(%q, %k, %v) mask_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index):
    %r = func.call @keep(%i, %j) : (index, index) -> i1
    attn.yield %r : i1
  } : (tensor<1x4x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x4x8x32xf32>
  return
}
